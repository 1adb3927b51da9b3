"""Signing in: only with a confirmed e-mail address, two factors once TOTP is set up, limits on
failed attempts that every worker process shares, and second-factor secrets encrypted at rest
(R-G-3)."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from test_accounts_registration import PASSWORD
from test_accounts_services import DATA

from consentserve.accounts.services import customer_register
from consentserve.core.crypto import decrypt

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-G-3")]

LOGIN = "/en/account/login/"
EMAIL = "erika@beispiel.example"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str, *, at: float | None = None) -> str:
    """RFC 6238 with the defaults every authenticator app uses: SHA-1, 30 s, 6 digits."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_totp_code(secret: str) -> str:
    """A code that stays valid for at least two more seconds (no tolerance window is set)."""
    if time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.1)
    return totp_code(secret)


def customer(*, verified: bool = True, email: str = EMAIL):
    user = customer_register(**{**DATA, "email": email})
    EmailAddress.objects.filter(user=user).update(verified=verified)
    return user


def with_totp(user):
    TOTP.activate(user, SECRET)
    RecoveryCodes.activate(user)
    return user


def sign_in(client, email=EMAIL, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password, **extra})


def local_cache(name: str):
    """A real cache for the tests of limits (the suite runs without one)."""
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": name,
            }
        }
    )


# --- e-mail verification is mandatory -------------------------------------------------------


def test_unconfirmed_address_cannot_sign_in_and_gets_a_new_link_r_b3_1(client):
    customer(verified=False)
    response = sign_in(client)
    assert response["Location"] == "/en/account/confirm-email/"
    assert get_user(client).is_anonymous
    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert "/en/account/confirm-email/" in message.body


def test_confirmed_address_signs_in_to_the_portal_r_b3_1(client):
    user = customer()
    response = sign_in(client)
    assert response["Location"] == "/en/portal/"
    assert get_user(client) == user


def test_confirming_the_address_then_signing_in_r_b3_1(client):
    response = client.post(
        "/en/account/signup/",
        {
            **{k: v for k, v in DATA.items() if k not in {"password", "newsletter"}},
            "email": EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "mandate_authorised": "on",
        },
    )
    assert response.status_code == 302
    link = re.search(r"http://testserver(/en/account/confirm-email/\S+/)", mail.outbox[0].body)
    page = client.get(link.group(1))
    assert "Please confirm that <strong>erika@beispiel.example</strong>" in page.content.decode()
    assert EmailAddress.objects.get().verified is False  # opening the link alone is not enough
    response = client.post(link.group(1))
    assert response["Location"] == LOGIN
    assert EmailAddress.objects.get().verified is True
    assert sign_in(client)["Location"] == "/en/portal/"


