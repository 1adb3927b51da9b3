from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .sepa import bic_clean, iban_clean, mandate_text

# SEPA allows 70 characters for a name.
ACCOUNT_HOLDER_MAX_LENGTH = 70


class SepaMandateForm(forms.Form):
    """Payment information as a SEPA direct-debit mandate (policy B.3): account holder, IBAN,
    BIC and the authorisation. The registration form and the portal's payment page share it."""

    account_holder = forms.CharField(
        label=_("Account holder"),
        max_length=ACCOUNT_HOLDER_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Please enter the name of the account holder.")},
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,  # 34 characters with a space after every four
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": _("Please enter the IBAN of the account.")},
    )
    bic = forms.CharField(
        label=_("BIC (optional)"),
        required=False,
        max_length=16,  # 11 characters, perhaps written in groups
        help_text=_("We fill it in from the IBAN where we know the bank."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    mandate_authorised = forms.BooleanField(
        label=_("I grant this SEPA direct-debit mandate"),
        error_messages={
            "required": _(
                "Please grant the SEPA direct-debit mandate: without it we cannot collect the fees."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The wording the account holder agrees to, in the language of the request; as the
        # checkbox's help text it is shown right above it and read out with it.
        self.fields["mandate_authorised"].help_text = mandate_text()

    def clean_iban(self) -> str:
        return iban_clean(self.cleaned_data["iban"])

    def clean(self):
        cleaned_data = super().clean()
        iban = cleaned_data.get("iban")
        if iban:
            try:
                cleaned_data["bic"] = bic_clean(cleaned_data.get("bic", ""), iban=iban)
            except ValidationError as error:
                self.add_error("bic", error)
        return cleaned_data
