"""Fixtures shared by every test, and the house rule on time.

Time in tests. The suite passes on every date; CI proves it by running it a second time with
the clock 400 days ahead (`make test-future`, libfaketime for every process of the run, the
browser and the test servers included). So:

- A test that uses a fixed date travels to it, and builds every object there: mark it (or its
  module) `@pytest.mark.travel("2026-11-20T12:00:00+01:00")`, or wrap the steps in
  `time_machine.travel(...)`. Objects stamped "now" (`created_at`, `signed_on`) then carry that
  date, not the day the suite runs.
- A test that uses "now" derives every date from `timezone.now()` / `timezone.localdate()` (or
  the travelled time); it never writes a year, a month or "this month" as a literal.
- Nothing that expires (a certificate, a checked-on date, a partition) may be fixed in a test
  without travelling to a day on which it is valid.
"""

import os
import shutil
from datetime import datetime

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.test import override_settings
from support import Inbox, RedisServer, free_port, with_second_factor

from consentserve.privacy import access_log

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _travel(request):
    """`@pytest.mark.travel(when)`: the whole test runs from `when` on, with the clock ticking."""
    marker = request.node.get_closest_marker("travel")
    if marker is None:
        yield
        return
    (when,) = marker.args
    destination = datetime.fromisoformat(when) if isinstance(when, str) else when
    if destination.tzinfo is None:
        raise TypeError("pytest.mark.travel needs an aware time")
    with time_machine.travel(destination, tick=True):
        yield


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with the second factor every staff account needs for the back
    office (issue 21); `admin_client` signs in as this user."""
    return with_second_factor(admin_user)


@pytest.fixture(autouse=True)
def _empty_access_log_queue():
    """Each test starts with an empty in-process access-log queue."""
    access_log.flush_discard()
    yield
    access_log.flush_discard()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    # Playwright's sync API runs an event loop in this thread; the Django calls the tests make
    # around it are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def smtp():
    """A real SMTP server on loopback; the inbox keeps what it receives."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A throwaway Redis (Debian's redis-server) on a free loopback port for this test run."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The URL of an empty Redis: each test starts without the keys of the one before."""
    redis_server.flush()
    return redis_server.url
