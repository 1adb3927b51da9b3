"""B.1: the access log holds exactly the policy's fields and is written off the request path."""

import pytest

from consentserve.privacy import access_log
from consentserve.privacy.models import AccessLogEntry

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36"
)


@pytest.mark.req("R-B1-1")
def test_schema_is_exactly_the_policy_fields_r_b1_1():
    columns = {f.name for f in AccessLogEntry._meta.concrete_fields if not f.primary_key}
    assert columns == {
        "ip",
        "captured_at",
        "os",
        "browser",
        "browser_version",
        "referrer_url",
        "requested_url",
    }


@pytest.mark.req("R-B1-1")
@pytest.mark.django_db
def test_request_is_logged_after_the_response_r_b1_1(client):
    response = client.get(
        "/en/?utm=x",
        HTTP_USER_AGENT=CHROME_UA,
        HTTP_REFERER="https://search.example/?q=consent",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    # Nothing is written while the request is served: the entry waits in the queue.
    assert AccessLogEntry.objects.count() == 0
    assert access_log.flush() == 1
    entry = AccessLogEntry.objects.get()
    assert entry.ip == "203.0.113.9"
    assert entry.os == "Windows"
    assert entry.browser == "Chrome"
    assert entry.browser_version == "120.0"
    assert entry.referrer_url == "https://search.example/?q=consent"
    assert entry.requested_url == "/en/?utm=x"
    assert entry.captured_at is not None


@pytest.mark.django_db
def test_static_files_and_missing_agent_are_handled(client):
    client.get("/de/", REMOTE_ADDR="2001:db8::1")
    access_log.flush()
    entry = AccessLogEntry.objects.get()
    assert (entry.ip, entry.browser, entry.os, entry.referrer_url) == ("2001:db8::1", "", "", "")


def test_full_queue_drops_instead_of_blocking(monkeypatch, settings):
    import queue

    settings.CONSENTSERVE_ACCESS_LOG = "manual"
    monkeypatch.setattr(access_log, "_queue", queue.Queue(maxsize=1))
    monkeypatch.setattr(access_log, "dropped", 0)
    hit = access_log.Hit("192.0.2.1", None, "", "", "/")
    access_log.record(hit)
    access_log.record(hit)
    assert access_log.dropped == 1


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("/de/portal/invitations/Tok3n-_x/", "/de/portal/invitations/[redacted]/"),
        ("/en/account/confirm-email/MQ:1abc:xyz/", "/en/account/confirm-email/[redacted]/"),
        ("/de/account/password/reset/key/ab-KEY456/", "/de/account/password/reset/key/[redacted]/"),
        (
            "/de/account/login/?next=/de/portal/invitations/Tok3n/",
            "/de/account/login/?next=/de/portal/invitations/[redacted]/",
        ),
        (
            "/de/account/login/?next=%2Fde%2Fportal%2Finvitations%2FTok3n%2F",
            "/de/account/login/?next=%2Fde%2Fportal%2Finvitations%2F[redacted]%2F",
        ),
        ("/de/preise/?plan=business", "/de/preise/?plan=business"),
    ],
)
def test_secrets_in_urls_are_not_logged(url, logged):
    hit = access_log.Hit("192.0.2.1", None, "", url, url)
    entry = access_log.entry_from_hit(hit)
    assert entry.requested_url == logged
    assert entry.referrer_url == logged
