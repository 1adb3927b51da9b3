"""Reads of invitations to an organisation, by the token of their link. The portal's team pages
and the invitee's sign-up both find an invitation here."""

import hashlib

from .models import Invitation


def token_digest(token: str) -> str:
    """Invitations store only this digest of their token, so a database copy holds no link."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_sha256=token_digest(token))
        .first()
    )
