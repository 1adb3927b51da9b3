"""The login cookie (R-C1-2): a new session ID at sign-in, the session gone on the server at
sign-out, at most two weeks long, and over TLS `__Host-sessionid` with Secure, HttpOnly,
SameSite=Lax, Path=/ and no Domain."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from test_accounts_login import EMAIL, customer, sign_in
from test_accounts_registration import PASSWORD
from test_settings import GOOD

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-C1-2")]

TWO_WEEKS = 14 * 24 * 3600


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_session_id_changes_at_sign_in_r_c1_2(client):
    user = customer()
    session = client.session  # the session of an earlier visit, before signing in
    session["seen"] = True
    session.save()
    before = _session_key(client)

    sign_in(client)
    after = _session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert get_user(client) == user


def test_session_id_changes_again_after_the_second_factor_r_c1_2(client):
    from test_accounts_login import SECRET, fresh_totp_code, with_totp

    with_totp(customer())
    sign_in(client)
    during = _session_key(client)
    client.post("/en/account/2fa/authenticate/", {"code": fresh_totp_code(SECRET)})
    assert _session_key(client) != during
    assert not Session.objects.filter(session_key=during).exists()


def test_sign_out_ends_the_session_on_the_server_r_c1_2(client):
    customer()
    sign_in(client)
    key = _session_key(client)

    # Opening the sign-out page changes nothing: only the form's POST (with its token) signs out.
    assert client.get("/en/account/logout/").status_code == 200
    assert Session.objects.filter(session_key=key).exists()

    response = client.post("/en/account/logout/")
    assert response["Location"] == "/en/"
    assert not Session.objects.filter(session_key=key).exists()
    # A copy of the old cookie is worth nothing now.
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = key
    assert get_user(thief).is_anonymous
    assert thief.get("/en/account/2fa/")["Location"].startswith("/en/account/login/")


def test_signed_out_message_is_formal_in_german(client):
    customer()
    client.post("/de/account/login/", {"login": EMAIL, "password": PASSWORD})
    response = client.post("/de/account/logout/", follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == "Sie haben sich abgemeldet."


@override_settings(
    SESSION_COOKIE_NAME="__Host-sessionid",
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_NAME="__Host-csrftoken",
    CSRF_COOKIE_SECURE=True,
)
def test_session_cookie_over_tls_r_c1_2(client):
    customer()
    response = client.post(
        "/en/account/login/",
        {"login": EMAIL, "password": PASSWORD, "remember": "on"},
        secure=True,
    )
    assert response["Location"] == "/en/portal/"
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""
    assert int(cookie["max-age"]) == TWO_WEEKS  # the lifetime the policy's cookie table states


def test_without_remember_me_the_cookie_ends_with_the_browser_r_c1_2(client):
    customer()
    cookie = sign_in(client).cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def _settings_with(tmp_path, **variables) -> dict:
    """The settings module as a server process would load it from its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CONSENTSERVE_VAR_DIR": str(tmp_path),
            **variables,
        }
    )
    names = [
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_DOMAIN",
        "SESSION_COOKIE_AGE",
        "CACHES",
    ]
    program = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "variables",
    [GOOD, {"CONSENTSERVE_ENV": "development", "CONSENTSERVE_TLS": "1"}],
    ids=["production", "development-with-tls"],
)
def test_tls_settings_give_the_host_prefixed_cookie_r_c1_2(tmp_path, variables):
    values = _settings_with(tmp_path, **variables)
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_PATH"] == "/"
    assert values["SESSION_COOKIE_DOMAIN"] is None
    assert values["SESSION_COOKIE_AGE"] == TWO_WEEKS


def test_servers_share_a_file_cache_under_the_var_dir(tmp_path):
    """Rate-limit counters must be seen by every worker process (`consentserve serve
    --workers N`), so servers use a file cache, never the per-process memory cache."""
    cache = _settings_with(tmp_path, **GOOD)["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert cache["LOCATION"] == str(tmp_path / "cache")
    assert cache["OPTIONS"]["MAX_ENTRIES"] >= 10_000  # counters are not culled under load
