"""Builders of portal test data, shared by the portal tests (this module holds no tests)."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from consentserve.accounts.invitations import token_digest
from consentserve.accounts.models import Invitation, Membership, Organisation, User
from consentserve.billing.models import SepaMandate

Role = Membership.Role


def make_user(email: str, *, first_name: str = "", last_name: str = "", **extra) -> User:
    return User.objects.create_user(
        email, "a-long-passphrase", first_name=first_name, last_name=last_name, **extra
    )


def make_organisation(name: str) -> Organisation:
    return Organisation.objects.create(
        name=name, street="Hauptstraße 1", postcode="10115", city="Berlin", country="DE"
    )


def make_member(organisation: Organisation, user: User, role: str) -> Membership:
    return Membership.objects.create(organisation=organisation, user=user, role=role)


def make_invitation(
    organisation: Organisation, email: str, *, token: str, role: str = Role.VIEWER, days: int = 7
) -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_sha256=token_digest(token),
        expires_at=now + timedelta(days=days),
    )


@dataclass
class Customer:
    """An organisation with one member of each role, an open invitation and a SEPA mandate."""

    organisation: Organisation
    owner: Membership
    admin: Membership
    viewer: Membership
    invitation: Invitation
    token: str
    mandate: SepaMandate


def make_customer(key: str, company: str) -> Customer:
    organisation = make_organisation(company)
    people = {
        role: make_user(f"{role}@{key}.example", first_name=role.capitalize(), last_name=company)
        for role in (Role.OWNER, Role.ADMIN, Role.VIEWER)
    }
    members = {role: make_member(organisation, user, role) for role, user in people.items()}
    token = f"token-of-{key}-" + "x" * 20
    invitation = make_invitation(organisation, f"invited@{key}.example", token=token)
    mandate = SepaMandate.objects.create(
        organisation=organisation,
        account_holder=f"{company} Holder",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        reference=f"CS-{key.upper()}",
    )
    return Customer(
        organisation=organisation,
        owner=members[Role.OWNER],
        admin=members[Role.ADMIN],
        viewer=members[Role.VIEWER],
        invitation=invitation,
        token=token,
        mandate=mandate,
    )
