"""R-F-0b: the deadline for answering a data subject's request (Reg. 1182/71, Hessian holidays)."""

from datetime import date

import pytest

from consentserve.privacy.deadlines import (
    is_working_day,
    months_later,
    next_working_day,
    response_due,
)

pytestmark = pytest.mark.req("R-F-0b")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # The two vectors of R-F-0b.
        (date(2026, 1, 30), date(2026, 3, 2)),  # 30 Feb does not exist → Sat 28 Feb → Mon
        (date(2026, 3, 5), date(2026, 4, 7)),  # Sun 5 Apr (Easter) → Easter Monday → Tue
        # A plain month.
        (date(2026, 6, 10), date(2026, 7, 10)),
        # Corpus Christi is a holiday in Hesse (Thu 4 Jun 2026), though not in every state.
        (date(2026, 5, 4), date(2026, 6, 5)),
        # Leap year: 31 Jan 2028 → 29 Feb 2028 (Tuesday).
        (date(2028, 1, 31), date(2028, 2, 29)),
        # Sat 26 Dec 2026 (also Second Day of Christmas), Sun 27 → Mon 28.
        (date(2026, 11, 26), date(2026, 12, 28)),
        # New Year's Day 2027 is a Friday → Monday 4 January.
        (date(2026, 12, 1), date(2027, 1, 4)),
    ],
)
def test_response_due(received, due):
    assert response_due(received) == due


def test_an_extension_runs_from_receipt_as_three_months():
    # 30 Jan + 3 months = 30 Apr 2026, a Thursday; not 2 Mar + 2 months.
    assert response_due(date(2026, 1, 30), extension_months=2) == date(2026, 4, 30)
    # 31 Mar + 2 months: 31 May 2026 is a Sunday → Mon 1 Jun.
    assert response_due(date(2026, 3, 31), extension_months=1) == date(2026, 6, 1)


@pytest.mark.parametrize("months", [-1, 3])
def test_extension_beyond_two_months_is_refused(months):
    with pytest.raises(ValueError, match="extension"):
        response_due(date(2026, 1, 30), extension_months=months)


def test_working_days_know_hessian_holidays_and_weekends():
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 6, 4))  # Corpus Christi (Hesse)
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    # Reformation Day (Fri 31 Oct 2025) is a holiday in other states, not in Hesse.
    assert is_working_day(date(2025, 10, 31))
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 24)
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_months_later_clamps_to_the_month_end():
    assert months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_later(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert months_later(date(2026, 11, 30), 3) == date(2027, 2, 28)
