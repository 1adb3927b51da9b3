"""Privacy requests from anyone through the public form (R-F-0a…e, issue 6): each kind end to
end with mail through a real SMTP server on loopback, and every bad input answered clearly."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings

from consentserve.audit.models import AuditEntry
from consentserve.privacy.policy import render_policy
from consentserve.privacy.register import get_register
from consentserve.privacy.requests.models import PrivacyRequest

pytestmark = pytest.mark.req("R-F-0a", "R-F-0b", "R-F-0c", "R-F-0d", "R-F-0e")

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_30_JAN = datetime(2026, 1, 30, 11, 0, tzinfo=BERLIN)
URL = {"en": "/en/privacy-request/", "de": "/de/datenschutzanfrage/"}
VALID = {
    "kind": "access",
    "email": "ria.beispiel@example.org",
    "name": "Ria Beispiel",
    "consent_id": "",
    "text": "Please send me a copy of everything you hold about me.",
}
KINDS = [
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "withdrawal",
]


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link_path(message) -> str:
    [link] = re.findall(r"https?://\S+/confirm/\S+|https?://\S+/bestaetigen/\S+", _body(message))
    return urlsplit(link).path


def _submit(client, callbacks, data=None, language="en", **extra):
    with callbacks(execute=True):
        return client.post(URL[language], data or VALID, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_verification_link_acknowledgement_and_due_date_r_f_0b(
    client, smtp, django_capture_on_commit_callbacks, kind
):
    with time_machine.travel(FRIDAY_30_JAN, tick=False):
        response = _submit(client, django_capture_on_commit_callbacks, {**VALID, "kind": kind})
        assert response.status_code == 302
        assert response["Location"] == "/en/privacy-request/sent/"
        case = PrivacyRequest.objects.get()
        assert (case.kind, case.status, case.language) == (kind, "awaiting_verification", "en")
        assert case.number == f"DS-2026-{case.pk:04d}"
        [verify] = smtp.to(VALID["email"])
        assert verify["Content-Language"] == "en"
        assert case.number in verify["Subject"]
        assert "confirm" in verify["Subject"]
        assert "What happens with your data" in _body(verify)

    # Opened three days later: the deadline still runs from the day of receipt.
    later = time_machine.travel(FRIDAY_30_JAN + timedelta(days=3), tick=False)
    with later, django_capture_on_commit_callbacks(execute=True):
        page = client.get(_link_path(verify))
    assert page.status_code == 200
    assert "Your request is confirmed" in page.content.decode()
    assert case.number in page.content.decode()
    case.refresh_from_db()
    assert case.status == "open"
    assert case.verification == "email_link"
    assert case.due_on.isoformat() == "2026-03-02"  # Fri 30 Jan 2026 -> Mon 2 Mar 2026

    acknowledgement = smtp.to(VALID["email"])[-1]
    assert acknowledgement["Subject"] == f"Your privacy request {case.number}: due by 2 March 2026"
    assert acknowledgement["Content-Language"] == "en"
    body = _body(acknowledgement)
    assert case.number in body
    assert "2 March 2026" in body
    assert "Hello Ria Beispiel," in body

    [notice] = smtp.to(get_register().privacy_email)
    assert notice["Subject"] == f"Neue Datenschutzanfrage {case.number}"
    assert VALID["email"] not in notice.as_string()
    assert VALID["name"] not in notice.as_string()
    assert AuditEntry.objects.filter(action="privacy_request.verified").count() == 1


@pytest.mark.django_db
def test_german_form_mails_in_german_with_the_easter_vector_r_f_0e(
    client, smtp, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=BERLIN), tick=False):
        response = _submit(client, django_capture_on_commit_callbacks, language="de")
        assert response["Location"] == "/de/datenschutzanfrage/gesendet/"
        [verify] = smtp.to(VALID["email"])
        assert verify["Content-Language"] == "de"
        assert "bestätigen" in verify["Subject"]
        with django_capture_on_commit_callbacks(execute=True):
            page = client.get(_link_path(verify))
    assert page.status_code == 200
    case = PrivacyRequest.objects.get()
    assert case.language == "de"
    assert case.due_on.isoformat() == "2026-04-07"  # Thu 5 Mar 2026 -> Tue 7 Apr 2026 (Easter)
    acknowledgement = smtp.to(VALID["email"])[-1]
    assert (
        acknowledgement["Subject"]
        == f"Ihre Datenschutzanfrage {case.number}: Antwort bis 7. April 2026"
    )
    body = _body(acknowledgement)
    assert "Guten Tag Ria Beispiel," in body
    assert "Mit freundlichen Grüßen" in body


@pytest.mark.django_db
def test_link_for_a_case_verified_before_gives_a_friendly_page(
    client, smtp, django_capture_on_commit_callbacks
):
    _submit(client, django_capture_on_commit_callbacks)
    path = _link_path(smtp.to(VALID["email"])[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(path).status_code == 200
        again = client.get(path)
    assert again.status_code == 200
    assert "You have already confirmed this request" in again.content.decode()
    assert len(smtp.to(VALID["email"])) == 2  # verification and one acknowledgement, no more


@pytest.mark.django_db
def test_forged_link_is_refused_with_a_clear_page(client, smtp, django_capture_on_commit_callbacks):
    _submit(client, django_capture_on_commit_callbacks)
    path = _link_path(smtp.to(VALID["email"])[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = path.replace(token, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
    response = client.get(forged)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert PrivacyRequest.objects.get().status == "awaiting_verification"


@pytest.mark.django_db
def test_expired_link_is_refused_after_seven_days(client, smtp, django_capture_on_commit_callbacks):
    with time_machine.travel(FRIDAY_30_JAN, tick=False):
        _submit(client, django_capture_on_commit_callbacks)
    path = _link_path(smtp.to(VALID["email"])[0])
    with time_machine.travel(FRIDAY_30_JAN + timedelta(days=7, minutes=1), tick=False):
        response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert PrivacyRequest.objects.get().status == "awaiting_verification"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": ""}, "Please enter your e-mail address."),
        ({"email": "not-an-address"}, "Please enter a valid e-mail address"),
        ({"kind": "telepathy"}, "Please choose one of the kinds of request listed."),
        ({"kind": ""}, "Please choose the kind of request."),
        ({"text": "x" * 5001}, "at most 5000 characters (it has 5001)"),
        ({"consent_id": "<script>"}, "letters, digits and hyphens only"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, smtp, change, message):
    response = client.post(URL["en"], {**VALID, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PrivacyRequest.objects.count() == 0
    assert smtp.messages == []


@pytest.mark.django_db
def test_one_megabyte_text_gets_a_clear_4xx(client):
    response = client.post(URL["en"], {**VALID, "text": "x" * 1_000_000})
    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert PrivacyRequest.objects.count() == 0


@pytest.mark.django_db
def test_body_above_the_upload_limit_gets_the_413_page(client):
    too_big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = client.post(URL["en"], {**VALID, "text": "x" * too_big})
    assert response.status_code == 413
    assert "Your request is too long" in response.content.decode()
    assert PrivacyRequest.objects.count() == 0


@pytest.mark.django_db
def test_consent_id_is_recorded_and_left_to_staff(client, smtp, django_capture_on_commit_callbacks):
    _submit(client, django_capture_on_commit_callbacks, {**VALID, "consent_id": "3f2a-77c1-b2"})
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(_link_path(smtp.to(VALID["email"])[0]))
    assert "check it by hand" in page.content.decode()
    assert PrivacyRequest.objects.get().consent_id == "3f2a-77c1-b2"


@pytest.mark.django_db
def test_form_shows_the_notice_and_is_linked_from_the_footer(client):
    page = client.get(URL["en"]).content.decode()
    assert "What happens with your data" in page
    assert "3 years after the end of the calendar year" in page
    assert 'href="/en/privacy-request/"' in client.get("/en/privacy/").content.decode()
    german = client.get(URL["de"])
    assert german.status_code == 200
    assert "Datenschutzanfrage" in german.content.decode()


@pytest.mark.django_db
def test_privacy_requests_are_limited_per_client(client, django_capture_on_commit_callbacks):
    from consentserve.privacy.requests.views import REQUESTS_PER_HOUR

    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem), django_capture_on_commit_callbacks(execute=True):
        from django.core.cache import cache

        cache.clear()
        for _ in range(REQUESTS_PER_HOUR):
            assert client.post(URL["en"], VALID, REMOTE_ADDR="203.0.113.30").status_code == 302
        refused = client.post(URL["en"], VALID, REMOTE_ADDR="203.0.113.30")
        other = client.post(URL["en"], VALID, REMOTE_ADDR="203.0.113.31")
    assert refused.status_code == 429
    assert b"Too many requests" in refused.content
    assert other.status_code == 302
    assert PrivacyRequest.objects.count() == REQUESTS_PER_HOUR + 1


@pytest.mark.django_db
def test_a_person_whose_processing_is_restricted_still_gets_answers_r_f_18(
    client, smtp, django_capture_on_commit_callbacks
):
    """Restricted data are only stored, but answering the person's own request at the address
    they gave is allowed (their consent, Art. 18(2)) and required (Art. 12)."""
    user = get_user_model().objects.create_user(VALID["email"], "a-long-passphrase")
    get_user_model().objects.filter(pk=user.pk).update(restricted=True)
    _submit(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_link_path(smtp.to(VALID["email"])[0]))
    assert len(smtp.to(VALID["email"])) == 2  # verification and acknowledgement
    assert PrivacyRequest.objects.get().account == user


@pytest.mark.django_db
def test_link_of_a_case_closed_before_confirmation_starts_nothing(
    client, smtp, django_capture_on_commit_callbacks
):
    _submit(client, django_capture_on_commit_callbacks)
    PrivacyRequest.objects.update(status="withdrawn", closed_at=FRIDAY_30_JAN)
    response = client.get(_link_path(smtp.to(VALID["email"])[0]))
    assert response.status_code == 400
    assert "We no longer have the request" in response.content.decode()
    assert PrivacyRequest.objects.get().status == "withdrawn"


def test_the_policys_rights_section_links_to_the_form():
    assert 'href="/en/privacy-request/"' in render_policy("en")
    assert 'href="/de/datenschutzanfrage/"' in render_policy("de")
