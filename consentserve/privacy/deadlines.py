"""When a data subject's request must be answered (Art. 12(3) GDPR, R-F-0b).

Periods are computed as Regulation (EEC, Euratom) No 1182/71 prescribes: the day of receipt is
not counted (Art. 3(1)); a period of months ends on the day of the last month with the same date
as the day of receipt, or on that month's last day when it has no such date (Art. 3(2)(c)); a
period ending on a Saturday, Sunday or public holiday ends on the next working day (Art. 3(4)).
The holidays are those of Hesse, where the controller has its seat.
"""

import calendar
from datetime import date, timedelta
from functools import cache

import holidays

# Art. 12(3): one month, extendable by two further months where necessary.
RESPONSE_MONTHS = 1
EXTENSION_MONTHS_MAX = 2
HOLIDAY_REGION = ("DE", "HE")


@cache
def _holidays(year: int) -> frozenset[date]:
    country, subdivision = HOLIDAY_REGION
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def months_later(day: date, months: int) -> date:
    """The same date `months` later, or the last day of that month when it has no such date."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def response_due(received: date, *, extension_months: int = 0) -> date:
    """The last day to answer a request received on `received`, with an extension of up to two
    months (which must be announced with reasons before the first deadline)."""
    if not 0 <= extension_months <= EXTENSION_MONTHS_MAX:
        raise ValueError(f"an extension is 0 to {EXTENSION_MONTHS_MAX} months")
    # The extended period runs from receipt as one period of three months, not from the first
    # deadline: the shifted first deadline must not lengthen it.
    return next_working_day(months_later(received, RESPONSE_MONTHS + extension_months))
