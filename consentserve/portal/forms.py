from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from consentserve.accounts.models import Membership, Organisation
from consentserve.accounts.roles import assignable_roles

from .selectors import person_label


def _role_choices(actor: Membership) -> list[tuple[str, str]]:
    return [(role.value, capfirst(role.label)) for role in assignable_roles(actor)]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The link in the invitation can be accepted with any account, once."),
    )
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor)
        self.fields["email"].widget.attrs["autocomplete"] = "off"


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor: Membership, member: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor)
        self.member_pk = member.pk


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{person_label(obj.user)} ({capfirst(obj.get_role_display())})"


class OwnershipTransferForm(forms.Form):
    new_owner = MemberChoiceField(label=_("New owner"), queryset=Membership.objects.none())
    confirm = forms.BooleanField(
        label=_(
            "I understand that I will then be an admin and can no longer manage payment "
            "details or remove admins."
        ),
    )

    def __init__(self, *args, owner: Membership, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = members.exclude(pk=owner.pk)


class CompanyDetailsForm(forms.ModelForm):
    """The company's details as the owner corrects them (Art. 16 GDPR); the VAT ID is checked
    by accounts.company.organisation_details_update."""

    class Meta:
        model = Organisation
        fields = ["name", "street", "postcode", "city", "country", "vat_id"]
        labels = {
            "name": _("Company name"),
            "street": _("Street and number"),
            "postcode": _("Postcode"),
            "city": _("City"),
            "country": _("Country"),
            "vat_id": _("VAT ID (optional)"),
        }
        help_texts = {
            "vat_id": _("Your EU VAT identification number, starting with the country code.")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vat_id"].max_length = 24  # written in groups; stored compact
        self.fields["vat_id"].widget.attrs["maxlength"] = 24
        autocomplete = {
            "name": "organization",
            "street": "address-line1",
            "postcode": "postal-code",
            "city": "address-level2",
            "country": "country",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value

    def _post_clean(self):
        """The instance is changed by the service, not by the form."""
