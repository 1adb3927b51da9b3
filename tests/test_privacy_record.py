"""Issue 6, item 5: the record of processing activities (Art. 30(1) GDPR) from the register as
JSON and PDF, and the retention dashboard that shows what becomes due when. Staff need the
permission to view retention runs."""

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader
from support import with_second_factor

from consentserve.audit.models import AuditEntry
from consentserve.privacy.record import processing_record, record_pdf
from consentserve.privacy.register import get_register
from consentserve.website.models import QuoteRequest

pytestmark = pytest.mark.django_db

ART_30_FIELDS = ("purposes", "legal_bases", "data_subjects", "data_categories", "retention")


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_record_lists_every_activity_with_what_art_30_asks(language):
    record = processing_record(language)
    register = get_register()
    assert [a["id"] for a in record["activities"]] == [a.id for a in register.activities]
    # Internal activities (staff accounts, the audit log) belong in the record, not the policy.
    assert any(a["internal"] for a in record["activities"])
    for activity in record["activities"]:
        for key in ART_30_FIELDS:
            assert activity[key], (activity["id"], key)
    assert record["controller"]["name"] == "Multimedia Internet Services GmbH"
    assert len(record["security_measures"]) == len(register.security_measures) > 0
    transfers = [t for a in record["activities"] for t in a["third_country_transfers"]]
    assert transfers, "the register names third-country recipients; the record must show them"


def test_the_pdf_is_a_readable_document_in_the_language_asked():
    reader = PdfReader(io.BytesIO(record_pdf("de")))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 1
    assert "Verzeichnis von Verarbeitungstätigkeiten" in text
    assert "Protokoll der Zugriffe auf personenbezogene Daten" in text
    assert "Technische und organisatorische Maßnahmen" in text


def test_the_command_writes_json(tmp_path):
    target = tmp_path / "record.json"
    call_command("privacy_record", "--format", "json", "--language", "en", "--output", str(target))
    assert json.loads(target.read_text())["language"] == "en"


@pytest.fixture
def officer(django_user_model):
    user = django_user_model.objects.create_user(
        email="officer@example.com", password="x", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_retentionrun"))
    return with_second_factor(user)


@pytest.fixture
def support(django_user_model):
    return with_second_factor(
        django_user_model.objects.create_user(
            email="support@example.com", password="x", is_staff=True
        )
    )


PAGES = ["/backoffice/privacy/retention/", "/backoffice/privacy/record-en.json"]


@pytest.mark.parametrize("path", PAGES)
def test_staff_without_the_permission_get_403_and_visitors_the_login(client, support, path):
    assert client.get(path).status_code == 302
    client.force_login(support)
    assert client.get(path).status_code == 403


def test_an_export_is_downloaded_and_recorded_in_the_audit_log(client, officer):
    client.force_login(officer)
    response = client.get("/backoffice/privacy/record-de.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["language"] == "de"
    entry = AuditEntry.objects.get(action="privacy.record_export")
    assert entry.actor == f"user:{officer.pk}"
    assert entry.detail == {"language": "de", "format": "json"}
    assert client.get("/backoffice/privacy/record-fr.pdf").status_code == 404


def test_the_dashboard_shows_what_becomes_due_when(client, officer):
    now = timezone.now()
    QuoteRequest.objects.create(
        contact_name="Erika Mustermann",
        email="erika@example.com",
        company="Beispiel GmbH",
        message="Angebot bitte.",
        status=QuoteRequest.Status.RESOLVED,
        resolved_at=now - timedelta(days=85),
    )
    client.force_login(officer)
    with time_machine.travel(now, tick=False):
        response = client.get("/backoffice/privacy/retention/")
    assert response.status_code == 200
    (row,) = [r for r in response.context["rows"] if r["forecast"].store == "website.QuoteRequest"]
    # 90 days after resolution: not due now, due within a week and every later horizon.
    assert row["forecast"].due_by == (0, 1, 1, 1, 1)
    assert b"<svg" in response.content
    assert b"record-de.pdf" in response.content
