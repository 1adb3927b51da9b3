"""Roles in the portal (R-B3-2 within an organisation): viewer < admin < owner. A member whose
role is too low gets 403 with a page that says which role is needed; the services refuse the
same actions when called directly. Ownership moves only by transfer and there is always
exactly one owner."""

import pytest
from django.test import Client
from test_portal_factories import make_customer, make_member, make_organisation, make_user

from consentserve.accounts import teams as services
from consentserve.accounts.errors import AccountError as PortalError
from consentserve.accounts.errors import ErrorCode
from consentserve.accounts.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]
Role = Membership.Role


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(customer, path="") -> str:
    return f"/en/portal/o/{customer.organisation.pk}/{path}"


def roles_of(customer) -> dict:
    return dict(customer.organisation.memberships.values_list("user__email", "role"))


def owners(customer) -> int:
    return customer.organisation.memberships.filter(role=Role.OWNER).count()


def test_viewer_cannot_invite_and_is_told_why_r_b3_2(a):
    response = client_of(a.viewer).post(
        url(a, "team/invite/"), {"email": "new@a.example", "role": "viewer"}
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert "Not allowed for your role" in text
    assert "This needs the role Admin or higher. Your role in Alpha GmbH is Viewer." in text
    assert not a.organisation.invitations.filter(email="new@a.example").exists()


def test_role_refusal_is_in_german_on_german_pages_r_b3_2(a):
    response = client_of(a.viewer).get(f"/de/portal/o/{a.organisation.pk}/team/transfer/")
    assert response.status_code == 403
    assert "Ihre Rolle in Alpha GmbH ist Leser" in response.content.decode()


def test_viewer_reads_but_sees_no_payment_details_and_no_invitations_r_b3_2(a):
    client = client_of(a.viewer)
    for path in ("", "installations/", "team/", "account/", "invoices/"):
        assert client.get(url(a, path)).status_code == 200, path
    assert client.get(url(a, "payment/")).status_code == 403
    team = client.get(url(a, "team/")).content.decode()
    assert a.invitation.email not in team  # an invitee's address is for those who invite
    assert "Change role" not in team
    assert "team/invite/" not in team
    assert "payment/" not in client.get(url(a, "")).content.decode()


@pytest.mark.parametrize(
    ("actor", "path"),
    [
        ("viewer", "team/{viewer}/role/"),
        ("viewer", "team/{viewer}/remove/"),
        ("viewer", "team/invitations/{invitation}/revoke/"),
        ("admin", "team/transfer/"),
    ],
)
def test_actions_above_the_role_are_403_r_b3_2(a, actor, path):
    path = path.format(viewer=a.viewer.pk, invitation=a.invitation.pk)
    before = roles_of(a)
    response = client_of(getattr(a, actor)).post(
        url(a, path), {"role": "admin", "new_owner": a.admin.pk, "confirm": "on"}
    )
    assert response.status_code == 403
    assert "Not allowed for your role" in response.content.decode()
    assert roles_of(a) == before
    assert a.organisation.invitations.filter(pk=a.invitation.pk).exists()


def test_admin_promotes_and_removes_viewers_r_b3_2(a):
    client = client_of(a.admin)
    response = client.post(url(a, f"team/{a.viewer.pk}/role/"), {"role": "admin"})
    assert response.status_code == 302
    assert roles_of(a)["viewer@a.example"] == "admin"
    other = make_member(a.organisation, make_user("second-viewer@a.example"), Role.VIEWER)
    assert client.get(url(a, f"team/{other.pk}/remove/")).status_code == 200
    assert client.post(url(a, f"team/{other.pk}/remove/")).status_code == 302
    assert "second-viewer@a.example" not in roles_of(a)


def test_admin_cannot_demote_or_remove_another_admin_r_b3_2(a):
    other = make_member(a.organisation, make_user("admin2@a.example"), Role.ADMIN)
    client = client_of(a.admin)
    response = client.post(url(a, f"team/{other.pk}/role/"), {"role": "viewer"})
    assert response.status_code == 403
    assert "does not allow this" in response.content.decode()
    assert client.post(url(a, f"team/{other.pk}/remove/")).status_code == 403
    assert roles_of(a)["admin2@a.example"] == "admin"


def test_owner_demotes_and_removes_admins_r_b3_2(a):
    client = client_of(a.owner)
    assert client.post(url(a, f"team/{a.admin.pk}/role/"), {"role": "viewer"}).status_code == 302
    assert roles_of(a)["admin@a.example"] == "viewer"
    assert client.post(url(a, f"team/{a.admin.pk}/remove/")).status_code == 302
    assert "admin@a.example" not in roles_of(a)


def test_nobody_makes_a_second_owner_by_changing_a_role_r_b3_2(a):
    response = client_of(a.owner).post(url(a, f"team/{a.admin.pk}/role/"), {"role": "owner"})
    assert response.status_code == 422
    with pytest.raises(PortalError) as refused:
        services.membership_role_change(
            membership=a.admin, role=Role.OWNER, changed_by=a.owner.user
        )
    assert refused.value.code is ErrorCode.NOT_ALLOWED
    assert owners(a) == 1


def test_nobody_changes_their_own_role_or_the_owners_r_b3_2(a):
    client = client_of(a.admin)
    assert client.post(url(a, f"team/{a.admin.pk}/role/"), {"role": "viewer"}).status_code == 403
    assert client.post(url(a, f"team/{a.owner.pk}/role/"), {"role": "admin"}).status_code == 403
    owner = client_of(a.owner)
    assert owner.post(url(a, f"team/{a.owner.pk}/role/"), {"role": "admin"}).status_code == 403
    assert owner.post(url(a, f"team/{a.owner.pk}/remove/")).status_code == 403
    assert roles_of(a) == {
        "owner@a.example": "owner",
        "admin@a.example": "admin",
        "viewer@a.example": "viewer",
    }


def test_services_check_the_role_themselves_r_b3_2(a):
    """A view that forgot its check could still not hand out more than the role allows."""
    with pytest.raises(PortalError):
        services.membership_remove(membership=a.admin, removed_by=a.viewer.user)
    with pytest.raises(PortalError):
        services.invitation_create(
            organisation=a.organisation,
            email="x@a.example",
            role=Role.VIEWER,
            invited_by=a.viewer.user,
            language="en",
        )
    outsider = make_user("outsider@b.example")
    with pytest.raises(PortalError):
        services.invitation_revoke(invitation=a.invitation, revoked_by=outsider)
    with pytest.raises(PortalError):
        services.organisation_ownership_transfer(
            organisation=a.organisation, new_owner=a.viewer, by=a.admin.user
        )
    assert owners(a) == 1
    assert a.organisation.memberships.count() == 3


def test_ownership_transfer_keeps_exactly_one_owner_r_b3_2(a):
    client = client_of(a.owner)
    page = client.get(url(a, "team/transfer/"))
    assert page.status_code == 200
    response = client.post(url(a, "team/transfer/"), {"new_owner": a.viewer.pk, "confirm": "on"})
    assert response.status_code == 302
    assert roles_of(a) == {
        "owner@a.example": "admin",
        "admin@a.example": "admin",
        "viewer@a.example": "owner",
    }
    assert owners(a) == 1
    # The former owner is an admin now and can no longer transfer.
    again = client.post(url(a, "team/transfer/"), {"new_owner": a.admin.pk, "confirm": "on"})
    assert again.status_code == 403
    assert owners(a) == 1


def test_ownership_transfer_needs_confirmation_and_a_member_of_this_organisation_r_b3_2(a):
    b = make_customer("b", "Beta AG")
    client = client_of(a.owner)
    unconfirmed = client.post(url(a, "team/transfer/"), {"new_owner": a.admin.pk})
    assert unconfirmed.status_code == 422
    foreign = client.post(url(a, "team/transfer/"), {"new_owner": b.viewer.pk, "confirm": "on"})
    assert foreign.status_code == 422
    assert "b.example" not in foreign.content.decode()
    assert roles_of(a)["owner@a.example"] == "owner"
    assert b.organisation.memberships.get(pk=b.viewer.pk).role == "viewer"


def test_transfer_to_oneself_is_refused_by_the_service_r_b3_2(a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.organisation_ownership_transfer(
            organisation=a.organisation, new_owner=a.owner, by=a.owner.user
        )
    assert owners(a) == 1


def test_transfer_page_without_other_members_says_whom_to_invite():
    organisation = make_organisation("Solo GmbH")
    owner = make_member(organisation, make_user("solo@solo.example"), Role.OWNER)
    response = client_of(owner).get(f"/en/portal/o/{organisation.pk}/team/transfer/")
    assert response.status_code == 200
    assert "Invite the future owner first" in response.content.decode()


def test_members_leave_but_the_owner_must_transfer_first_r_b3_2(a):
    owner = client_of(a.owner)
    refused = owner.post(url(a, "leave/"))
    assert refused.status_code == 409
    assert "transfer the ownership" in refused.content.decode()
    viewer = client_of(a.viewer)
    assert viewer.get(url(a, "leave/")).status_code == 200
    response = viewer.post(url(a, "leave/"))
    assert response.status_code == 302
    assert response["Location"] == "/en/portal/"
    assert "viewer@a.example" not in roles_of(a)
    # Without a membership, the organisation is as unknown as any other.
    assert viewer.get(url(a, "")).status_code == 404
    assert "do not belong to an organisation" in viewer.get("/en/portal/").content.decode()
