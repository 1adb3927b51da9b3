"""The statistics page's filter: a preset period or the dates of one, and what to narrow the
decisions to (language, device class, version)."""

from datetime import UTC, date, datetime, timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.collector import statistics as stats
from consentserve.collector.models import DeviceClass
from consentserve.installations.config import LANGUAGES

from .consent_forms import LANGUAGE_NAMES, DateInput

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30


def today() -> date:
    """Days are UTC days, like the roll-ups'."""
    return datetime.now(tz=UTC).date()


class StatisticsFilterForm(forms.Form):
    """A preset (`period`: the last 7, 30 or 90 days up to today) or the dates of a custom
    period, and what to narrow the decisions to. Without either, the last 30 days."""

    period = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "")] + [(str(days), str(days)) for days in PRESETS],
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("all"))] + [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    device = forms.ChoiceField(
        label=gettext_lazy("Device class"),
        required=False,
        choices=[("", gettext_lazy("all"))] + list(DeviceClass.choices),
    )
    version = forms.TypedChoiceField(
        label=gettext_lazy("Version"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, versions=(), initial=None):
        """`versions`: the numbers of the installation's published versions."""
        super().__init__(data, initial=initial)
        self.fields["version"].choices = [("", _("all"))] + [
            (str(number), _("Version %(number)s") % {"number": number}) for number in versions
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if self.errors:
            return data
        if data.get("period") and (start or end):
            raise forms.ValidationError(
                _("Choose either one of the preset periods or your own dates, not both.")
            )
        if start and not end:
            self.add_error("date_to", _("Please give the end of the period too."))
        elif end and not start:
            self.add_error("date_from", _("Please give the start of the period too."))
        elif start and end and start > end:
            self.add_error("date_to", _("The end must not be before the start."))
        elif start and end and not stats.period_valid(start, end):
            self.add_error(
                "date_to",
                _("A period may be at most %(days)s days long.") % {"days": stats.MAX_DAYS},
            )
        return data

    def period_dates(self) -> tuple[date, date]:
        data = self.cleaned_data if self.is_bound else {}
        if data.get("date_from") and data.get("date_to"):
            return data["date_from"], data["date_to"]
        last = today()
        return last - timedelta(days=(data.get("period") or DEFAULT_DAYS) - 1), last

    def narrowing(self) -> stats.Narrowing:
        data = self.cleaned_data if self.is_bound else {}
        return stats.Narrowing(
            language=data.get("language") or None,
            device=data.get("device") or None,
            version=data.get("version"),
        )

    def narrowing_query(self) -> dict:
        """The narrowing filters given, for links that keep them (presets, CSV)."""
        if not self.is_bound:
            return {}
        names = ("language", "device", "version")
        return {name: self.data[name] for name in names if self.data.get(name)}


def errors_text(form) -> str:
    problems = [" ".join(form.non_field_errors())] if form.non_field_errors() else []
    problems += [
        f"{form.fields[name].label}: {' '.join(messages)}"
        for name, messages in form.errors.items()
        if name in form.fields
    ]
    return "; ".join(problems)
