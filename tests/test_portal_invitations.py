"""Invitations (R-B3-2): an admin invites by e-mail; the mail, sent through a real SMTP server
once the invitation is committed, carries a one-time link in the inviter's language; only the
SHA-256 of its token is stored. The link needs a signed-in user, works once, expires after
7 days, and a used, expired or forged link gets a page that says so."""

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from support import free_port
from test_portal_factories import make_customer, make_member, make_organisation, make_user

from consentserve.accounts import teams as services
from consentserve.accounts.invitations import token_digest
from consentserve.accounts.models import Invitation, Membership

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]
Role = Membership.Role
LINK = re.compile(
    re.escape(settings.CONSENTSERVE_SITE_URL) + r"(/(de|en)/portal/invitations/([^/\s]+)/)"
)


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(client, customer, *, email="new.colleague@example.org", role="viewer", language="en"):
    return client.post(
        f"/{language}/portal/o/{customer.organisation.pk}/team/invite/",
        {"email": email, "role": role},
    )


def body(message) -> str:
    """The plain text with its line breaks (wrapped at 76 characters) as single spaces."""
    return " ".join(message.get_body(preferencelist=("plain",)).get_content().split())


def test_invitation_mail_in_english_holds_a_one_time_link_r_b3_2(
    a, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_of(a.admin.user), a, role="admin")
    assert response.status_code == 302
    assert response["Location"] == f"/en/portal/o/{a.organisation.pk}/team/"

    [mail] = smtp.messages
    assert mail["To"] == "new.colleague@example.org"
    assert mail["Subject"] == "Invitation to Alpha GmbH on CONSENTserve"
    assert mail["Content-Language"] == "en"
    text = body(mail)
    assert "join the team of Alpha GmbH on CONSENTserve with the role admin" in text
    assert "within 7 days" in text
    [(path, language, token)] = LINK.findall(text)
    assert language == "en"

    invitation = Invitation.objects.get(email="new.colleague@example.org")
    assert invitation.role == "admin"
    assert invitation.invited_by == a.admin.user
    assert invitation.token_sha256 == token_digest(token)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    # Only the digest is stored: the token itself appears in no column.
    assert token not in str(list(Invitation.objects.values_list()))


def test_invitation_mail_follows_the_language_of_the_page_r_b3_2(
    a, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_of(a.owner.user), a, language="de")
    [mail] = smtp.messages
    assert mail["Subject"] == "Einladung zu Alpha GmbH bei CONSENTserve"
    assert mail["Content-Language"] == "de"
    text = body(mail)
    assert "Guten Tag," in text
    assert "mit der Rolle Leser" in text
    assert "Mit freundlichen Grüßen" in text
    [(path, language, _token)] = LINK.findall(text)
    assert language == "de"


def test_no_mail_leaves_before_the_invitation_is_committed_r_b3_2(
    a, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(client_of(a.admin.user), a)
    assert len(callbacks) == 1
    assert smtp.messages == []


def test_mail_server_down_keeps_the_invitation_and_logs_no_address_r_b3_2(
    a, caplog, django_capture_on_commit_callbacks
):
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=free_port(),  # nobody listens here
        ),
        caplog.at_level(logging.INFO),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = invite(client_of(a.admin.user), a)
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new.colleague@example.org").exists()
    assert "mail failed (ConnectionRefusedError)" in caplog.text
    assert "new.colleague" not in caplog.text
    assert "a.example" not in caplog.text


def test_accepting_needs_sign_in_and_returns_to_the_link_r_b3_2(a):
    path = f"/en/portal/invitations/{a.token}/"
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/en/account/login/?next={path}"


def test_accept_with_another_address_joins_with_the_invited_role_r_b3_2(a):
    """The invited address and the signed-in one may differ: the link is what counts."""
    newcomer = make_user("someone.else@example.net", first_name="Sam")
    client = client_of(newcomer)
    path = f"/en/portal/invitations/{a.token}/"
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Join Alpha GmbH" in text
    assert "with the role Viewer" in text
    assert "someone.else@example.net" in text
    assert page["Referrer-Policy"] == "strict-origin"
    assert Membership.objects.filter(user=newcomer).count() == 0  # looking is not joining

    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"/en/portal/o/{a.organisation.pk}/"
    membership = Membership.objects.get(user=newcomer)
    assert (membership.organisation, membership.role) == (a.organisation, "viewer")
    a.invitation.refresh_from_db()
    assert a.invitation.accepted_at is not None
    assert "Welcome to Alpha GmbH" in client.get(response["Location"]).content.decode()


def test_a_used_link_does_not_work_again_r_b3_2(a):
    services.invitation_accept(token=a.token, user=make_user("first@example.net"))
    second = client_of(make_user("second@example.net"))
    for method in (second.get, second.post):
        response = method(f"/en/portal/invitations/{a.token}/")
        assert response.status_code == 410
        assert "has already been accepted" in response.content.decode()
    assert a.organisation.memberships.count() == 4


