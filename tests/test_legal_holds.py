"""R-E-3, R-B3-4: legal holds. Statutory periods run from the end of the calendar year of the
document; a hold overrides deletion; once it expires or is released, the next run deletes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from consentserve.audit.models import AuditEntry
from consentserve.privacy.legal_holds import (
    hold_place,
    hold_release,
    hold_statutory,
    statutory_expiry,
)
from consentserve.privacy.models import AccessLogEntry, LegalHold
from consentserve.privacy.retention import retention_run
from consentserve.website.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-4", "R-E-3")]

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("document_date", "period", "expiry"),
    [
        (date(2026, 3, 15), "vouchers", datetime(2035, 1, 1, tzinfo=BERLIN)),
        (date(2026, 12, 31), "commercial-letters", datetime(2033, 1, 1, tzinfo=BERLIN)),
        (date(2027, 1, 1), "books", datetime(2038, 1, 1, tzinfo=BERLIN)),
        (date(2026, 6, 1), "civil-claims", datetime(2030, 1, 1, tzinfo=BERLIN)),
    ],
)
def test_statutory_periods_run_from_the_end_of_the_year(document_date, period, expiry):
    assert statutory_expiry(document_date, period) == expiry


def _resolved_quote(at: datetime) -> QuoteRequest:
    return QuoteRequest.objects.create(
        contact_name="Erika Mustermann",
        email="erika@example.com",
        company="Beispiel GmbH",
        message="Angebot bitte.",
        status=QuoteRequest.Status.RESOLVED,
        resolved_at=at,
    )


def test_a_statutory_hold_keeps_a_quote_until_the_period_has_run(admin_user):
    quote = _resolved_quote(datetime(2026, 2, 1, 12, tzinfo=UTC))
    hold = hold_statutory(
        quote, period_id="commercial-letters", document_date=date(2026, 2, 1), actor=admin_user
    )
    assert hold.kind == LegalHold.Kind.STATUTORY
    assert "§ 257" in hold.legal_basis
    # 90 days after resolution it would be due; the hold keeps it until 1 Jan 2033.
    with time_machine.travel(datetime(2032, 12, 31, 22, 59, tzinfo=UTC), tick=False):
        retention_run()
    assert QuoteRequest.objects.filter(pk=quote.pk).exists()
    with time_machine.travel(datetime(2033, 1, 1, 0, 1, tzinfo=BERLIN), tick=False):
        retention_run()
    assert not QuoteRequest.objects.filter(pk=quote.pk).exists()


def test_a_released_litigation_hold_lets_the_next_run_delete(admin_user):
    quote = _resolved_quote(datetime(2026, 1, 1, tzinfo=UTC))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        hold = hold_place(
            quote,
            kind=LegalHold.Kind.LITIGATION,
            reason="Klage Az. 1 O 23/26",
            legal_basis="Art. 17 Abs. 3 lit. e DSGVO",
            actor=admin_user,
        )
        retention_run()
        assert QuoteRequest.objects.filter(pk=quote.pk).exists()
        hold_release(hold, actor=admin_user)
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        retention_run()
    assert not QuoteRequest.objects.filter(pk=quote.pk).exists()
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "target"))
    target = f"website.quoterequest:{quote.pk}"
    assert actions == [("privacy.hold_place", target), ("privacy.hold_release", target)]


def test_holds_need_a_reason_and_statutory_ones_their_period(admin_user):
    quote = _resolved_quote(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="reason"):
        hold_place(quote, kind=LegalHold.Kind.LITIGATION, reason=" ", actor=admin_user)
    with pytest.raises(ValueError, match="hold_statutory"):
        hold_place(quote, kind=LegalHold.Kind.STATUTORY, reason="x", actor=admin_user)
    assert not LegalHold.objects.exists()


def _hold_form(quote, **changes):
    data = {
        "kind": LegalHold.Kind.STATUTORY,
        "content_type": ContentType.objects.get_for_model(QuoteRequest).pk,
        "object_id": str(quote.pk),
        "reason": "Angebot als Handelsbrief",
        "legal_basis": "",
        "statutory_period": "commercial-letters",
        "document_date": "2026-02-01",
    }
    data.update(changes)
    return data


def test_the_back_office_computes_a_statutory_holds_end(admin_client, admin_user):
    quote = _resolved_quote(datetime(2026, 2, 1, tzinfo=UTC))
    response = admin_client.post("/backoffice/privacy/legalhold/add/", _hold_form(quote))
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.expires_at == datetime(2033, 1, 1, tzinfo=BERLIN)
    assert hold.created_by == admin_user
    assert "§ 257" in hold.legal_basis
    assert AuditEntry.objects.filter(action="admin.add").exists()


def test_a_statutory_hold_without_its_period_is_refused(admin_client):
    quote = _resolved_quote(datetime(2026, 2, 1, tzinfo=UTC))
    response = admin_client.post(
        "/backoffice/privacy/legalhold/add/", _hold_form(quote, statutory_period="")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not LegalHold.objects.exists()


def test_releasing_from_the_back_office_is_audited(admin_client, admin_user):
    quote = _resolved_quote(datetime(2026, 2, 1, tzinfo=UTC))
    hold = hold_place(quote, kind=LegalHold.Kind.LITIGATION, reason="Klage", actor=admin_user)
    response = admin_client.post(
        "/backoffice/privacy/legalhold/", {"action": "release", "_selected_action": [hold.pk]}
    )
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert AuditEntry.objects.filter(action="privacy.hold_release").count() == 1


def _access_log_entry():
    return AccessLogEntry.objects.create(
        ip="198.51.100.9", captured_at=timezone.now(), requested_url="/en/"
    )


@pytest.mark.req("R-B1-6")
@pytest.mark.parametrize("kind", [LegalHold.Kind.LITIGATION, LegalHold.Kind.STATUTORY])
def test_the_access_log_takes_no_hold_the_policy_does_not_disclose(admin_user, admin_client, kind):
    entry = _access_log_entry()
    with pytest.raises(ValueError, match="undisclosed"):
        _place_any(entry, kind=kind, admin_user=admin_user)
    data = _hold_form(entry, kind=kind, expires_at_0="2030-01-01", expires_at_1="00:00:00")
    data["content_type"] = ContentType.objects.get_for_model(AccessLogEntry).pk
    response = admin_client.post("/backoffice/privacy/legalhold/add/", data)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "nennt diese Art der Löschsperre für diese Daten nicht" in errors  # German back office
    assert not LegalHold.objects.exists()


def _place_any(obj, *, kind, admin_user):
    if kind == LegalHold.Kind.STATUTORY:
        return hold_statutory(
            obj, period_id="commercial-letters", document_date=date(2026, 1, 1), actor=admin_user
        )
    return hold_place(obj, kind=kind, reason="Klage", actor=admin_user)


@pytest.mark.req("R-B1-6")
def test_an_authority_order_keeps_an_access_log_entry_only_until_its_end(admin_user):
    """The one hold the policy discloses for the access log: an order, naming its legal basis,
    its scope (this entry) and its end; the next run after the end deletes the entry."""
    entry = _access_log_entry()
    with pytest.raises(ValueError, match="no-end"):
        hold_place(entry, kind=LegalHold.Kind.AUTHORITY_ORDER, reason="Anordnung", actor=admin_user)
    end = timezone.now() + timedelta(days=30)
    hold = hold_place(
        entry,
        kind=LegalHold.Kind.AUTHORITY_ORDER,
        reason="Sicherungsanordnung der Staatsanwaltschaft",
        legal_basis="§ 100g StPO",
        expires_at=end,
        actor=admin_user,
    )
    assert (hold.object_id, hold.expires_at, hold.legal_basis) == (
        str(entry.pk),
        end,
        "§ 100g StPO",
    )
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        retention_run()
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        retention_run()
    assert not AccessLogEntry.objects.filter(pk=entry.pk).exists()
