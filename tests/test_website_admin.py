"""The back office's queue of quote requests: resolving starts the retention period (R-B2-2),
reopening stops it, and restricted cases are only stored (R-F-18)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consentserve.website.models import QuoteRequest

pytestmark = pytest.mark.req("R-B2-2", "R-F-18")

CHANGELIST = "/backoffice/website/quoterequest/"


def _case(**kwargs) -> QuoteRequest:
    defaults = {
        "contact_name": "Anna Beispiel",
        "email": "anna@beispiel.example",
        "company": "Beispiel GmbH",
        "message": "Ein Angebot, bitte.",
        "language": "de",
    }
    return QuoteRequest.objects.create(**{**defaults, **kwargs})


def _action(admin_client, action, *cases):
    return admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [case.pk for case in cases]},
        follow=True,
    )


@pytest.mark.django_db
def test_mark_resolved_sets_status_and_resolution_time_r_b2_2(admin_client):
    case, other = _case(), _case(company="Andere GmbH")
    before = timezone.now()
    response = _action(admin_client, "mark_resolved", case)
    assert response.status_code == 200
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.status == QuoteRequest.Status.RESOLVED
    assert case.resolved_at >= before
    assert (other.status, other.resolved_at) == (QuoteRequest.Status.OPEN, None)


@pytest.mark.django_db
def test_mark_resolved_keeps_the_first_resolution_time_r_b2_2(admin_client):
    resolved_at = timezone.now() - timedelta(days=30)
    case = _case(status=QuoteRequest.Status.RESOLVED, resolved_at=resolved_at)
    _action(admin_client, "mark_resolved", case)
    case.refresh_from_db()
    assert case.resolved_at == resolved_at  # the retention period is not extended


@pytest.mark.django_db
def test_reopen_clears_the_resolution_time_r_b2_2(admin_client):
    case = _case(status=QuoteRequest.Status.RESOLVED, resolved_at=timezone.now())
    _action(admin_client, "reopen", case)
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (QuoteRequest.Status.OPEN, None)


@pytest.mark.django_db
def test_status_edited_in_the_change_form_drives_resolved_at_r_b2_2(admin_client):
    case = _case()
    url = f"{CHANGELIST}{case.pk}/change/"
    form = {
        "contact_name": case.contact_name,
        "email": case.email,
        "company": case.company,
        "message": case.message,
        "language": case.language,
    }
    assert admin_client.post(url, {**form, "status": "resolved"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved"
    assert case.resolved_at is not None

    assert admin_client.post(url, {**form, "status": "open"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == ("open", None)


@pytest.mark.django_db
def test_staff_keep_notes_on_a_case_and_the_change_is_audited(admin_client):
    from consentserve.audit.models import AuditEntry

    case = _case()
    form = {
        "contact_name": case.contact_name,
        "email": case.email,
        "company": case.company,
        "message": case.message,
        "language": case.language,
        "status": "open",
        "staff_notes": "Rückruf am Montag vereinbart.",
    }
    assert admin_client.post(f"{CHANGELIST}{case.pk}/change/", form).status_code == 302
    case.refresh_from_db()
    assert case.staff_notes == "Rückruf am Montag vereinbart."
    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.detail == {"fields": ["Staff notes"]}
    assert "Rückruf" not in str(entry.detail)


@pytest.mark.django_db
def test_restricted_cases_are_neither_resolved_nor_edited_r_f_18(admin_client):
    case = _case(restricted=True)
    _action(admin_client, "mark_resolved", case)
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (QuoteRequest.Status.OPEN, None)

    html = admin_client.get(f"{CHANGELIST}{case.pk}/change/").content.decode()
    assert 'name="message"' not in html  # every field is read-only


@pytest.mark.django_db
def test_changelist_filters_by_status_and_searches(admin_client):
    _case(company="Offen GmbH")
    _case(company="Erledigt AG", status="resolved", resolved_at=timezone.now())
    html = admin_client.get(CHANGELIST, {"status__exact": "open"}).content.decode()
    assert "Offen GmbH" in html
    assert "Erledigt AG" not in html
    html = admin_client.get(CHANGELIST, {"q": "Erledigt"}).content.decode()
    assert "Erledigt AG" in html
    assert "Offen GmbH" not in html
