"""Issue 21, security for staff: the back office only with a second factor, staff sessions end
after 30 idle minutes (customers' do not), every staff sign-in in the audit log, and the TOTP
secret being set up never in the session in clear."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user
from django.utils import timezone
from support import STAFF_TOTP_SECRET, with_second_factor
from test_accounts_login import EMAIL, customer, fresh_totp_code, sign_in
from test_accounts_registration import PASSWORD

from consentserve.accounts.totp_setup import SESSION_KEY
from consentserve.audit.models import AuditEntry
from consentserve.core.crypto import decrypt

pytestmark = pytest.mark.django_db

TWO_FA = "/en/account/2fa/authenticate/"
ACTIVATE = "/en/account/2fa/totp/activate/"


def staff(*, second_factor: bool):
    user = customer()
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return with_second_factor(user) if second_factor else user


def _entries():
    return list(
        AuditEntry.objects.filter(action__startswith="staff.")
        .order_by("seq")
        .values("actor", "action", "target", "subject", "detail")
    )


# --- a second factor before the back office --------------------------------------------------


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client):
    user = staff(second_factor=False)
    response = sign_in(client, next="/backoffice/")
    assert response["Location"] == "/backoffice/"
    assert get_user(client) == user
    # Signed in, but every back-office page, the admin's own and the added ones, is shut.
    for path in ["/backoffice/", "/backoffice/accounts/user/", "/backoffice/privacy/retention/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].endswith("/account/2fa/totp/activate/"), path
    # Outside the back office the account works as any other.
    assert client.get("/en/portal/", follow=True).status_code == 200

    # Once the authenticator app is set up, the back office opens.
    with_second_factor(user)
    assert client.get("/backoffice/").status_code == 200


def test_the_set_up_page_tells_staff_why_in_both_languages(client):
    staff(second_factor=False)
    sign_in(client)
    page = client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Set up a second factor (an authenticator app) to use the back office." in page
    page = client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="de", follow=True).content.decode()
    assert "Set up a second factor" not in page
    assert "Richten Sie einen zweiten Faktor (eine Authenticator-App) ein" in page


def test_customers_are_not_asked_for_a_second_factor(client):
    customer()
    assert sign_in(client)["Location"] == "/en/portal/"
    assert client.get("/en/portal/", follow=True).status_code == 200


# --- 30 minutes idle --------------------------------------------------------------------------


def test_staff_sessions_end_after_30_idle_minutes_customers_do_not(client, django_user_model):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        staff_user = staff(second_factor=True)
        client.force_login(staff_user)
        assert client.get("/backoffice/").status_code == 200
        # Every request starts the 30 minutes again.
        for _ in range(3):
            traveller.shift(timedelta(minutes=29))
            assert client.get("/backoffice/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/backoffice/")
        assert response.status_code == 302
        assert response["Location"].startswith("/backoffice/login/")
        assert get_user(client).is_anonymous

        member = customer(email="kunde@beispiel.example")
        client.force_login(member)
        assert client.get("/en/portal/", follow=True).status_code == 200
        traveller.shift(timedelta(hours=3))
        assert client.get("/en/portal/", follow=True).status_code == 200
        assert get_user(client) == member


# --- every staff sign-in in the audit log ---------------------------------------------------


def test_staff_sign_ins_and_failures_are_audited_by_account_id_only(client):
    user = staff(second_factor=True)
    account = f"user:{user.pk}"
    target = f"accounts.user:{user.pk}"

    sign_in(client, password="wrong password 1")
    sign_in(client)
    assert client.post(TWO_FA, {"code": "000000"}).status_code == 200
    response = client.post(TWO_FA, {"code": fresh_totp_code(STAFF_TOTP_SECRET)})
    assert response["Location"] == "/en/portal/"

    assert _entries() == [
        {
            "actor": "system",
            "action": "staff.sign_in_failed",
            "target": target,
            "subject": account,
            "detail": {"step": "password"},
        },
        {
            "actor": "system",
            "action": "staff.sign_in_failed",
            "target": target,
            "subject": account,
            "detail": {"step": "totp"},
        },
        {
            "actor": account,
            "action": "staff.sign_in",
            "target": target,
            "subject": account,
            "detail": {"second_factor": True},
        },
    ]
    text = str(list(AuditEntry.objects.values()))
    for personal in [EMAIL, PASSWORD, "127.0.0.1"]:
        assert personal not in text


def test_a_staff_sign_in_without_a_second_factor_is_audited_as_such(client):
    user = staff(second_factor=False)
    sign_in(client)
    assert _entries()[-1]["action"] == "staff.sign_in"
    assert _entries()[-1]["detail"] == {"second_factor": False}
    assert _entries()[-1]["actor"] == f"user:{user.pk}"


def test_customers_sign_ins_are_not_staff_entries(client):
    customer()
    sign_in(client, password="wrong password 1")
    sign_in(client)
    sign_in(client, email="nobody@beispiel.example")
    assert _entries() == []


# --- the TOTP secret being set up -------------------------------------------------------------


def test_the_secret_being_set_up_is_kept_encrypted_and_cleared(client):
    user = staff(second_factor=False)
    sign_in(client)
    response = client.get(ACTIVATE)
    if response.status_code == 302:  # allauth asks for the password again first
        assert "/reauthenticate/" in response["Location"]
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(ACTIVATE)
    assert response.status_code == 200
    secret = response.context["form"].secret
    assert secret in response.content.decode()  # shown to be typed into the app
    session = client.session
    assert "mfa.totp.secret" not in session
    assert secret not in str(dict(session.items()))
    assert decrypt(session[SESSION_KEY]) == secret

    # The first code from the app activates exactly that secret; then the session forgets it.
    response = client.post(ACTIVATE, {"code": fresh_totp_code(secret)})
    assert response.status_code == 302
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert totp.wrap().validate_code(fresh_totp_code(secret))
    assert SESSION_KEY not in client.session
    assert client.get("/backoffice/").status_code == 200


def test_a_new_visit_of_the_set_up_page_starts_with_a_new_secret(client):
    staff(second_factor=False)
    sign_in(client)
    first = client.get(ACTIVATE)
    if first.status_code == 302:
        client.post(first["Location"], {"password": PASSWORD})
        first = client.get(ACTIVATE)
    second = client.get(ACTIVATE)
    assert first.context["form"].secret != second.context["form"].secret
    # A wrong code keeps the secret being set up.
    response = client.post(ACTIVATE, {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].secret == second.context["form"].secret
