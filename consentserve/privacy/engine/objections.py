"""Objections (Art. 21, R-F-21).

An objection to direct marketing needs no reasons and is granted when it arrives: the matching
consents are withdrawn at once (Art. 21(2), (3)). An objection on grounds relating to the
subject's particular situation, against processing on legitimate interests (Art. 21(1)), waits
as pending until staff have weighed whether compelling grounds override it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Objection
from ..register import get_register
from .consents import consents_withdraw_direct_marketing, direct_marketing_activity
from .errors import ErrorCode, PrivacyRequestError
from .subject import Subject

DIRECT_MARKETING = "direct-marketing"  # the target of an objection under Art. 21(2)
# Recorded with a granted objection to direct marketing; stored text, so not translated.
DIRECT_MARKETING_GROUNDS = "Art. 21(3) GDPR: objection to direct marketing, granted on receipt"


@dataclass(frozen=True)
class ObjectionTarget:
    id: str  # an activity id, or DIRECT_MARKETING
    name: str
    reason_required: bool


def objection_targets(*, language: str) -> list[ObjectionTarget]:
    """What the subject can object to: direct marketing, and every activity whose register
    entry grants or assesses the right to object."""
    targets = []
    if direct_marketing_activity():
        targets.append(
            ObjectionTarget(
                DIRECT_MARKETING,
                _("Direct marketing, such as our newsletter and product news by e-mail"),
                reason_required=False,
            )
        )
    reg = get_register()
    for activity in reg.activities:
        if activity.rights["21"] in {"yes", "assess"}:
            name = reg.resolve(activity.name.get(language))
            targets.append(ObjectionTarget(activity.id, name, reason_required=True))
    return targets


def objection_lodge(
    *, user, target: str, reason: str = "", now: datetime | None = None
) -> Objection:
    now = now or timezone.now()
    reason = reason.strip()
    if target == DIRECT_MARKETING:
        activity = direct_marketing_activity()
        if activity is None:
            raise PrivacyRequestError(ErrorCode.UNKNOWN_ACTIVITY)
        with transaction.atomic():
            consents_withdraw_direct_marketing(Subject.for_user(user), now=now)
            return _save(
                Objection(
                    user=user,
                    activity=activity,
                    kind=Objection.Kind.DIRECT_MARKETING,
                    reason=reason,
                    received_at=now,
                    decision=Objection.Decision.GRANTED,
                    decided_at=now,
                    grounds=DIRECT_MARKETING_GROUNDS,
                )
            )
    try:
        activity = get_register().activity(target)
    except KeyError:
        raise PrivacyRequestError(ErrorCode.UNKNOWN_ACTIVITY) from None
    if activity.rights["21"] not in {"yes", "assess"}:
        raise PrivacyRequestError(ErrorCode.NO_OBJECTION_RIGHT)
    if not reason:
        raise PrivacyRequestError(ErrorCode.REASON_REQUIRED)
    with transaction.atomic():
        return _save(
            Objection(
                user=user,
                activity=activity.id,
                kind=Objection.Kind.PARTICULAR_SITUATION,
                reason=reason,
                received_at=now,
            )
        )


def objection_list(*, user) -> list[Objection]:
    return list(Objection.objects.filter(user=user))


def _save(objection: Objection) -> Objection:
    objection.full_clean()
    objection.save()
    return objection
