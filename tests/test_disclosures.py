"""R-D-2: the log of disclosures under legal orders records authority, legal basis, scope, date,
legal review, data released and whether the person was told; its entries go 3 years after the
end of the year of the disclosure."""

from datetime import UTC, datetime

import pytest
import time_machine

from consentserve.audit.models import AuditEntry
from consentserve.privacy.models import Disclosure
from consentserve.privacy.retention import retention_run

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-D-2")]

FORM = {
    "authority": "Staatsanwaltschaft Kassel",
    "reference": "1234 Js 5678/26",
    "legal_basis": "§ 100j StPO",
    "scope": "Bestandsdaten des Kundenkontos 42",
    "received_at_0": "2026-03-02",
    "received_at_1": "10:00:00",
    "review": "Anordnung formell und materiell geprüft; nur Bestandsdaten erfasst.",
    "data_released": "Name, Anschrift, E-Mail-Adresse",
    "disclosed_at_0": "2026-03-05",
    "disclosed_at_1": "12:00:00",
}


def test_a_disclosure_needs_the_notification_or_why_not(admin_client):
    response = admin_client.post("/backoffice/privacy/disclosure/add/", FORM)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Disclosure.objects.exists()

    barred = {**FORM, "not_informed_because": "Benachrichtigung nach § 101a StPO untersagt."}
    response = admin_client.post("/backoffice/privacy/disclosure/add/", barred)
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.authority == "Staatsanwaltschaft Kassel"
    assert AuditEntry.objects.filter(
        action="admin.add", target__startswith="privacy.disclosure:"
    ).exists()


def test_the_log_entry_goes_three_years_after_the_end_of_the_disclosure_year():
    entry = Disclosure.objects.create(
        authority="Amtsgericht Kassel",
        legal_basis="§ 142 ZPO",
        scope="Angebotsanfrage",
        review="geprüft",
        data_released="eine Angebotsanfrage",
        disclosed_at=datetime(2026, 5, 1, tzinfo=UTC),
        not_informed_because="untersagt",
    )
    with time_machine.travel(datetime(2029, 12, 31, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert Disclosure.objects.filter(pk=entry.pk).exists()
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert not Disclosure.objects.filter(pk=entry.pk).exists()
