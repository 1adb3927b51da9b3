"""Every sign-in and account-security page a customer meets is the site's own: the site's layout
and styles, one h1, a title, German and English, no inline script or style (the CSP forbids
them), German that says "Sie" (requirements, defect 11)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import translation
from test_accounts_login import EMAIL, customer, local_cache, sign_in, with_totp
from test_accounts_registration import PASSWORD

from consentserve.accounts.formal_german import ALLAUTH_MESSAGES

pytestmark = pytest.mark.django_db

ANONYMOUS = [
    "login/",
    "signup/",
    "password/reset/",
    "password/reset/done/",
    "password/reset/key/done/",
    "password/reset/key/1-invalid/",
    "confirm-email/",
    "confirm-email/invalid-key/",
]
SIGNED_IN = [
    "logout/",
    "email/",
    "password/change/",
    "reauthenticate/",
    "2fa/",
    "2fa/totp/activate/",
]
WITH_TOTP = [
    "2fa/",
    "2fa/totp/deactivate/",
    "2fa/recovery-codes/",
    "2fa/recovery-codes/generate/",
    "2fa/reauthenticate/",
]
INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*|Du|Dein\w*)\b")


def _assert_site_page(response, language):
    assert response.status_code in (200, 429), response.get("Location")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert html.count("<h1") == 1
    assert "/static/website/site.css" in html
    assert "/static/accounts/accounts.css" in html
    assert re.search(r"<title>\S.* · CONSENTserve</title>", html)
    assert "<script" not in html
    assert " style=" not in html
    if language == "de":
        visible = re.sub(r"<[^>]+>", " ", html)
        assert not INFORMAL.search(visible), INFORMAL.search(visible)


def _verified_totp_client():
    client = Client()
    with_totp(customer())
    sign_in(client)
    from test_accounts_login import SECRET, fresh_totp_code

    client.post("/en/account/2fa/authenticate/", {"code": fresh_totp_code(SECRET)})
    client.post("/en/account/reauthenticate/", {"password": PASSWORD})
    return client


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("path", ANONYMOUS)
def test_pages_before_sign_in(client, language, path):
    _assert_site_page(client.get(f"/{language}/account/{path}"), language)


@pytest.mark.parametrize("language", ["de", "en"])
def test_pages_after_sign_in(client, language):
    customer()
    sign_in(client)
    client.post("/en/account/reauthenticate/", {"password": PASSWORD})
    for path in SIGNED_IN:
        _assert_site_page(client.get(f"/{language}/account/{path}"), language)


@pytest.mark.parametrize("language", ["de", "en"])
def test_pages_with_two_factors(language):
    client = _verified_totp_client()
    for path in WITH_TOTP:
        _assert_site_page(client.get(f"/{language}/account/{path}"), language)


@pytest.mark.parametrize("language", ["de", "en"])
def test_second_step_of_sign_in(client, language):
    with_totp(customer())
    client.post(f"/{language}/account/login/", {"login": EMAIL, "password": PASSWORD})
    _assert_site_page(client.get(f"/{language}/account/2fa/authenticate/"), language)


def test_too_many_requests_get_the_sites_page(client):
    """Password-reset mails are limited to five a minute per address."""
    customer()
    with local_cache("reset-limit"):
        for _ in range(5):
            response = client.post("/de/account/password/reset/", {"email": EMAIL})
            assert response.status_code == 302
        response = client.post("/de/account/password/reset/", {"email": EMAIL})
    assert response.status_code == 429
    _assert_site_page(response, "de")
    assert "Zu viele Versuche" in response.content.decode()


def test_email_change_page_shows_a_pending_address(client):
    user = customer()
    sign_in(client)
    client.post("/en/account/email/", {"action_add": "", "email": "neu@beispiel.example"})
    assert EmailAddress.objects.filter(user=user, email="neu@beispiel.example").exists()
    html = client.get("/en/account/email/").content.decode()
    assert "neu@beispiel.example" in html
    assert "not yet confirmed" in html


@pytest.mark.parametrize("message", ALLAUTH_MESSAGES)
def test_allauth_messages_address_the_reader_formally(message):
    with translation.override("de"):
        german = translation.gettext(message)
    assert german != message
    assert not INFORMAL.search(german)
