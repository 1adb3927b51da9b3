"""Every staff sign-in, successful or not, goes to the audit log (issue 21). Entries name the
account by its id only: no address, no password, no network address. A failed attempt for an
address that belongs to no staff account is not a staff sign-in and is left to the limits on
failed sign-ins."""

from allauth.account.signals import user_logged_in
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import get_user_model
from django.dispatch import receiver

from consentserve.audit.chain import SYSTEM, actor_of, record, target_of

from .staff_security import has_second_factor

SIGNED_IN = "staff.sign_in"
FAILED = "staff.sign_in_failed"


def _staff_by_email(email: str | None):
    if not email:
        return None
    return (
        get_user_model()
        .objects.filter(email__iexact=email.strip(), is_staff=True)
        .only("pk")
        .first()
    )


def record_failed_password(credentials: dict) -> None:
    """Called by the account adapter when a password does not match."""
    user = _staff_by_email(credentials.get("email") or credentials.get("username"))
    if user is not None:
        _failed(user, "password")


def _failed(user, step: str) -> None:
    # Nobody is signed in yet: the system records it, about the account that was tried.
    record(
        FAILED,
        actor=SYSTEM,
        target=target_of(user),
        subject=f"user:{user.pk}",
        detail={"step": step},
    )


@receiver(user_logged_in, dispatch_uid="staff-sign-in-audit")
def _signed_in(sender, request, user, **kwargs):
    # allauth's signal, fired once its sign-in is complete (after the second factor); the back
    # office has no other way in (staff_login).
    if user.is_staff:
        record(
            SIGNED_IN,
            actor=actor_of(user),
            target=target_of(user),
            subject=actor_of(user),
            detail={"second_factor": has_second_factor(user)},
        )


@receiver(mfa_signals.authentication_failed, dispatch_uid="staff-second-factor-audit")
def _second_factor_failed(sender, request, user, authenticator, reauthentication, **kwargs):
    if user.is_staff:
        _failed(user, "reauthentication" if reauthentication else authenticator.type)
