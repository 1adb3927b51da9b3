"""Signing up from an invitation: which invitation a sign-up's `next` leads to, and where the
newcomer goes once the address is confirmed."""

from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .invitations import invitation_by_token
from .models import Invitation

# Session key: the page to return to after the e-mail address is confirmed.
AFTER_VERIFICATION = "accounts_after_verification"
INVITATION_URL_NAME = "portal:invitation-accept"


def safe_next(request, url: str | None) -> str | None:
    """`url` if it is a path of this site, else None (no open redirect)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def invitation_of_next(request) -> tuple[str | None, Invitation | None]:
    """(next, open invitation) when the sign-up's `next` is an invitation link that can still be
    accepted; (next, None) for any other `next`."""
    if request is None:
        return None, None
    url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if url is None:
        return None, None
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return url, None
    if match.view_name != INVITATION_URL_NAME:
        return url, None
    invitation = invitation_by_token(token=match.kwargs["token"])
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.expires_at <= timezone.now()
    ):
        return url, None
    return url, invitation
