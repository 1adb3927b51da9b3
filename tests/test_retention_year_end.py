"""Statutory periods count from the end of the calendar year (§ 199 BGB, § 257 HGB): a rule
with `counted_from: end_of_year` deletes nothing before the period has run from 1 January
after the trigger, in German local time, and everything after."""

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consentserve.privacy import retention
from consentserve.privacy.register import Duration, RegisterError, Retention, Text, _retention
from consentserve.website.models import QuoteRequest

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def three_years_from_year_end(monkeypatch):
    """The quote-request rule, counted as a statutory period: 3 years from the end of the year
    in which the request was resolved."""
    (rule,) = [r for r in retention.rules() if r.store.model == "website.QuoteRequest"]
    period = dataclasses.replace(
        rule.activity.retention, duration=Duration.parse("P3Y"), counted_from="end_of_year"
    )
    statutory = retention.Rule(dataclasses.replace(rule.activity, retention=period), rule.store)
    monkeypatch.setattr(retention, "rules", lambda: [statutory])
    return statutory


def _resolved(at: datetime) -> QuoteRequest:
    return QuoteRequest.objects.create(
        contact_name="Erika Mustermann",
        email="erika@example.com",
        company="Beispiel GmbH",
        message="Angebot bitte.",
        status=QuoteRequest.Status.RESOLVED,
        resolved_at=at,
    )


def test_a_period_from_the_end_of_the_year_travels_to_new_year_in_berlin(
    three_years_from_year_end,
):
    early = _resolved(datetime(2023, 1, 2, 9, 0, tzinfo=BERLIN))
    # 23:30 in Berlin on New Year's Eve is already 2024 nowhere but 22:30 UTC of 2023: local
    # time decides which year a trigger belongs to.
    late = _resolved(datetime(2023, 12, 31, 23, 30, tzinfo=BERLIN))
    next_year = _resolved(datetime(2024, 1, 1, 0, 30, tzinfo=BERLIN))

    with time_machine.travel(datetime(2026, 12, 31, 23, 59, 59, tzinfo=BERLIN), tick=False):
        retention.retention_run()
    assert QuoteRequest.objects.count() == 3

    with time_machine.travel(datetime(2027, 1, 1, 0, 0, 1, tzinfo=BERLIN), tick=False):
        retention.retention_run()
    assert list(QuoteRequest.objects.all()) == [next_year]
    assert not QuoteRequest.objects.filter(pk__in=[early.pk, late.pk]).exists()

    with time_machine.travel(datetime(2028, 1, 1, 0, 0, 1, tzinfo=BERLIN), tick=False):
        retention.retention_run()
    assert not QuoteRequest.objects.exists()


def test_the_cutoff_is_the_last_moment_of_the_year_before(three_years_from_year_end):
    now = datetime(2026, 6, 15, 12, 0, tzinfo=BERLIN)
    cutoff = three_years_from_year_end.cutoff(now)
    assert cutoff == datetime(2022, 12, 31, 23, 59, 59, 999999, tzinfo=BERLIN)


def test_counted_from_must_be_known():
    description = {"de": "x", "en": "x"}
    with pytest.raises(RegisterError, match="counted_from"):
        _retention(
            {
                "duration": "P3Y",
                "action": "delete",
                "counted_from": "june",
                "description": description,
            },
            "test",
        )
    parsed = _retention({"duration": "P3Y", "action": "delete", "description": description}, "test")
    assert parsed == Retention(Duration.parse("P3Y"), "delete", Text("x", "x"))
    assert parsed.counted_from == "event"
