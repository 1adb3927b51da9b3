"""Calendar months: the unit of billing and of the consent records' partitions."""

import calendar
from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_next(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def month_previous(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def month_parse(value: str) -> date:
    """ "2026-11" as the first day of that month; ValueError otherwise."""
    year, _, month = value.strip().partition("-")
    return date(int(year), int(month), 1)
