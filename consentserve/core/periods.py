"""Periods of days for statistics and dashboards: a preset (the last N days up to today) or
the dates of one, both included, at most MAX_DAYS. Days are UTC days, like every roll-up's."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_DAYS = 366


def today() -> date:
    return datetime.now(tz=UTC).date()


def period_valid(first: date, last: date) -> bool:
    return first <= last and (last - first).days + 1 <= MAX_DAYS


class DateInput(forms.DateInput):
    """The browser's date picker; the value in ISO form, which it expects."""

    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


@dataclass(frozen=True)
class PresetLink:
    days: int
    url: str  # a query string
    current: bool  # the period shown is this preset's


class PeriodForm(forms.Form):
    """`period` (one of `presets`, in days) or `date_from` and `date_to`; without either, the
    last `default_days`. Subclasses add what else narrows their numbers."""

    presets: tuple[int, ...] = (7, 30, 90)
    default_days = 30

    period = forms.TypedChoiceField(
        label=gettext_lazy("Period"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def __init__(self, data=None, *, initial=None):
        super().__init__(data, initial=initial)
        self.fields["period"].choices = [("", "")] + [(str(d), str(d)) for d in self.presets]

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
        elif start and end and not period_valid(start, end):
            self.add_error(
                "date_to", _("A period may be at most %(days)s days long.") % {"days": MAX_DAYS}
            )
        return data

    def period_dates(self) -> tuple[date, date]:
        """The period asked for, or the default one when the form is unbound or invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("date_from") and data.get("date_to"):
            return data["date_from"], data["date_to"]
        last = today()
        return last - timedelta(days=(data.get("period") or self.default_days) - 1), last

    def preset_links(self, first: date, last: date, keep: dict | None = None) -> list[PresetLink]:
        """Links to the presets that keep the other filters (`keep`); the one whose days are
        the period shown (`first` to `last`) is current."""
        shown = (last - first).days + 1 if last == today() else None
        return [
            PresetLink(days, "?" + urlencode({"period": days} | (keep or {})), days == shown)
            for days in self.presets
        ]
