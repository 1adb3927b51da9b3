from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from consentserve.accounts.models import Membership

from .scoping import assignable_roles
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
