from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from consentserve.billing.forms import SepaMandateForm

from .invitee import AFTER_VERIFICATION, invitation_of_next
from .models import Organisation
from .services import customer_register, invitee_register
from .validators import vat_id_clean

_VAT_ID_MAX_LENGTH = 24  # 14 characters at most, perhaps written in groups
# What an invitee does not give: the company and its payment details belong to the inviter.
INVITEE_LEAVES_OUT = (
    "company",
    "street",
    "postcode",
    "city",
    "country",
    "vat_id",
    "account_holder",
    "iban",
    "bic",
    "mandate_authorised",
)


def _text(label, *, autocomplete: str, required: str, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": required},
    )


class RegistrationForm(SepaMandateForm, SignupForm):
    """Registration as a customer on one page (policy B.3): the contact person, the company and
    the SEPA mandate are mandatory, exactly as the policy names them (R-B3-1); the newsletter is
    a separate, unticked consent (R-B3-8). allauth adds e-mail address and password twice."""

    first_name = _text(
        _("First name"),
        autocomplete="given-name",
        required=_("Please enter your first name."),
        max_length=150,
    )
    last_name = _text(
        _("Last name"),
        autocomplete="family-name",
        required=_("Please enter your last name."),
        max_length=150,
    )
    company = _text(
        _("Company name"),
        autocomplete="organization",
        required=_("Please enter the name of your company."),
        max_length=200,
    )
    street = _text(
        _("Street and number"),
        autocomplete="address-line1",
        required=_("Please enter the street and number."),
        max_length=200,
    )
    postcode = _text(
        _("Postcode"),
        autocomplete="postal-code",
        required=_("Please enter the postcode."),
        max_length=20,
    )
    city = _text(
        _("City"),
        autocomplete="address-level2",
        required=_("Please enter the city."),
        max_length=100,
    )
    country = Organisation._meta.get_field("country").formfield(
        label=_("Country"),
        initial="DE",
        error_messages={"required": _("Please choose the country.")},
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    vat_id = forms.CharField(
        label=_("VAT ID (optional)"),
        required=False,
        max_length=_VAT_ID_MAX_LENGTH,
        help_text=_("Your EU VAT identification number, starting with the country code."),
    )
    newsletter = forms.BooleanField(
        label=_(
            "Yes, please send me the CONSENTserve newsletter by e-mail. I can withdraw this "
            "consent at any time with one click in the customer portal."
        ),
        required=False,
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
        "company",
        "street",
        "postcode",
        "city",
        "country",
        "vat_id",
        "account_holder",
        "iban",
        "bic",
        "mandate_authorised",
        "newsletter",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].error_messages["required"] = _("Please enter your e-mail address.")
        self.fields["password1"].label = _("Password")
        self.fields["password1"].error_messages["required"] = _("Please choose a password.")
        self.fields["password2"].label = _("Repeat the password")
        self.fields["password2"].error_messages["required"] = _("Please repeat the password.")
        for name in ("email", "password1", "password2"):
            # Every field has a visible label; a placeholder repeating it only gets in the way.
            self.fields[name].widget.attrs.pop("placeholder", None)
        # Signing up from an invitation: the organisation that invited is the customer, so the
        # newcomer gives only name, address and password.
        self.next_url, self.invitation = invitation_of_next(context.request)
        if self.invitation is not None:
            for name in INVITEE_LEAVES_OUT:
                del self.fields[name]
            self.fields["email"].initial = self.invitation.email

    def clean_vat_id(self) -> str:  # not called for invitees, who have no such field
        return vat_id_clean(self.cleaned_data["vat_id"])

    def save(self, request):
        """Called by allauth's signup view once the form is valid and the address is new."""
        data = self.cleaned_data
        if self.invitation is not None:
            user = invitee_register(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password1"],
                newsletter=data["newsletter"],
            )
            # Kept for after the address is confirmed (accounts.adapters): back to the
            # invitation, not to an empty portal.
            request.session[AFTER_VERIFICATION] = self.next_url
            return user
        return customer_register(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            password=data["password1"],
            company=data["company"],
            street=data["street"],
            postcode=data["postcode"],
            city=data["city"],
            country=data["country"],
            vat_id=data["vat_id"],
            account_holder=data["account_holder"],
            iban=data["iban"],
            bic=data["bic"],
            newsletter=data["newsletter"],
        )
