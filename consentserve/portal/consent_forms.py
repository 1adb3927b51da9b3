"""The filters of the consent log and its exports (a GET form: the URL names the selection)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from consentserve.collector.log_selectors import RecordFilter
from consentserve.collector.models import ConsentRecord
from consentserve.core.periods import DateInput
from consentserve.installations.config import LANGUAGES

LANGUAGE_NAMES = {"de": _("German"), "en": _("English")}


class ConsentFilterForm(forms.Form):
    installation = forms.TypedChoiceField(
        label=_("Installation"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("all"))] + list(ConsentRecord.Action.choices),
    )
    version = forms.IntegerField(
        label=_("Version"), required=False, min_value=1, max_value=2**31 - 1
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("all"))] + [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    consent_id = forms.CharField(
        label=_("Consent ID"),
        required=False,
        max_length=22,
        strip=True,
        help_text=_("The exact ID of 22 characters, as the banner's settings show it."),
        validators=[
            RegexValidator(
                r"\A[A-Za-z0-9_-]{22}\Z",
                _("A consent ID has exactly 22 characters: letters, digits, - and _."),
            )
        ],
    )

    def __init__(self, data=None, *, installations=None):
        """`installations`: (id, name) to choose from, or None for the log of one."""
        super().__init__(data)
        if installations is None:
            del self.fields["installation"]
        else:
            self.fields["installation"].choices = [("", _("all"))] + [
                (str(pk), name) for pk, name in installations
            ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end must not be before the start."))
        return data

    def criteria(self) -> RecordFilter:
        data = self.cleaned_data
        return RecordFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or None,
            version=data.get("version"),
            language=data.get("language") or None,
            consent_id=data.get("consent_id") or None,
            installation_id=data.get("installation"),
        )

    def query(self) -> dict:
        """The filters given, for links that keep them (pages, exports)."""
        return {name: value for name, value in self.data.items() if name in self.fields and value}
