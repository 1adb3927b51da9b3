"""Issue 15: staff sign in to the back office through the portal's login (allauth), with its
second-factor stage and its limits; Django's own admin login is no second way in."""

import pytest
from django.contrib.auth import get_user
from django.test import Client
from test_accounts_login import (
    EMAIL,
    LOGIN,
    SECRET,
    customer,
    fresh_totp_code,
    local_cache,
    sign_in,
    with_totp,
)
from test_accounts_registration import PASSWORD

pytestmark = pytest.mark.django_db

TWO_FA = "/en/account/2fa/authenticate/"


def staff(**flags):
    user = customer()
    user.is_staff = True
    user.is_superuser = flags.get("superuser", True)
    user.save()
    return user


def test_the_admin_login_hands_over_to_the_portal_login_with_next(client):
    response = client.get("/backoffice/login/?next=/backoffice/billing/")
    assert response.status_code == 302
    assert response["Location"] == "/de/account/login/?next=%2Fbackoffice%2Fbilling%2F"
    # The back office itself sends there too, by way of the admin's login URL.
    response = client.get("/backoffice/", follow=True)
    assert response.redirect_chain[-1][0] == "/de/account/login/?next=%2Fbackoffice%2F"
    # The login names where staff are going.
    page = client.get("/en/account/login/?next=/backoffice/").content.decode()
    assert "<h1>Sign in to the back office</h1>" in page
    page = client.get("/de/account/login/?next=/backoffice/").content.decode()
    assert "<h1>Anmeldung zum Backoffice</h1>" in page
    assert "<h1>Sign in to the customer portal</h1>" in client.get(LOGIN).content.decode()
    # Another site as `next` is not followed.
    response = client.get("/backoffice/login/?next=https://evil.example/")
    assert response["Location"] == "/de/account/login/?next=%2Fbackoffice%2F"


def test_a_password_posted_to_the_admin_login_signs_nobody_in(client):
    staff()
    response = client.post(
        "/backoffice/login/", {"username": EMAIL, "password": PASSWORD, "next": "/backoffice/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/de/account/login/")
    assert get_user(client).is_anonymous
    assert client.get("/backoffice/").status_code == 302


def test_staff_with_totp_is_refused_without_the_code_and_gets_in_with_it(client):
    user = with_totp(staff())
    response = client.post(f"{LOGIN}?next=/backoffice/", {"login": EMAIL, "password": PASSWORD})
    assert response["Location"] == TWO_FA
    assert get_user(client).is_anonymous
    # Without the code: not signed in, and the back office (and its 2FA settings) stay shut.
    assert client.get("/backoffice/")["Location"].startswith("/backoffice/login/")
    assert client.get("/en/account/2fa/")["Location"].startswith(LOGIN)
    response = client.post(TWO_FA, {"code": "000000"})
    assert "Incorrect code." in response.content.decode()
    assert get_user(client).is_anonymous
    response = client.post(TWO_FA, {"code": fresh_totp_code(SECRET)})
    assert response["Location"] == "/backoffice/"
    assert get_user(client) == user
    assert client.get("/backoffice/").status_code == 200


def test_a_signed_in_customer_without_staff_rights_is_refused_not_looped(client):
    user = customer()
    client.force_login(user)
    assert client.get("/backoffice/login/?next=/backoffice/").status_code == 403


def test_failed_staff_sign_ins_meet_the_portal_limit(client):
    staff()
    with local_cache("backoffice-login-limit"):
        for _ in range(5):
            response = sign_in(client, password="wrong password 1")
            assert response.status_code == 200
        response = sign_in(client)  # the right password, but too many failures
        assert "Too many failed login attempts" in response.content.decode()
        assert get_user(client).is_anonymous


def test_a_stranger_cannot_lock_the_owner_out(client):
    """Failures are counted per account and client network together: five wrong passwords from
    elsewhere lock only that network out of this account."""
    user = customer()
    stranger = Client(REMOTE_ADDR="198.51.100.23")
    with local_cache("stranger-lockout"):
        for _ in range(6):
            response = sign_in(stranger, password="wrong password 1")
        assert "Too many failed login attempts" in response.content.decode()
        owner = Client(REMOTE_ADDR="203.0.113.80")
        assert sign_in(owner)["Location"] == "/en/portal/"
        assert get_user(owner) == user
        # The stranger's network stays shut, even with the right password.
        assert "Too many failed login attempts" in sign_in(stranger).content.decode()
