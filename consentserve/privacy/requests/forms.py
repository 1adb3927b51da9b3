from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import TEXT_MAX_LENGTH, PrivacyRequest

_TOO_LONG = _("Please shorten this to at most %(limit_value)d characters (it has %(show_value)d).")
# What the form offers: everything but the kind staff give a mailed request until classified.
KINDS = [(k.value, k.label) for k in PrivacyRequest.Kind if k != PrivacyRequest.Kind.UNSPECIFIED]


class PrivacyRequestForm(forms.Form):
    """A privacy request from anyone (R-F-0a): what we need to find the data and answer."""

    kind = forms.ChoiceField(
        label=_("What would you like us to do?"),
        choices=[("", _("Please choose")), *KINDS],
        error_messages={
            "required": _("Please choose the kind of request."),
            "invalid_choice": _("Please choose one of the kinds of request listed."),
        },
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm that it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address, such as name@example.com."),
            "max_length": _TOO_LONG,
        },
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": _TOO_LONG},
    )
    consent_id = forms.CharField(
        label=_("Consent ID (optional)"),
        max_length=64,
        required=False,
        help_text=_(
            "Only if your request concerns a cookie banner: open the banner's settings "
            "(“Privacy settings” at the bottom of the page) to find your consent ID. Our staff "
            "check it by hand."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": _TOO_LONG},
    )
    text = forms.CharField(
        label=_("Your request"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=format_lazy(
            _(
                "Anything that helps us, e.g. which data or which website. "
                "At most {limit} characters."
            ),
            limit=TEXT_MAX_LENGTH,
        ),
        error_messages={"max_length": _TOO_LONG},
    )

    def clean_consent_id(self):
        value = self.cleaned_data["consent_id"].strip()
        if value and not all(c.isalnum() or c in "-_" for c in value):
            raise forms.ValidationError(
                _("A consent ID consists of letters, digits and hyphens only.")
            )
        return value
