"""Reads of the portal. Each takes the organisation that portal.scoping resolved for the request;
none looks across organisations."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from consentserve.accounts.models import Invitation, Membership, Organisation, User
from consentserve.accounts.roles import ROLE_RANK
from consentserve.installations.selectors import installation_list_for_org


@dataclass(frozen=True)
class OrganisationOverview:
    member_count: int
    open_invitation_count: int
    installation_count: int


def organisation_overview(*, organisation: Organisation) -> OrganisationOverview:
    return OrganisationOverview(
        member_count=organisation.memberships.count(),
        open_invitation_count=invitation_list_open(organisation=organisation).count(),
        installation_count=installation_list_for_org(organisation).count(),
    )


def member_list(*, organisation: Organisation) -> QuerySet[Membership]:
    """Members with their users, the owner first, then admins, then viewers."""
    rank = Case(
        *(When(role=role, then=Value(-value)) for role, value in ROLE_RANK.items()),
        output_field=IntegerField(),
    )
    return (
        organisation.memberships.select_related("user")
        .annotate(rank=rank)
        .order_by("rank", "user__last_name", "user__first_name", "user__email")
    )


def invitation_list_open(*, organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not accepted yet, expired ones included so they can be revoked or sent again."""
    return organisation.invitations.filter(accepted_at=None).order_by("-created_at")


def person_label(user: User) -> str:
    """How a member is named to the other members: by name, else by address. A person whose
    processing is restricted (Art. 18, R-F-18) is not named at all."""
    if user.restricted:
        return _("Member (data restricted)")
    return user.get_full_name() or user.email
