"""A customer's first day in real Chromium: register (R-B3-1), confirm the e-mail address with
the link from a real SMTP server, sign in, set up an authenticator app, sign out, and sign in
again with password and code (R-C1-2). No page logs an error."""

import re

import pytest
from test_accounts_login import fresh_totp_code

from consentserve.accounts.models import User
from consentserve.billing.models import SepaMandate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("R-B3-1", "R-C1-2"),
]

ADDRESS = "erika@beispiel.example"
PASSWORD = "lange-sichere-passphrase"


class Problems:
    """Console errors, script errors and failed or unsuccessful requests while pages load."""

    def __init__(self, page):
        self.found = []
        page.on("console", lambda m: m.type == "error" and self.found.append(m.text))
        page.on("pageerror", lambda error: self.found.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: r.status >= 400 and self.found.append(f"{r.status} {r.url}"))

    def _failed(self, request):
        # Leaving a page cancels what it still loads in the background (the favicon).
        if request.failure != "net::ERR_ABORTED":
            self.found.append(f"failed: {request.url} ({request.failure})")


def _sign_in(page, live_server):
    page.goto(live_server.url + "/en/account/login/")
    page.get_by_label("E-mail address").fill(ADDRESS)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_register_confirm_and_sign_in_with_two_factors_r_b3_1_r_c1_2(
    page, live_server, smtp, settings
):
    settings.CONSENTSERVE_SITE_URL = live_server.url
    problems = Problems(page)

    # Register: one page, one form.
    page.goto(live_server.url + "/en/account/signup/")
    assert page.get_by_label("Country").input_value() == "DE"
    assert not page.get_by_label("Yes, please send me the CONSENTserve newsletter").is_checked()
    page.get_by_label("First name").fill("Erika")
    page.get_by_label("Last name").fill("Mustermann")
    page.get_by_label("E-mail address").fill(ADDRESS)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Company name").fill("Beispiel Handels GmbH")
    page.get_by_label("Street and number").fill("Hauptstraße 1")
    page.get_by_label("Postcode").fill("36208")
    page.get_by_label("City").fill("Wildeck")
    page.get_by_label("Account holder").fill("Beispiel Handels GmbH")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_label("I grant this SEPA direct-debit mandate").check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/en/account/confirm-email/")
    assert page.get_by_role("heading", level=1).inner_text() == "Please confirm your e-mail address"
    assert SepaMandate.objects.get().bic == "COBADEFFXXX"

    # Confirm the address with the link from the mail.
    [message] = smtp.messages
    assert message["To"] == ADDRESS
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/en/account/confirm-email/\S+/", body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/en/account/login/")

    # Sign in and set up the authenticator app.
    _sign_in(page, live_server)
    page.wait_for_url("**/en/portal/**")
    page.goto(live_server.url + "/en/account/2fa/")
    page.get_by_role("link", name="Set up the app").click()
    page.wait_for_url("**/en/account/reauthenticate/**")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/en/account/2fa/totp/activate/")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("The 6-digit code the app shows now").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/en/account/2fa/recovery-codes/")
    assert page.locator(".recovery-codes li").count() == 10

    # Sign out: the session ends.
    page.goto(live_server.url + "/en/account/logout/")
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/en/")
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]

    # Sign in again: the password alone is not enough any more.
    _sign_in(page, live_server)
    page.wait_for_url("**/en/account/2fa/authenticate/")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/en/portal/**")
    assert [c["name"] for c in page.context.cookies()].count("sessionid") == 1

    assert User.objects.get().email == ADDRESS
    assert problems.found == []
