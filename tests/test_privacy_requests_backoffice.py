"""Privacy requests in the back office (issue 6): staff roles, the deadline rules of Art. 12(3),
refusal with the complaint right, fulfilment through the privacy engine with staff review,
reminders and the retention of closed cases (R-F-0b…e, R-F-15…21)."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from support import with_second_factor
from test_privacy_engine_world import build_world, hold

from consentserve.audit.chain import verify
from consentserve.audit.models import AuditEntry
from consentserve.privacy.models import Objection, Restriction
from consentserve.privacy.register import get_register
from consentserve.privacy.requests.models import PrivacyRequest
from consentserve.privacy.requests.services import reminders_send
from consentserve.privacy.retention import retention_run
from consentserve.privacy.tasks import privacy_requests_remind

pytestmark = pytest.mark.req(
    "R-F-0b", "R-F-0c", "R-F-0d", "R-F-0e", "R-F-15", "R-F-16/17", "R-F-18", "R-F-20", "R-F-21"
)

BERLIN = ZoneInfo("Europe/Berlin")
CHANGELIST = "/backoffice/privacy/privacyrequest/"
FRIDAY_30_JAN = datetime(2026, 1, 30, 11, 0, tzinfo=BERLIN)


def _case(**kwargs) -> PrivacyRequest:
    defaults = {
        "kind": PrivacyRequest.Kind.ACCESS,
        "email": "ria.beispiel@example.org",
        "language": "en",
        "status": PrivacyRequest.Status.OPEN,
        "verification": PrivacyRequest.Verification.EMAIL_LINK,
        "verified_at": timezone.now(),
    }
    case = PrivacyRequest(**{**defaults, **kwargs})
    case.save()
    case.refresh_from_db()
    return case


def _staff(role: str | None) -> Client:
    user = get_user_model().objects.create_user(
        f"{(role or 'nobody').replace(' ', '.').lower()}@consentserve.example",
        "a-long-passphrase",
        is_staff=True,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    with_second_factor(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _step(client, case, step, data=None):
    return client.post(f"{CHANGELIST}{case.pk}/step/{step}/", data or {})


def _body(message) -> str:
    """The plain-text body with its line wrapping undone."""
    return " ".join(message.get_body(preferencelist=("plain",)).get_content().split())


# --- staff roles ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "Support", "Accountant"])
def test_staff_without_the_permission_cannot_open_cases(role):
    case = _case()
    client = _staff(role)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}{case.pk}/change/").status_code == 403
    assert _step(client, case, "answer").status_code == 403
    assert client.get(f"{CHANGELIST}{case.pk}/export.zip").status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


@pytest.mark.django_db
def test_roles_carry_fitting_permissions():
    officer = Group.objects.get(name="Privacy officer").permissions.values_list(
        "codename", flat=True
    )
    assert {
        "view_privacyrequest",
        "change_privacyrequest",
        "view_legalhold",
        "change_legalhold",
        "view_retentionrun",
        "view_auditentry",
    } <= set(officer)
    assert "change_auditentry" not in officer
    support = set(Group.objects.get(name="Support").permissions.values_list("codename", flat=True))
    assert support == {"view_quoterequest", "change_quoterequest"}
    assert not Group.objects.get(name="Accountant").permissions.exists()
    assert _staff("Support").get("/backoffice/website/quoterequest/").status_code == 200


@pytest.mark.django_db
def test_privacy_officer_lists_cases_with_due_dates_and_reads_are_audited():
    today = timezone.localdate()
    overdue = _case(received_at=timezone.now() - timedelta(days=40))
    _case(received_at=timezone.now())
    client = _staff("Privacy officer")
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    content = page.content.decode()
    assert overdue.number in content
    assert "overdue" in content
    assert overdue.due_on < today
    assert client.get(f"{CHANGELIST}{overdue.pk}/change/").status_code == 200
    actions = list(AuditEntry.objects.values_list("action", "target"))
    assert ("admin.list", "privacy.privacyrequest") in actions
    assert ("admin.view", f"privacy.privacyrequest:{overdue.pk}") in actions
    assert client.get(f"{CHANGELIST}?due=overdue").status_code == 200


# --- verification and the deadline ------------------------------------------------------------


@pytest.mark.django_db
def test_staff_verify_a_consent_id_request_with_a_note(smtp, django_capture_on_commit_callbacks):
    case = _case(
        status="awaiting_verification", verification="", verified_at=None, consent_id="ab-12"
    )
    client = _staff("Privacy officer")
    assert _step(client, case, "verify", {"method": "consent_id", "note": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = _step(client, case, "verify", {"method": "consent_id", "note": "found in log"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.verification) == ("open", "consent_id")
    assert case.verification_note == "found in log"
    [acknowledgement] = smtp.to(case.email)
    assert case.number in acknowledgement["Subject"]


@pytest.mark.django_db
def test_extension_before_the_first_deadline_is_announced_with_reasons_r_f_0b(
    smtp, django_capture_on_commit_callbacks
):
    with time_machine.travel(FRIDAY_30_JAN, tick=False):
        case = _case()
    assert case.due_on.isoformat() == "2026-03-02"
    client = _staff("Privacy officer")
    with time_machine.travel(datetime(2026, 3, 2, 16, 0, tzinfo=BERLIN), tick=False):
        assert _step(client, case, "extend", {"months": 2, "reasons": ""}).status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            response = _step(
                client, case, "extend", {"months": 2, "reasons": "Data in 14 systems to search."}
            )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.extension_months, case.extended) == (2, True)
    assert case.due_on.isoformat() == "2026-04-30"  # three months from receipt, a Thursday
    [mail] = smtp.to(case.email)
    assert mail["Subject"] == f"Your privacy request {case.number}: extended deadline"
    assert "Data in 14 systems to search." in _body(mail)
    assert "30 April 2026" in _body(mail)
    assert AuditEntry.objects.filter(action="privacy_request.extended").count() == 1
    # Only one extension, of at most two months in all. (Minutes later, on the same day: a staff
    # session ends after 30 idle minutes.)
    with time_machine.travel(datetime(2026, 3, 2, 16, 5, tzinfo=BERLIN), tick=False):
        again = _step(client, case, "extend", {"months": 1, "reasons": "more"})
    assert again.status_code == 409
    assert "extended already" in again.content.decode()


@pytest.mark.django_db
def test_extension_after_the_first_deadline_is_refused_r_f_0b(smtp):
    with time_machine.travel(FRIDAY_30_JAN, tick=False):
        case = _case()
    client = _staff("Privacy officer")
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=BERLIN), tick=False):
        response = _step(client, case, "extend", {"months": 1, "reasons": "Too much work."})
    assert response.status_code == 409
    assert "The first deadline" in response.content.decode()
    case.refresh_from_db()
    assert (case.extension_months, case.due_on.isoformat()) == (0, "2026-03-02")
    assert smtp.messages == []


@pytest.mark.django_db
def test_paused_days_of_an_identity_query_move_the_deadline_r_f_0c():
    with time_machine.travel(FRIDAY_30_JAN, tick=False):
        case = _case()
        case.paused_days = 5
        case.save()
    assert case.due_on.isoformat() == "2026-03-04"  # from 4 Feb: Wed 4 Mar 2026


# --- answers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refusal_gives_the_reasons_and_the_complaint_right_r_f_0d(
    smtp, django_capture_on_commit_callbacks
):
    case = _case(language="de", kind="erasure")
    client = _staff("Privacy officer")
    assert _step(client, case, "refuse", {"reasons": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        _step(client, case, "refuse", {"reasons": "Offenkundig unbegründet: 40 gleiche Anträge."})
    case.refresh_from_db()
    assert case.status == "refused"
    assert case.closed_at is not None
    [mail] = smtp.to(case.email)
    assert mail["Content-Language"] == "de"
    body = _body(mail)
    assert "40 gleiche Anträge" in body
    authority = get_register().authority.organisation.name.get("de")
    assert authority.split()[0] in body
    assert "Beschwerde" in body.replace("beschweren", "Beschwerde")
    assert "Art. 12 Abs. 4" in body


@pytest.mark.django_db
def test_answer_closes_the_case_and_mails_the_reply(smtp, django_capture_on_commit_callbacks):
    case = _case(kind="rectification")
    client = _staff("Privacy officer")
    with django_capture_on_commit_callbacks(execute=True):
        _step(client, case, "answer", {"reply": "We corrected your name."})
    case.refresh_from_db()
    assert case.status == "answered"
    [mail] = smtp.to(case.email)
    assert "We corrected your name." in _body(mail)
    assert _step(client, case, "answer", {"reply": "again"}).status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["access", "portability"])
def test_copy_is_prepared_reviewed_and_sent_as_zip_r_f_15_r_f_20(smtp, kind):
    world = build_world()
    mara = world.mara.user
    case = _case(kind=kind, email=mara.email, account=mara, language="de")
    client = _staff("Privacy officer")
    assert _step(client, case, "export-send").status_code == 409  # nothing prepared yet
    assert _step(client, case, "export-prepare").status_code == 302
    review = client.get(f"{CHANGELIST}{case.pk}/export.zip")
    assert review.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(review.content)).namelist()
    assert {"fields.csv", "report.json", "accounts.User.csv"} <= set(names)
    report = json.loads(zipfile.ZipFile(io.BytesIO(review.content)).read("report.json"))
    assert report["language"] == "de"
    assert all(a["purposes"] and a["retention"] for a in report["activities"])
    assert smtp.messages == []  # nothing leaves before the review

    assert _step(client, case, "export-send").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.export_zip) == ("answered", None)
    [mail] = smtp.to(mara.email)
    assert mail["Content-Language"] == "de"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{case.number}.zip"
    assert set(zipfile.ZipFile(io.BytesIO(attachment.get_content())).namelist()) == set(names)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "privacy_request.export_prepared",
        "privacy_request.export_reviewed",
        "privacy_request.export_sent",
    } <= actions
    assert verify().ok


@pytest.mark.django_db
def test_erasure_keeps_what_a_hold_protects_and_says_until_when_r_f_17(
    smtp, django_capture_on_commit_callbacks
):
    world = build_world()
    xaver = world.xaver.user
    until = timezone.now() + timedelta(days=400)
    hold(world.xaver.mandate, expires_at=until)
    case = _case(kind="erasure", email=xaver.email, account=xaver)
    client = _staff("Privacy officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = _step(client, case, "erase")
    assert response.status_code == 302
    case.refresh_from_db()
    # The case documents the erasure and survives it; the account is gone unless held.
    assert case.status == "answered"
    [mail] = smtp.to(xaver.email)
    body = _body(mail)
    assert "we have erased your personal data" in body
    with translation.override("en"):
        until_text = date_format(timezone.localtime(until), "DATE_FORMAT")
    assert f"SEPA direct-debit mandates: 1, Art. 17(3)(b) GDPR, until {until_text}" in body
    assert AuditEntry.objects.filter(action="privacy_request.erased").exists()


@pytest.mark.django_db
def test_restriction_and_objection_go_through_the_engine_r_f_18_r_f_21(
    smtp, django_capture_on_commit_callbacks
):
    world = build_world()
    olaf, mara = world.olaf.user, world.mara.user
    client = _staff("Privacy officer")
    restriction = _case(kind="restriction", email=mara.email, account=mara)
    with django_capture_on_commit_callbacks(execute=True):
        response = _step(
            client, restriction, "restrict", {"reason": "disputed_accuracy", "note": "name"}
        )
    assert response.status_code == 302
    assert Restriction.objects.get(user=mara).reason == "disputed_accuracy"
    [answer] = smtp.to(mara.email)  # sent before the address became "stored only"
    assert "only store them" in _body(answer)

    objection = _case(kind="objection", email=olaf.email, account=olaf)
    with django_capture_on_commit_callbacks(execute=True):
        response = _step(client, objection, "object", {"target": "direct-marketing"})
    assert response.status_code == 302
    lodged = Objection.objects.get(user=olaf)
    assert (lodged.kind, lodged.decision) == ("direct_marketing", "granted")
    [answer] = smtp.to(olaf.email)
    assert "stopped the processing" in _body(answer)
    assert {"privacy_request.restricted", "privacy_request.objection_lodged"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_steps_need_a_verified_case():
    case = _case(status="awaiting_verification", verification="", verified_at=None, kind="erasure")
    response = _step(_staff("Privacy officer"), case, "erase")
    assert response.status_code == 409
    assert "open, verified case" in response.content.decode()


def _huey_time(*parts) -> datetime:
    """A moment as huey's scheduler sees it: naive, in UTC."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


