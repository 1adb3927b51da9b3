"""Writes of API keys. Each service checks the acting user's role itself (owners and admins,
the same role that manages installations), so a view that forgets the check hands out nothing."""

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consentserve.accounts.models import Membership, Organisation, User
from consentserve.accounts.roles import Action, may

from .keys import secret_digest, secret_new, secret_prefix
from .models import ApiKey

logger = logging.getLogger(__name__)

# Keys read everything of the organisation's installations, so they are managed by those who
# manage the installations.
MANAGE_KEYS = Action.MANAGE_INSTALLATIONS
NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class IssuedKey:
    """The stored key and its secret, which exists only here and on the page shown once."""

    api_key: ApiKey
    secret: str


def _check_role(organisation: Organisation, user: User) -> None:
    membership = Membership.objects.filter(organisation=organisation, user=user).first()
    if membership is None or not may(membership, MANAGE_KEYS):
        raise PermissionDenied(MANAGE_KEYS.value)


def api_key_create(*, organisation: Organisation, name: str, created_by: User) -> IssuedKey:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Please give the key a name.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("At most %(count)s characters, please.") % {"count": NAME_MAX_LENGTH}}
        )
    secret = secret_new()
    with transaction.atomic():
        _check_role(organisation, created_by)
        api_key = ApiKey.objects.create(
            organisation=organisation,
            name=name,
            prefix=secret_prefix(secret),
            secret_sha256=secret_digest(secret),
            created_by=created_by,
        )
    logger.info("organisation %s: API key %s created", organisation.pk, api_key.pk)
    return IssuedKey(api_key=api_key, secret=secret)


def api_key_revoke(*, api_key: ApiKey, revoked_by: User) -> ApiKey:
    """Revoke at once; the row stays 30 days so the list shows what happened (register)."""
    with transaction.atomic():
        _check_role(api_key.organisation, revoked_by)
        if api_key.revoked_at is None:
            api_key.revoked_at = timezone.now()
            api_key.save(update_fields=["revoked_at"])
    logger.info("organisation %s: API key %s revoked", api_key.organisation_id, api_key.pk)
    return api_key
