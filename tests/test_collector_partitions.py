"""On PostgreSQL the consent records are partitioned by month (collector/partitions.py): rows
land in their month's partition, a month without one waits in DEFAULT until its partition is
created, duplicates are refused per partition, and retention drops a partition whole when all
its rows are due and none is held, deleting row by row otherwise."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentRecord
from consentserve.collector.partitions import (
    MONTHS_AHEAD,
    month_start,
    partition_create,
    partition_list,
    partitions_ensure,
)
from consentserve.installations import services as installations_services
from consentserve.privacy.legal_holds import hold_place
from consentserve.privacy.models import LegalHold
from consentserve.privacy.retention import retention_run

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"
    ),
]

JUNE_2026 = datetime(2026, 6, 10, 9, tzinfo=UTC)


def _home(record) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM collector_consentrecord WHERE id = %s",
            [record.pk],
        )
        return cursor.fetchone()[0]


def _names() -> list[str]:
    return [p.name for p in partition_list()]


def _consent_run(now):
    with time_machine.travel(now, tick=False):
        runs = retention_run()
    return next(r for r in runs if r.store == "collector.ConsentRecord")


@pytest.fixture
def site():
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    return customer, installation, version


def test_the_current_month_and_the_next_ones_have_partitions():
    partitions_ensure()
    month = month_start(datetime.now(UTC))
    names = _names()
    assert f"collector_consentrecord_p{month:%Y%m}" in names
    assert len([n for n in names if n >= f"collector_consentrecord_p{month:%Y%m}"]) >= (
        1 + MONTHS_AHEAD
    )


def test_a_month_without_partition_waits_in_default_and_moves_when_created(site):
    _, installation, version = site
    (record,) = make_records(installation, version, 1, at=JUNE_2026)
    assert _home(record) == "collector_consentrecord_default"

    assert partition_create(month_start(JUNE_2026)) is True
    assert partition_create(month_start(JUNE_2026)) is False  # exists already
    assert _home(record) == "collector_consentrecord_p202606"
    assert ConsentRecord.objects.get(pk=record.pk).consent_id == record.consent_id

    # ensure() finds months waiting in DEFAULT by itself.
    (later,) = make_records(installation, version, 1, first=1, at=datetime(2026, 8, 3, tzinfo=UTC))
    assert "collector_consentrecord_p202608" in partitions_ensure()
    assert _home(later) == "collector_consentrecord_p202608"


def test_a_record_sent_twice_is_stored_once_in_its_partition(site):
    _, installation, version = site
    partition_create(month_start(JUNE_2026))
    (record,) = make_records(installation, version, 1, at=JUNE_2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_records(
            installation,
            version,
            1,
            at=JUNE_2026,
            consent_id=record.consent_id,
            client_time=record.client_time,
        )
    assert ConsentRecord.objects.filter(consent_id=record.consent_id).count() == 1


def test_retention_drops_a_partition_whose_rows_are_all_due(site):
    _, installation, version = site
    partition_create(month_start(JUNE_2026))
    make_records(installation, version, 5, at=JUNE_2026, action="accept_all")

    # 3 + 2 years after the end of 2026.
    assert _consent_run(datetime(2031, 12, 31, 12, tzinfo=UTC)).deleted == 0
    assert "collector_consentrecord_p202606" in _names()
    run = _consent_run(datetime(2032, 1, 1, 12, tzinfo=UTC))
    assert run.deleted == 5
    assert "collector_consentrecord_p202606" not in _names()
    assert not ConsentRecord.objects.exists()


def test_a_partition_with_a_row_not_yet_due_is_emptied_row_by_row(site):
    customer, installation, version = site
    longer, longer_version = published(customer, name="Longer")
    installations_services.consent_retention_set(
        installation=longer, years=5, actor=customer.owner.user
    )
    partition_create(month_start(JUNE_2026))
    make_records(installation, version, 3, at=JUNE_2026)
    (kept,) = make_records(longer, longer_version, 1, first=3, at=JUNE_2026, action="custom")

    run = _consent_run(datetime(2032, 1, 1, 12, tzinfo=UTC))
    assert run.deleted == 3
    assert "collector_consentrecord_p202606" in _names()
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_held_record_keeps_its_partition(site):
    customer, installation, version = site
    partition_create(month_start(JUNE_2026))
    held, *others = make_records(installation, version, 3, at=JUNE_2026)
    hold_place(
        held,
        kind=LegalHold.Kind.LITIGATION,
        reason="Dispute about a consent",
        actor=customer.owner.user,
    )

    run = _consent_run(datetime(2032, 1, 1, 12, tzinfo=UTC))
    assert run.deleted == 2
    assert run.held == 1
    assert "collector_consentrecord_p202606" in _names()
    assert list(ConsentRecord.objects.values_list("pk", flat=True)) == [held.pk]
