"""T4: consent records are kept until 3 years after the end of the year in which the consent
ended. A consent lasts at most 2 years, so a record made in 2026 is kept until the end of 2031
and deleted from 1 January 2032; published versions it points at stay (they are evidence)."""

from datetime import UTC, datetime

import pytest
import time_machine
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentRecord
from consentserve.installations import services as installations_services
from consentserve.installations.models import PublishedVersion
from consentserve.privacy.retention import retention_forecast, retention_run

pytestmark = pytest.mark.django_db


def test_records_go_five_years_after_the_end_of_their_year():
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    given = {"action": "accept_all"}  # a consent given runs for up to 2 more years
    (early,) = make_records(
        installation, version, 1, at=datetime(2026, 1, 2, 9, tzinfo=UTC), **given
    )
    (late,) = make_records(
        installation, version, 1, first=1, at=datetime(2026, 12, 31, 9, tzinfo=UTC), **given
    )
    (next_year,) = make_records(
        installation, version, 1, first=2, at=datetime(2027, 1, 5, 9, tzinfo=UTC), **given
    )

    # A consent of 31 Dec 2026 may run until 31 Dec 2028; proof is owed until the end of 2031.
    with time_machine.travel(datetime(2031, 12, 31, 22, tzinfo=UTC), tick=False):
        retention_run()
    assert ConsentRecord.objects.count() == 3

    with time_machine.travel(datetime(2032, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [next_year.pk]
    assert not ConsentRecord.objects.filter(pk__in=[early.pk, late.pk]).exists()
    assert PublishedVersion.objects.filter(pk=version.pk).exists()


def test_each_installation_keeps_its_records_for_the_years_it_chose():
    """Years after the consent ended, plus the 2 years a consent can last at most."""
    customer = make_customer("a", "Alpha GmbH")
    short, short_version = published(customer)
    long, long_version = published(customer, name="Long")
    installations_services.consent_retention_set(
        installation=short, years=1, actor=customer.owner.user
    )
    installations_services.consent_retention_set(
        installation=long, years=10, actor=customer.owner.user
    )
    at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    (brief,) = make_records(short, short_version, 1, at=at)
    (kept,) = make_records(long, long_version, 1, at=at)

    # 1 + 2 years from the end of 2026: due on 1 January 2030, not a day earlier.
    with time_machine.travel(datetime(2029, 12, 31, 22, tzinfo=UTC), tick=False):
        assert retention_forecast()[_index("collector.ConsentRecord")].due_by[0] == 0
        retention_run()
    assert ConsentRecord.objects.count() == 2
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not ConsentRecord.objects.filter(pk=brief.pk).exists()

    # 10 + 2 years: kept through 2038, gone on 1 January 2039.
    with time_machine.travel(datetime(2038, 12, 31, 22, tzinfo=UTC), tick=False):
        retention_run()
    assert ConsentRecord.objects.filter(pk=kept.pk).exists()
    with time_machine.travel(datetime(2039, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert not ConsentRecord.objects.exists()


def test_a_shorter_period_takes_effect_with_the_next_run():
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    make_records(installation, version, 2, at=datetime(2026, 6, 1, 9, tzinfo=UTC), action="custom")
    with time_machine.travel(datetime(2030, 3, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
        assert ConsentRecord.objects.count() == 2  # 3 + 2 years: due from 2032
        installations_services.consent_retention_set(
            installation=installation, years=1, actor=customer.owner.user
        )
        (run,) = [r for r in retention_run() if r.store == "collector.ConsentRecord"]
    assert run.deleted == 2
    assert not ConsentRecord.objects.exists()


def _index(store: str) -> int:
    forecasts = retention_forecast()
    return next(i for i, f in enumerate(forecasts) if f.store == store)


def test_a_withdrawal_goes_three_years_after_the_end_of_its_year():
    """C.3's example: withdrawn on 10 May 2026, deleted from 1 January 2030. The withdrawal
    ends the consent with the record itself, so the 2 years of a consent's lifetime do not
    apply; a consent given the same day is kept until it may have run out."""
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    may_10 = datetime(2026, 5, 10, 9, tzinfo=UTC)
    (withdrawal,) = make_records(installation, version, 1, at=may_10, action="withdraw")
    (rejection,) = make_records(installation, version, 1, first=1, at=may_10, action="reject_all")
    (accepted,) = make_records(installation, version, 1, first=2, at=may_10, action="accept_all")

    with time_machine.travel(datetime(2029, 12, 31, 22, tzinfo=UTC), tick=False):
        retention_run()
    assert ConsentRecord.objects.count() == 3
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [accepted.pk]
    with time_machine.travel(datetime(2032, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert not ConsentRecord.objects.exists()
