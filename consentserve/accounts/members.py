"""Who belongs to an organisation in which role, for apps that act on an organisation's behalf
(the scanner lets owners and admins scan, and mails owners)."""

from .models import Membership

Role = Membership.Role


def member_has_role(*, organisation_id: int, user, roles) -> bool:
    return Membership.objects.filter(
        organisation_id=organisation_id, user=user, role__in=roles
    ).exists()


def owners_of(*, organisation_id: int) -> list:
    """The owners' user accounts."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation_id=organisation_id, role=Role.OWNER
        ).select_related("user")
    ]
