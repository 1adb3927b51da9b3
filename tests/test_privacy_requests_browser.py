"""The public privacy-request form in real Chromium (R-F-0a): submitted in English without
console errors or CSP violations, the confirmation link opened, and the case started."""

import re

import pytest
from django.core import mail
from test_browser_pages import Problems

from consentserve.privacy.requests.models import PrivacyRequest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("R-F-0a"),
]


def test_privacy_request_in_the_browser_r_f_0a(page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CONSENTSERVE_SITE_URL = live_server.url
    problems = Problems(page)
    response = page.goto(live_server.url + "/en/privacy-request/")
    assert response.status == 200
    page.get_by_label("What would you like us to do?").select_option("portability")
    page.get_by_label("E-mail address").fill("ria.beispiel@example.org")
    page.get_by_label("Your name (optional)").fill("Ria Beispiel")
    page.get_by_label("Consent ID (optional)").fill("3f2a-77c1")
    page.get_by_label("Your request").fill("Please send my data in a machine-readable format.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/en/privacy-request/sent/")
    assert page.locator("h1").inner_text() == "Please confirm your e-mail address"

    case = PrivacyRequest.objects.get()
    assert (case.kind, case.language, case.status) == ("portability", "en", "awaiting_verification")
    [verification] = mail.outbox
    [link] = re.findall(r"http\S+/confirm/\S+", verification.body)
    assert page.goto(link).status == 200
    assert page.locator("h1").inner_text() == "Your request is confirmed"
    assert case.number in page.locator("main").inner_text()
    assert problems.found == []
    case.refresh_from_db()
    assert case.status == "open"