# --- reminders and retention ------------------------------------------------------------------


@pytest.mark.django_db
def test_daily_reminder_lists_cases_due_within_3_working_days_or_overdue(smtp):
    with time_machine.travel(FRIDAY_30_JAN, tick=False):
        due_monday = _case()  # due Mon 2 Mar 2026
    with time_machine.travel(datetime(2026, 2, 10, 9, 0, tzinfo=BERLIN), tick=False):
        later = _case()  # due Tue 10 Mar 2026
    with time_machine.travel(datetime(2026, 2, 20, 9, 0, tzinfo=BERLIN), tick=False):
        assert reminders_send() == 0  # nothing due yet: no mail
    assert smtp.messages == []
    # Thu 26 Feb: Fri, Mon, Tue are the next 3 working days, so Monday's case is listed.
    with time_machine.travel(datetime(2026, 2, 26, 6, 30, tzinfo=BERLIN), tick=False):
        assert privacy_requests_remind.call_local() == 1
    [reminder] = smtp.to(get_register().privacy_email)
    assert due_monday.number in _body(reminder)
    assert later.number not in _body(reminder)
    assert due_monday.email not in reminder.as_string()
    # Scheduled once a day (UTC), and only then.
    assert privacy_requests_remind.s().validate_datetime(_huey_time(2026, 2, 26, 5, 30))
    assert not privacy_requests_remind.s().validate_datetime(_huey_time(2026, 2, 26, 5, 31))
    assert not privacy_requests_remind.s().validate_datetime(_huey_time(2026, 2, 26, 17, 30))
    with time_machine.travel(datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN), tick=False):
        assert reminders_send() == 2  # Monday's case overdue, the other due tomorrow
    assert "(überfällig)" in _body(smtp.to(get_register().privacy_email)[-1])


@pytest.mark.django_db
def test_closed_cases_are_deleted_3_years_after_the_end_of_the_closing_year_r_f_0e():
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=BERLIN), tick=False):
        closed = _case(status="answered", closed_at=timezone.now())
        still_open = _case()
    with time_machine.travel(datetime(2029, 12, 31, 23, 0, tzinfo=BERLIN), tick=False):
        retention_run()
    assert PrivacyRequest.objects.filter(pk=closed.pk).exists()
    with time_machine.travel(datetime(2030, 1, 1, 0, 30, tzinfo=BERLIN), tick=False):
        retention_run()
    assert not PrivacyRequest.objects.filter(pk=closed.pk).exists()
    assert PrivacyRequest.objects.filter(pk=still_open.pk).exists()
