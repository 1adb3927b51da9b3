"""Reads of privacy requests: what staff must be reminded of."""

from datetime import date, timedelta

from django.db.models import QuerySet

from ..deadlines import is_working_day
from .models import PrivacyRequest

REMIND_WORKING_DAYS = 3


def working_days_after(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day


def cases_to_remind(*, today: date) -> QuerySet[PrivacyRequest]:
    """Cases not closed that are due within 3 working days, or overdue."""
    limit = working_days_after(today, REMIND_WORKING_DAYS)
    return (
        PrivacyRequest.objects.exclude(status__in=PrivacyRequest.CLOSED)
        .filter(due_on__lte=limit)
        .order_by("due_on", "number")
    )