def test_an_expired_link_does_not_work_r_b3_2(a):
    user = make_user("late@example.net")
    client = client_of(user)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        client.force_login(user)
        for method in (client.get, client.post):
            response = method(f"/en/portal/invitations/{a.token}/")
            assert response.status_code == 410
            assert "This invitation has expired." in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_a_link_still_works_just_before_it_expires_r_b3_2(a):
    user = make_user("just-in-time@example.net")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        client = client_of(user)
        assert client.post(f"/en/portal/invitations/{a.token}/").status_code == 302
    assert Membership.objects.filter(user=user, organisation=a.organisation).exists()


@pytest.mark.parametrize(
    "token", ["forged", "token-of-a-" + "y" * 20, "token-of-a-xxxxxxxxxxxxxxxxxxx"]
)
def test_a_forged_link_is_404_r_b3_2(a, token):
    client = client_of(make_user("guess@example.net"))
    for method in (client.get, client.post):
        response = method(f"/en/portal/invitations/{token}/")
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()
    assert a.organisation.memberships.count() == 3


def test_a_member_cannot_accept_again_r_b3_2(a):
    response = client_of(a.viewer.user).post(f"/en/portal/invitations/{a.token}/")
    assert response.status_code == 409
    assert "already a member" in response.content.decode()
    assert a.organisation.memberships.filter(user=a.viewer.user).get().role == "viewer"


def test_the_refusal_pages_are_in_german_r_b3_2(a):
    client = client_of(make_user("leser@example.net"))
    response = client.get("/de/portal/invitations/erfunden/")
    assert response.status_code == 404
    assert "Dieser Einladungslink ist nicht gültig" in response.content.decode()


def test_revoked_invitation_link_stops_working_r_b3_2(a):
    client = client_of(a.admin.user)
    response = client.post(
        f"/en/portal/o/{a.organisation.pk}/team/invitations/{a.invitation.pk}/revoke/"
    )
    assert response.status_code == 302
    assert not Invitation.objects.filter(pk=a.invitation.pk).exists()
    outsider = client_of(make_user("late@example.net"))
    assert outsider.get(f"/en/portal/invitations/{a.token}/").status_code == 404


def test_a_new_invitation_replaces_the_open_one_to_the_same_address_r_b3_2(a):
    first = services.invitation_create(
        organisation=a.organisation,
        email="twice@example.org",
        role=Role.VIEWER,
        invited_by=a.admin.user,
        language="en",
    )
    second = services.invitation_create(
        organisation=a.organisation,
        email="Twice@EXAMPLE.org",
        role=Role.ADMIN,
        invited_by=a.owner.user,
        language="en",
    )
    assert first.token != second.token
    assert list(a.organisation.invitations.filter(email__iexact="twice@example.org")) == [
        second.invitation
    ]
    client = client_of(make_user("twice@example.org"))
    assert client.get(f"/en/portal/invitations/{first.token}/").status_code == 404
    assert client.post(f"/en/portal/invitations/{second.token}/").status_code == 302


def test_inviting_a_member_or_a_bad_address_is_explained_on_the_form_r_b3_2(a):
    client = client_of(a.admin.user)
    response = invite(client, a, email="viewer@a.example")
    assert response.status_code == 422
    assert "This person is already a member." in response.content.decode()
    response = invite(client, a, email="not-an-address")
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
    response = invite(client, a, role="owner")
    assert response.status_code == 422
    assert a.organisation.invitations.count() == 1


def test_an_invitation_outlives_the_account_of_the_inviter_r_b3_2(a):
    a.invitation.invited_by = a.admin.user
    a.invitation.save()
    a.admin.user.delete()
    user = make_user("after@example.net")
    assert client_of(user).post(f"/en/portal/invitations/{a.token}/").status_code == 302
    assert Membership.objects.filter(user=user, organisation=a.organisation).exists()


def test_an_invitation_to_one_organisation_is_no_key_to_another_r_b3_2(a):
    other = make_organisation("Gamma KG")
    make_member(other, make_user("gamma-owner@gamma.example"), Role.OWNER)
    user = make_user("joiner@example.net")
    services.invitation_accept(token=a.token, user=user)
    assert list(Membership.objects.filter(user=user).values_list("organisation__name")) == [
        ("Alpha GmbH",)
    ]
    assert client_of(user).get(f"/en/portal/o/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_no_invitation_mail_to_a_restricted_person_r_f_18(
    mailoutbox, django_capture_on_commit_callbacks
):
    from consentserve.accounts.models import Membership, Organisation, User
    from consentserve.accounts.teams import invitation_create

    organisation = Organisation.objects.create(
        name="Beispiel GmbH", street="Weg 1", postcode="36208", city="Wildeck", country="DE"
    )
    owner = User.objects.create_user("owner@example.com", "a-long-passphrase")
    Membership.objects.create(organisation=organisation, user=owner, role="owner")
    User.objects.create_user("restricted@example.com", "a-long-passphrase", restricted=True)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=organisation,
            email="restricted@example.com",
            role="viewer",
            invited_by=owner,
            language="de",
        )
    assert mailoutbox == []
