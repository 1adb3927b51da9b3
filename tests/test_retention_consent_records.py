"""T4: consent records are kept until 3 years after the end of the year in which the consent
ended. A consent lasts at most 2 years, so a record made in 2026 is kept until the end of 2031
and deleted from 1 January 2032; published versions it points at stay (they are evidence)."""

from datetime import UTC, datetime

import pytest
import time_machine
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentRecord
from consentserve.installations.models import PublishedVersion
from consentserve.privacy.retention import retention_run

pytestmark = pytest.mark.django_db


def test_records_go_five_years_after_the_end_of_their_year():
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    (early,) = make_records(installation, version, 1, at=datetime(2026, 1, 2, 9, tzinfo=UTC))
    (late,) = make_records(
        installation, version, 1, first=1, at=datetime(2026, 12, 31, 9, tzinfo=UTC)
    )
    (next_year,) = make_records(
        installation, version, 1, first=2, at=datetime(2027, 1, 5, 9, tzinfo=UTC)
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
