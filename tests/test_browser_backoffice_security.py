"""Issue 21 in real Chromium: a staff member without a second factor signs in with the right
password and is still refused the back office until an authenticator app is set up; from then
on the password alone is not enough."""

import re

import pytest
from test_accounts_login import EMAIL, customer, fresh_totp_code
from test_accounts_registration import PASSWORD

from consentserve.audit.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base):
    page.goto(base + "/en/account/login/?next=/backoffice/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_staff_without_a_second_factor_are_refused_until_they_set_one_up(page, live_server):
    base = live_server.url
    user = customer()
    user.is_staff = user.is_superuser = True
    user.save()

    # The right password: signed in, but the back office sends to the set-up of the app.
    _sign_in(page, base)
    page.wait_for_url(re.compile(r".*/account/(2fa/totp/activate|reauthenticate)/.*"))
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/en/account/2fa/totp/activate/")
    for path in ["/backoffice/", "/backoffice/accounts/user/"]:
        page.goto(base + path)
        assert "/account/2fa/totp/activate/" in page.url, path
        assert "Site administration" not in page.content()
        # The page says why.
        assert page.get_by_text(
            "Set up a second factor (an authenticator app) to use the back office."
        ).is_visible()

    # Set up the app: the first code opens the back office.
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("The 6-digit code the app shows now").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/en/account/2fa/recovery-codes/")
    response = page.goto(base + "/backoffice/")
    assert response.status == 200
    assert page.url == base + "/backoffice/"

    # Signed out and in again: the password alone leaves the back office shut.
    page.context.clear_cookies()
    _sign_in(page, base)
    page.wait_for_url("**/en/account/2fa/authenticate/")
    page.goto(base + "/backoffice/")
    # Sent through the login back to the pending second step, not into the back office.
    assert page.url == base + "/en/account/2fa/authenticate/"
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(base + "/backoffice/")

    actions = list(
        AuditEntry.objects.filter(action__startswith="staff.")
        .order_by("seq")
        .values_list("action", "detail")
    )
    assert actions == [
        ("staff.sign_in", {"second_factor": False}),
        ("staff.sign_in", {"second_factor": True}),
    ]
