"""The audit log (R-G-3, issue 6): every back-office read and change of personal data leaves an
entry; entries are append-only and hash-chained, and `audit_verify` detects an edited, a removed
and a truncated entry. Entries name persons by id only."""

import json
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from consentserve.audit.chain import GENESIS, entry_hash, record, verify
from consentserve.audit.errors import AuditEntryImmutable
from consentserve.audit.models import AuditEntry
from consentserve.privacy.retention import retention_run
from consentserve.website.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-G-3")]


def _three():
    return [
        record(f"test.{n}", actor="user:1", target=f"website.quoterequest:{n}") for n in (1, 2, 3)
    ]


def _replace(entry: AuditEntry, **changes) -> None:
    """What someone with database access would do: the row removed and written again, altered
    (UPDATE is refused by a trigger)."""
    values = {f.name: getattr(entry, f.name) for f in AuditEntry._meta.concrete_fields}
    AuditEntry.objects.filter(pk=entry.pk).delete()
    values.update(changes)
    AuditEntry.objects.bulk_create([AuditEntry(**values)])


def test_entries_form_a_chain_that_verifies():
    first, second, third = _three()
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    result = verify()
    assert result.ok
    assert result.checked == 3
    assert result.first_seq == 1
    assert result.last_seq == 3


def test_verify_command_reports_an_intact_log(capsys):
    _three()
    call_command("audit_verify")
    assert "intact: 3 entries" in capsys.readouterr().out


def test_an_edited_entry_is_detected():
    _first, second, _third = _three()
    _replace(second, action="test.harmless")
    result = verify()
    assert result.problems == ["#2 was changed after it was written"]
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")


def test_an_edited_entry_with_a_recomputed_hash_breaks_the_link_to_the_next():
    _first, second, _third = _three()
    second.target = "website.quoterequest:99"
    _replace(second, target=second.target, hash=entry_hash(second))
    assert verify().problems == ["#3 does not follow #2"]


def test_a_removed_entry_is_detected():
    _first, second, _third = _three()
    AuditEntry.objects.filter(pk=second.pk).delete()
    assert verify().problems == [
        "#2–#2 are missing (removed or never written)",
        "#3 does not follow #1",
    ]


def test_removing_the_newest_entries_is_detected():
    _first, _second, third = _three()
    AuditEntry.objects.filter(pk=third.pk).delete()
    assert verify().problems == ["entries after #2 were removed (the last written is #3)"]


def test_entries_cannot_be_changed_by_any_path():
    entry = record("test.1", actor="system")
    with pytest.raises(AuditEntryImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    entry.action = "x"
    with pytest.raises(AuditEntryImmutable):
        entry.save()
    with pytest.raises(AuditEntryImmutable):
        entry.delete()
    # Raw SQL meets the database trigger.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.1"


def test_retention_removes_entries_three_years_after_their_year_and_the_chain_still_verifies():
    with time_machine.travel(datetime(2022, 6, 1, 12, tzinfo=UTC), tick=False):
        old = record("test.old", actor="system")
    with time_machine.travel(datetime(2023, 6, 1, 12, tzinfo=UTC), tick=False):
        kept = record("test.kept", actor="system")
    with time_machine.travel(datetime(2025, 12, 31, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert AuditEntry.objects.filter(pk=old.pk).exists()
    with time_machine.travel(datetime(2026, 1, 1, 12, tzinfo=UTC), tick=False):
        retention_run()
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    result = verify()
    assert result.ok
    assert result.first_seq == kept.seq


# --- the back office records what staff read and change ---------------------------------


def _quote() -> QuoteRequest:
    return QuoteRequest.objects.create(
        contact_name="Erika Mustermann",
        email="erika@example.com",
        company="Beispiel GmbH",
        message="Ein Angebot, bitte.",
    )


def _entries():
    return list(
        AuditEntry.objects.order_by("seq").values("actor", "action", "target", "subject", "detail")
    )


def test_staff_reads_of_quote_requests_are_recorded_without_their_content(admin_client, admin_user):
    quote = _quote()
    assert admin_client.get("/backoffice/website/quoterequest/", {"q": "Erika"}).status_code == 200
    assert (
        admin_client.get(f"/backoffice/website/quoterequest/{quote.pk}/change/").status_code == 200
    )
    actor = f"user:{admin_user.pk}"
    assert _entries() == [
        {
            "actor": actor,
            "action": "admin.list",
            "target": "website.quoterequest",
            "subject": "",
            "detail": {"filters": ["q"]},
        },
        {
            "actor": actor,
            "action": "admin.view",
            "target": f"website.quoterequest:{quote.pk}",
            "subject": "",
            "detail": {},
        },
    ]
    stored = json.dumps(_entries())
    assert "Erika" not in stored
    assert "erika@example.com" not in stored
    assert verify().ok


def test_viewing_the_history_of_a_record_is_recorded(admin_client):
    quote = _quote()
    path = f"/backoffice/website/quoterequest/{quote.pk}/history/"
    assert admin_client.get(path).status_code == 200
    assert [e["action"] for e in _entries()] == ["admin.history"]


def test_staff_changes_and_actions_are_recorded(admin_client, admin_user):
    quote = _quote()
    response = admin_client.post(
        "/backoffice/website/quoterequest/",
        {"action": "mark_resolved", "_selected_action": [quote.pk]},
    )
    assert response.status_code == 302
    (entry,) = [e for e in _entries() if e["action"] == "admin.action"]
    assert entry["detail"] == {"action": "mark_resolved", "ids": [str(quote.pk)]}


def test_viewing_a_user_names_them_as_the_subject(admin_client, django_user_model):
    user = django_user_model.objects.create_user(email="kunde@example.com", password="x")
    assert admin_client.get(f"/backoffice/accounts/user/{user.pk}/change/").status_code == 200
    (entry,) = [e for e in _entries() if e["action"] == "admin.view"]
    assert entry["subject"] == f"user:{user.pk}"
    assert "kunde@example.com" not in json.dumps(_entries())


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_stay_one_chain():
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database of SQLite is shared by threads without locking")
    errors = []

    def append(n: int) -> None:
        try:
            for i in range(10):
                record(f"test.{n}.{i}", actor="system")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify()
    assert result.ok
    assert result.checked == 40
    assert result.last_seq == 40
