"""The dashboard's period: a preset (the last 7, 30, 90 or 365 days up to today) or the dates
of one, at most 366 days (core/periods.py, as on the portal's statistics page)."""

from consentserve.core.periods import PeriodForm


class DashboardPeriodForm(PeriodForm):
    presets = (7, 30, 90, 365)
