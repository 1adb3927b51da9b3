from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import QuoteRequest

MESSAGE_MAX_LENGTH = QuoteRequest._meta.get_field("message").max_length
_TOO_LONG = _("Please shorten this to at most %(limit_value)d characters (it has %(show_value)d).")


class QuoteRequestForm(forms.Form):
    """ "Angebot anfordern" (policy B.2): exactly the data the case needs, nothing more."""

    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please enter your name."), "max_length": _TOO_LONG},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address, such as name@example.com."),
            "max_length": _TOO_LONG,
        },
    )
    company = forms.CharField(
        label=_("Company"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={
            "required": _("Please enter the name of your company."),
            "max_length": _TOO_LONG,
        },
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=format_lazy(
            _(
                "How many websites, roughly how many page views a month, anything else we "
                "should know. At most {limit} characters."
            ),
            limit=MESSAGE_MAX_LENGTH,
        ),
        error_messages={"required": _("Please tell us what you need."), "max_length": _TOO_LONG},
    )
