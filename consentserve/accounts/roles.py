"""The role matrix of an organisation: which role may do what, and who may manage whom.

Roles are ordered viewer < admin < owner; `MIN_ROLE` says which role each action needs. The
portal enforces this matrix on every request (portal/scoping.py), and the services of
accounts.teams and the API check it again themselves, so a caller that forgets a check cannot
hand out more than the matrix allows.
"""

from enum import StrEnum

from django.db.models import QuerySet

from .models import Membership

Role = Membership.Role
ROLE_RANK = {Role.VIEWER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Action(StrEnum):
    VIEW = "view"
    MANAGE_INSTALLATIONS = "manage-installations"
    MANAGE_TEAM = "manage-team"  # invite, revoke, change roles and remove lower roles
    VIEW_PAYMENT_DETAILS = "view-payment-details"
    MANAGE_PAYMENT_DETAILS = "manage-payment-details"
    TRANSFER_OWNERSHIP = "transfer-ownership"
    EDIT_COMPANY_DETAILS = "edit-company-details"


MIN_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.MANAGE_INSTALLATIONS: Role.ADMIN,
    Action.MANAGE_TEAM: Role.ADMIN,
    # Bank details are personal data of the account holder: only those who deal with payment.
    Action.VIEW_PAYMENT_DETAILS: Role.ADMIN,
    Action.MANAGE_PAYMENT_DETAILS: Role.OWNER,
    Action.TRANSFER_OWNERSHIP: Role.OWNER,
    # The contract partner's own details (Art. 16 GDPR): the owner, who holds the contract.
    Action.EDIT_COMPANY_DETAILS: Role.OWNER,
}


def role_at_least(role: str, min_role: str) -> bool:
    return ROLE_RANK[Role(role)] >= ROLE_RANK[Role(min_role)]


def may(membership: Membership, action: Action) -> bool:
    return role_at_least(membership.role, MIN_ROLE[action])


def may_manage_member(actor: Membership, target: Membership) -> bool:
    """Members are managed (role changed, removed) only by someone of a higher role: the owner
    manages admins and viewers, an admin manages viewers. Nobody manages themselves this way;
    they leave instead, and the owner is changed only by transferring ownership."""
    return (
        actor.organisation_id == target.organisation_id
        and actor.pk != target.pk
        and may(actor, Action.MANAGE_TEAM)
        and ROLE_RANK[Role(actor.role)] > ROLE_RANK[Role(target.role)]
    )


def assignable_roles(actor: Membership) -> list[Role]:
    """Roles `actor` may give by invitation or role change: up to their own, never owner (one
    owner per organisation; that role moves only by transfer)."""
    return [
        role
        for role in (Role.ADMIN, Role.VIEWER)
        if may(actor, Action.MANAGE_TEAM) and role_at_least(actor.role, role)
    ]


def memberships_of(user) -> QuerySet[Membership]:
    """The user's memberships with their organisations, in the order the portal lists them."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )


def organisations_allowing(user, action: Action) -> QuerySet:
    """The IDs of the organisations in which `user` may do `action`, as a subquery."""
    roles = [role for role in Role if role_at_least(role, MIN_ROLE[action])]
    return Membership.objects.filter(user=user, role__in=roles).values("organisation")
