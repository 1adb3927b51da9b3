"""The team of an organisation: invitations, roles, removal, leaving and the transfer of
ownership.

Every service checks the acting user's role itself (through accounts.roles), so a view that
forgets a check cannot hand out more than the role matrix allows.
"""

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consentserve.core.site_url import site_url
from consentserve.privacy.engine import deliver

from .errors import AccountError, ErrorCode
from .invitations import token_digest
from .models import Invitation, Membership, Organisation, User
from .roles import Action, Role, assignable_roles, may, may_manage_member

logger = logging.getLogger(__name__)

INVITATION_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class IssuedInvitation:
    """The stored invitation and its token, which exists only here and in the mail."""

    invitation: Invitation
    token: str


def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    invited_by: User,
    language: str,
) -> IssuedInvitation:
    """Invite `email` with `role`; the mail with the accept link (in `language`, under the
    site address) leaves once the invitation is committed. A newer invitation to the same
    address replaces an open one, so only the latest link works."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": f"not a site language: {language!r}"})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        actor = _acting_membership(organisation=organisation, user=invited_by)
        if role not in assignable_roles(actor):
            raise AccountError(ErrorCode.NOT_ALLOWED)
        email = User.objects.normalize_email(email)
        if organisation.memberships.filter(user__email__iexact=email).exists():
            raise ValidationError({"email": _("This person is already a member.")})
        organisation.invitations.filter(email__iexact=email, accepted_at=None).delete()
        now = timezone.now()
        invitation = Invitation(
            organisation=organisation,
            email=email,
            role=role,
            token_sha256=token_digest(token),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + INVITATION_VALIDITY,
        )
        invitation.full_clean()
        invitation.save()
        link = _accept_link(token=token, language=language)
        transaction.on_commit(
            lambda: _send_invitation(invitation=invitation, link=link, language=language)
        )
    logger.info("organisation %s: invitation %s created", organisation.pk, invitation.pk)
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_check(*, invitation: Invitation | None, user: User) -> Invitation:
    """The invitation if `user` can accept it now; otherwise AccountError saying why."""
    if invitation is None:
        raise AccountError(ErrorCode.INVITATION_UNKNOWN)
    if invitation.accepted_at is not None:
        raise AccountError(ErrorCode.INVITATION_USED)
    if invitation.expires_at <= timezone.now():
        raise AccountError(ErrorCode.INVITATION_EXPIRED)
    if invitation.organisation.memberships.filter(user=user).exists():
        raise AccountError(ErrorCode.ALREADY_MEMBER)
    return invitation


def invitation_accept(*, token: str, user: User) -> Membership:
    """Make `user` a member with the invited role. The invitation is a one-time link: whoever
    holds it and is signed in may use it, with whatever verified address they signed in with."""
    with transaction.atomic():
        # Locked, so two tabs accepting the same link cannot both succeed.
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token_sha256=token_digest(token))
            .first()
        )
        invitation = invitation_check(invitation=invitation, user=user)
        membership = Membership(
            organisation=invitation.organisation, user=user, role=invitation.role
        )
        membership.full_clean()
        membership.save()
        invitation.accepted_at = timezone.now()
        # The inviter's account may be gone (the link is then NULL, which the model's form
        # validation does not allow for), and it does not matter for accepting.
        invitation.full_clean(exclude=["invited_by"])
        invitation.save(update_fields=["accepted_at"])
    logger.info(
        "organisation %s: invitation %s accepted", invitation.organisation_id, invitation.pk
    )
    return membership


def invitation_revoke(*, invitation: Invitation, revoked_by: User) -> None:
    """Delete an open invitation: its link stops working and the address is not kept."""
    with transaction.atomic():
        _acting_membership(organisation=invitation.organisation, user=revoked_by)
        if invitation.accepted_at is not None:
            raise AccountError(ErrorCode.INVITATION_USED)
        invitation.delete()
    logger.info("organisation %s: invitation revoked", invitation.organisation_id)


def membership_role_change(*, membership: Membership, role: str, changed_by: User) -> Membership:
    with transaction.atomic():
        actor = _acting_membership(organisation=membership.organisation, user=changed_by)
        if not may_manage_member(actor, membership) or role not in assignable_roles(actor):
            raise AccountError(ErrorCode.NOT_ALLOWED)
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    logger.info(
        "organisation %s: membership %s is now %s", membership.organisation_id, membership.pk, role
    )
    return membership


def membership_remove(*, membership: Membership, removed_by: User) -> None:
    with transaction.atomic():
        actor = _acting_membership(organisation=membership.organisation, user=removed_by)
        if not may_manage_member(actor, membership):
            raise AccountError(ErrorCode.NOT_ALLOWED)
        membership.delete()
    logger.info("organisation %s: a membership was removed", membership.organisation_id)


def membership_leave(*, membership: Membership) -> None:
    """The member ends their own membership. An organisation always keeps its owner."""
    with transaction.atomic():
        if membership.role == Role.OWNER:
            raise AccountError(ErrorCode.OWNER_MUST_TRANSFER)
        membership.delete()
    logger.info("organisation %s: a member left", membership.organisation_id)


def organisation_ownership_transfer(
    *, organisation: Organisation, new_owner: Membership, by: User
) -> Membership:
    """Make `new_owner` the owner; the previous owner stays as an admin. One transaction, and
    the old owner is demoted before the new one is promoted, so that the database's
    one-owner constraint holds after every statement."""
    with transaction.atomic():
        # Locking the organisation serialises concurrent transfers of the same organisation.
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        current = (
            Membership.objects.select_for_update()
            .filter(organisation=organisation, role=Role.OWNER)
            .first()
        )
        target = (
            Membership.objects.select_for_update()
            .filter(organisation=organisation, pk=new_owner.pk)
            .first()
        )
        if current is None or current.user_id != by.pk:
            raise AccountError(ErrorCode.NOT_ALLOWED)
        if target is None or target.pk == current.pk:
            raise ValidationError({"new_owner": _("Please choose another member.")})
        current.role = Role.ADMIN
        current.full_clean()
        current.save(update_fields=["role"])
        target.role = Role.OWNER
        target.full_clean()
        target.save(update_fields=["role"])
    logger.info("organisation %s: ownership transferred", organisation.pk)
    return target


def _acting_membership(*, organisation: Organisation, user: User) -> Membership:
    """The membership through which `user` acts; only members who manage the team get one."""
    actor = organisation.memberships.filter(user=user).first()
    if actor is None or not may(actor, Action.MANAGE_TEAM):
        raise AccountError(ErrorCode.NOT_ALLOWED)
    return actor


def _accept_link(*, token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("portal:invitation-accept", kwargs={"token": token})
    return site_url(path)


def _send_invitation(*, invitation: Invitation, link: str, language: str) -> None:
    with translation.override(language):
        subject = _("Invitation to %(organisation)s on CONSENTserve") % {
            "organisation": invitation.organisation.name
        }
        body = render_to_string(
            "accounts/emails/invitation.txt",
            {
                "invitation": invitation,
                "role": Role(invitation.role).label,
                "link": link,
                "validity_days": INVITATION_VALIDITY.days,
            },
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[invitation.email],
        # Auto-Submitted keeps out-of-office replies away (RFC 3834).
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )
    try:
        # Through the privacy engine's guard: a person whose processing is restricted gets no
        # mail someone else set off (Art. 18).
        deliver(message)
    except (smtplib.SMTPException, OSError) as error:
        # The invitation is listed on the team page and can be sent again. The exception text
        # can hold the recipient's address, so only its type is logged.
        logger.error("invitation %s: mail failed (%s)", invitation.pk, type(error).__name__)