def test_wrong_password_is_refused_with_a_clear_message(client):
    customer()
    response = sign_in(client, password="not-the-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in html
    assert 'role="alert"' in html
    assert get_user(client).is_anonymous


def test_wrong_password_message_addresses_the_reader_formally_in_german(client):
    customer()
    html = client.post(
        "/de/account/login/", {"login": EMAIL, "password": "falsch-falsch"}
    ).content.decode()
    assert "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in html
    assert "<title>Fehler: Anmelden" in html


# --- limits on failed attempts --------------------------------------------------------------


def test_five_failures_lock_the_address_for_a_while(client):
    customer()
    with local_cache("five-failures"):
        for _ in range(5):
            response = sign_in(client, password="wrong-guess")
            assert "are not correct" in response.content.decode()
        response = sign_in(client)  # even the right password
        assert "Too many failed login attempts. Try again later." in response.content.decode()
        assert get_user(client).is_anonymous
        # Other addresses are not affected.
        customer(email="max@beispiel.example")
        assert sign_in(Client(), email="max@beispiel.example")["Location"] == "/en/portal/"


def test_failed_attempts_are_counted_across_worker_processes(client, tmp_path):
    """The count lives in the file cache under VAR_DIR, which every worker process opens: a
    fresh cache object (as in another process) still sees the failures."""
    customer()
    file_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    with override_settings(CACHES=file_cache):
        for _ in range(5):
            sign_in(client, password="wrong-guess")
    with override_settings(CACHES=file_cache):  # new cache connections
        response = sign_in(Client())
        assert "Too many failed login attempts" in response.content.decode()


def test_german_lock_message_is_formal(client):
    customer()
    with local_cache("german-lock"):
        for _ in range(6):
            response = client.post("/de/account/login/", {"login": EMAIL, "password": "x" * 12})
    assert "Bitte versuchen Sie es später erneut." in response.content.decode()


# --- two factors ----------------------------------------------------------------------------


def test_totp_user_needs_the_code_after_the_password(client):
    user = with_totp(customer())
    response = sign_in(client)
    assert response["Location"] == "/en/account/2fa/authenticate/"
    assert get_user(client).is_anonymous

    response = client.post("/en/account/2fa/authenticate/", {"code": "000000"})
    html = response.content.decode()
    assert "Incorrect code." in html
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in code_input
    assert 'aria-describedby="id_code_error"' in code_input
    assert get_user(client).is_anonymous

    response = client.post("/en/account/2fa/authenticate/", {"code": fresh_totp_code(SECRET)})
    assert response["Location"] == "/en/portal/"
    assert get_user(client) == user


def test_recovery_code_signs_in_once(client):
    user = with_totp(customer())
    code = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()[0]
    sign_in(client)
    assert client.post("/en/account/2fa/authenticate/", {"code": code})["Location"] == (
        "/en/portal/"
    )
    other = Client()
    sign_in(other)
    response = other.post("/en/account/2fa/authenticate/", {"code": code})
    assert "Incorrect code." in response.content.decode()


def test_a_totp_code_works_only_once(client):
    with_totp(customer())
    with local_cache("totp-once"):
        code = fresh_totp_code(SECRET)
        sign_in(client)
        assert client.post("/en/account/2fa/authenticate/", {"code": code}).status_code == 302
        other = Client()
        sign_in(other)
        response = other.post("/en/account/2fa/authenticate/", {"code": code})
        assert "Incorrect code." in response.content.decode()


def test_second_factor_failures_are_limited_too(client):
    with_totp(customer())
    with local_cache("totp-failures"):
        sign_in(client)
        for _ in range(5):
            client.post("/en/account/2fa/authenticate/", {"code": "000000"})
        response = client.post("/en/account/2fa/authenticate/", {"code": fresh_totp_code(SECRET)})
        assert "Too many failed login attempts" in response.content.decode()
        assert get_user(client).is_anonymous


def test_totp_secret_and_recovery_seed_are_encrypted_at_rest_r_g_3(client):
    """Set up through the pages a customer uses: confirm the password, scan, enter a code."""
    user = customer()
    sign_in(client)
    activate = "/en/account/2fa/totp/activate/"
    response = client.get(activate)
    assert response["Location"].startswith("/en/account/reauthenticate/")
    client.post("/en/account/reauthenticate/", {"password": PASSWORD})
    html = client.get(activate).content.decode()
    secret = re.search(r'<code class="totp-secret" id="totp-secret">([A-Z2-7]+)</code>', html)[1]
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code needs no inline script
    response = client.post(activate, {"code": fresh_totp_code(secret)})
    assert response["Location"] == "/en/account/2fa/recovery-codes/"

    totp = Authenticator.objects.get(user=user, type="totp")
    assert totp.data["secret"] != secret
    assert decrypt(totp.data["secret"]) == secret
    seed = Authenticator.objects.get(user=user, type="recovery_codes").data["seed"]
    assert decrypt(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator")
        raw = " ".join(str(row[0]) for row in cursor.fetchall())
    assert secret not in raw
    assert decrypt(seed) not in raw

    codes = client.get("/en/account/2fa/recovery-codes/").content.decode()
    assert len(re.findall(r"<li><code>\d{8}</code></li>", codes)) == 10


# --- password reset -------------------------------------------------------------------------


def test_password_reset_by_mail_in_the_visitors_language(client):
    customer()
    response = client.post("/de/account/password/reset/", {"email": EMAIL})
    assert response["Location"] == "/de/account/password/reset/done/"
    [message] = mail.outbox
    assert message.subject == "CONSENTserve: Neues Passwort wählen"
    assert "hoffentlich Sie selbst" in message.body
    link = re.search(r"http://testserver(/de/account/password/reset/key/\S+/)", message.body)[1]
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    response = client.post(
        action, {"password1": "ein-neues-langes-passwort", "password2": "ein-neues-langes-passwort"}
    )
    assert response["Location"] == "/de/account/password/reset/key/done/"
    assert sign_in(Client(), password="ein-neues-langes-passwort")["Location"] == "/en/portal/"


def test_password_reset_does_not_reveal_whether_an_account_exists(client):
    response = client.post("/en/account/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/en/account/password/reset/done/"
    [message] = mail.outbox
    assert message.to == ["nobody@example.org"]
