"""Optional consents the subject can withdraw with one action (Art. 7(3), R-B3-8).

Stores mark themselves as consent stores in the register (`consent: {purpose, withdrawn}`), so
new kinds of consent appear here without code.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .adapters import StoreAdapter, adapters
from .errors import ErrorCode, PrivacyRequestError
from .subject import Subject


@dataclass(frozen=True)
class ConsentEntry:
    store: str
    pk: str
    purpose: str  # in the active language
    withdrawn_at: datetime | None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


def _consent_adapters(*, direct_marketing: bool = False) -> list[StoreAdapter]:
    return [
        a
        for a in adapters()
        if a.store.consent and (a.store.consent.direct_marketing or not direct_marketing)
    ]


def consent_list(subject: Subject) -> list[ConsentEntry]:
    entries = []
    for adapter in _consent_adapters():
        spec = adapter.store.consent
        choices = dict(adapter.model._meta.get_field(spec.purpose).flatchoices)
        for obj in adapter.find(subject).order_by("pk"):
            purpose = getattr(obj, spec.purpose)
            entries.append(
                ConsentEntry(
                    store=adapter.label,
                    pk=str(obj.pk),
                    purpose=str(choices.get(purpose, purpose)),
                    withdrawn_at=getattr(obj, spec.withdrawn),
                )
            )
    return entries


def consent_withdraw(subject: Subject, *, store: str, pk: str, now: datetime | None = None) -> bool:
    """Withdraw one of the subject's consents; False if it was withdrawn already."""
    adapter = next((a for a in _consent_adapters() if a.label.lower() == store.lower()), None)
    if adapter is None:
        raise PrivacyRequestError(ErrorCode.NOT_FOUND)
    try:
        key = adapter.model._meta.pk.to_python(pk)
    except ValidationError:
        raise PrivacyRequestError(ErrorCode.NOT_FOUND) from None
    rows = adapter.find(subject).filter(pk=key)
    if not rows.exists():
        raise PrivacyRequestError(ErrorCode.NOT_FOUND)
    withdrawn = adapter.store.consent.withdrawn
    with transaction.atomic():
        changed = rows.filter(**{f"{withdrawn}__isnull": True}).update(
            **{withdrawn: now or timezone.now()}
        )
    return changed > 0


def consents_withdraw_direct_marketing(subject: Subject, *, now: datetime) -> int:
    """Withdraw every active consent to direct marketing (Art. 21(3))."""
    changed = 0
    for adapter in _consent_adapters(direct_marketing=True):
        withdrawn = adapter.store.consent.withdrawn
        changed += (
            adapter.find(subject)
            .filter(**{f"{withdrawn}__isnull": True})
            .update(**{withdrawn: now})
        )
    return changed


def direct_marketing_activity() -> str | None:
    """The activity whose consents an objection to direct marketing withdraws, if any."""
    found = _consent_adapters(direct_marketing=True)
    return found[0].activity.id if found else None
