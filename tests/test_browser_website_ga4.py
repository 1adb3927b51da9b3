"""The website's own Google Analytics 4 (policy section C.2, R-C2-1 and R-C2-5) in real Chromium:
with CONSENTSERVE_GA4_MEASUREMENT_ID set, the operator's banner loads Google's tag under the
website's own CSP only after consent; without it, nothing of Google is in the page or the policy.

Google's tag is stood in for by the test (page.route), and every request the page makes is
recorded, so "no request to Google" is checked on the complete network log."""

import time
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from test_banner_gtag import GOOGLE, fake_gtag
from test_browser_banner import VIOLATIONS
from test_browser_pages import Problems

from consentserve.banner import loader

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("R-C2-1", "R-C2-5"),
]

MEASUREMENT_ID = "G-TEST1234"


class Website:
    def __init__(self, page, live_server):
        self.page = page
        self.url = live_server.url
        self.requests = []
        self.problems = Problems(page)
        page.add_init_script(VIOLATIONS)
        page.on("request", lambda request: self.requests.append(request.url))
        page.route("https://www.googletagmanager.com/**", self._google)
        # The live server speaks WSGI; the ASGI ingests only have to receive.
        page.route("**/c/consentserve/consent", lambda route: route.fulfill(status=204))
        page.route("**/a/consentserve/event", lambda route: route.fulfill(status=204))

    def _google(self, route):
        if route.request.url.startswith("https://www.googletagmanager.com/gtag/js?id="):
            route.fulfill(status=200, content_type="text/javascript", body=fake_gtag("TEST1234"))
        else:
            route.abort()

    def open(self, path):
        response = self.page.goto(self.url + path)
        assert response.status == 200
        self.wait_for("window.CONSENTserve !== undefined")
        return response

    def wait_for(self, expression, timeout=5.0):
        # Polled from here: wait_for_function evaluates its text in the page, which the
        # website's CSP (no 'unsafe-eval') refuses.
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, expression
            self.page.wait_for_timeout(25)

    def google_requests(self):
        return [u for u in self.requests if GOOGLE.search(urlsplit(u).hostname or "")]

    def cookie_names(self):
        return {c["name"] for c in self.page.context.cookies()}

    def dialog(self):
        return self.page.get_by_role("dialog")

    def clean(self):
        assert self.problems.found == []
        assert self.page.evaluate("window.__violations") == []


@pytest.fixture(autouse=True)
def _fresh_loader():
    # The loader caches answers per (key, version number), which never change in one database;
    # here each test publishes its own version 1.
    loader._compiled.cache_clear()


@pytest.fixture
def with_ga4():
    with override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID=MEASUREMENT_ID):
        call_command("installations_operator_banner", stdout=None)
        yield


def test_no_request_to_google_before_consent_and_the_tag_after_it(with_ga4, page, live_server):
    site = Website(page, live_server)
    response = site.open("/de/")
    assert "https://*.googletagmanager.com" in response.headers["content-security-policy"]
    site.dialog().wait_for()
    page.wait_for_timeout(300)
    assert site.google_requests() == []
    assert site.cookie_names() == set()
    # Rejected: nothing on this page or the next.
    site.dialog().get_by_role("button", name="Alle ablehnen").click()
    site.open("/de/preise/")
    page.wait_for_timeout(300)
    assert site.google_requests() == []
    # Consent: Google's tag once, under the website's CSP, with its configuration.
    page.locator("footer").get_by_role("button", name="Datenschutz-Einstellungen").click()
    site.dialog().get_by_role("button", name="Alle akzeptieren").click()
    site.wait_for("window.gtagSaw !== undefined")
    assert site.google_requests() == [
        f"https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}"
    ]
    config = [e for e in page.evaluate("window.gtagSaw") if e[0] == "config"]
    assert config[0][1] == MEASUREMENT_ID
    assert {"_ga", "_ga_TEST1234"} <= site.cookie_names()
    site.clean()


def test_withdrawal_deletes_the_cookies_and_the_next_page_loads_nothing(
    with_ga4, page, live_server
):
    site = Website(page, live_server)
    site.open("/en/")
    site.dialog().get_by_role("button", name="Accept all").click()
    site.wait_for("window.gtagSaw !== undefined")
    page.locator("footer").get_by_role("button", name="Privacy settings").click()
    site.dialog().get_by_role("button", name="Reject all").click()
    page.wait_for_timeout(200)
    assert site.cookie_names() == {"consentserve_consent"}
    assert page.evaluate(f"window['ga-disable-{MEASUREMENT_ID}']") is True
    site.requests.clear()
    site.open("/en/pricing/")
    page.wait_for_timeout(300)
    assert site.google_requests() == []
    site.clean()


def test_without_a_measurement_id_nothing_of_google_is_in_the_page(page, live_server):
    call_command("installations_operator_banner", stdout=None)
    site = Website(page, live_server)
    response = site.open("/de/")
    assert "google" not in response.headers["content-security-policy"]
    site.dialog().get_by_role("button", name="Alle akzeptieren").click()
    page.wait_for_timeout(300)
    assert page.locator("script[data-measurement-id]").count() == 0
    assert site.google_requests() == []
    site.clean()
