"""The dashboard's period: a preset (the last 7, 30, 90 or 365 days up to today) or the dates
of one, at most 366 days, as on the portal's statistics page (whose helpers it uses)."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.collector.statistics import MAX_DAYS, period_valid
from consentserve.portal.consent_forms import DateInput
from consentserve.portal.statistics_forms import today

PRESETS = (7, 30, 90, 365)
DEFAULT_DAYS = 30


class PeriodForm(forms.Form):
    period = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "")] + [(str(days), str(days)) for days in PRESETS],
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

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
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("date_from") and data.get("date_to"):
            return data["date_from"], data["date_to"]
        last = today()
        return last - timedelta(days=(data.get("period") or DEFAULT_DAYS) - 1), last
