"""Erasure of a data subject's rows in every store (Art. 17, R-B3-6, R-F-16/17).

Invariants, for whoever changes this module:
- Rows are found through the register's adapters only; no model is named here.
- Nothing is erased that other people share: if any found row is shared (an organisation that
  still has other members), the whole request is refused before anything changes.
- A row an active legal hold keeps, directly or because a held row refers to it through a
  CASCADE, PROTECT or RESTRICT foreign key, is never deleted. It is minimised and restricted
  instead, and a DeferredErasure row makes the retention run delete it once no hold protects
  it any more.
- Everything happens in one transaction: an erasure is complete or it did not happen.
- The report says per store what was deleted and what was kept, why and until when; it holds
  counts, hold kinds and dates, never the data themselves.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from ..models import DeferredErasure, LegalHold, RetentionRun
from ..register import get_register
from .adapters import adapters
from .errors import ErrorCode, PrivacyRequestError
from .holds import HoldInfo, minimise, protection
from .subject import Subject

# The exception of Art. 17(3) GDPR that each kind of hold rests on.
ART_17_3 = {
    LegalHold.Kind.STATUTORY: "17(3)(b)",
    LegalHold.Kind.AUTHORITY_ORDER: "17(3)(b)",
    LegalHold.Kind.LITIGATION: "17(3)(e)",
}


@dataclass(frozen=True)
class KeptRecords:
    """Rows of one store kept for the same reason until the same moment."""

    count: int
    kind: str  # LegalHold.Kind
    article: str  # the exception of Art. 17(3)
    legal_basis: str  # what the hold names, e.g. "§ 257 Abs. 1 Nr. 4 HGB"
    until: datetime | None  # None: until the hold is released
    direct: bool  # False: kept because a held record depends on it


@dataclass(frozen=True)
class StoreErasure:
    store: str
    activity: str
    deleted: int
    kept: tuple[KeptRecords, ...]


@dataclass(frozen=True)
class ErasureReport:
    erased_at: datetime
    stores: tuple[StoreErasure, ...]

    @property
    def deleted(self) -> int:
        return sum(s.deleted for s in self.stores)

    @property
    def kept(self) -> list[tuple[str, KeptRecords]]:
        return [(s.store, k) for s in self.stores for k in s.kept]


def erase(subject: Subject, *, now: datetime | None = None) -> ErasureReport:
    """Delete the subject's rows in every store, keeping (minimised, restricted) what holds
    protect. Raises PrivacyRequestError(SHARED_DATA) and changes nothing if others share rows."""
    now = now or timezone.now()
    with transaction.atomic():
        # Find everything first: deleting a user takes the memberships that lead to the
        # organisations they own.
        found = [(a, list(a.find(subject).values_list("pk", flat=True))) for a in adapters()]
        shared = tuple(a.label for a, pks in found if a.shared_with_others(subject, pks))
        if shared:
            raise PrivacyRequestError(ErrorCode.SHARED_DATA, stores=shared)
        kept_by = protection(at=now)
        deleted: Counter[str] = Counter()
        kept: dict[str, list[HoldInfo]] = defaultdict(list)
        pending = []
        for adapter, pks in found:
            model = adapter.model
            protected = kept_by.pks(model)
            free = [pk for pk in pks if pk not in protected]
            keep = [pk for pk in pks if pk in protected]
            if free:
                pending.append(model._default_manager.filter(pk__in=free))
            if keep:
                minimise(model, adapter.store, model._default_manager.filter(pk__in=keep))
                content_type = ContentType.objects.get_for_model(model)
                DeferredErasure.objects.bulk_create(
                    [DeferredErasure(content_type=content_type, object_id=str(pk)) for pk in keep],
                    ignore_conflicts=True,
                )
                kept[adapter.label].extend(kept_by.info(model, pk) for pk in keep)
        deleted.update(_delete_all(pending))
    return ErasureReport(
        erased_at=now,
        stores=tuple(
            StoreErasure(
                store=a.label,
                activity=a.activity.id,
                deleted=deleted.get(a.label, 0),
                kept=_group(kept.get(a.label, [])),
            )
            for a, _pks in found
        ),
    )


def _delete_all(querysets: list[models.QuerySet]) -> Counter[str]:
    """Delete every queryset, children before the parents that PROTECT or RESTRICT them:
    a refused delete waits for the others and is tried again while any of them succeeds."""
    counts: Counter[str] = Counter()
    while querysets:
        refused = []
        for queryset in querysets:
            try:
                with transaction.atomic():
                    counts.update(queryset.delete()[1])
            except (ProtectedError, RestrictedError):
                refused.append(queryset)
        if len(refused) == len(querysets):
            # Nothing moved: a row outside the subject's data protects theirs.
            raise PrivacyRequestError(
                ErrorCode.SHARED_DATA, stores=tuple(q.model._meta.label for q in refused)
            )
        querysets = refused
    return counts


def _group(infos: list[HoldInfo]) -> tuple[KeptRecords, ...]:
    counts = Counter(infos)
    return tuple(
        KeptRecords(
            count=n,
            kind=info.kind,
            article=ART_17_3.get(info.kind, "17(3)(b)"),
            legal_basis=info.legal_basis,
            until=info.expires_at,
            direct=info.direct,
        )
        for info, n in counts.items()
    )


def erasure_blockers(subject: Subject) -> tuple[str, ...]:
    """The stores whose rows of the subject others still share, so erasure would be refused."""
    return tuple(
        a.label
        for a in adapters()
        if a.shared_with_others(subject, list(a.find(subject).values_list("pk", flat=True)))
    )


def account_erase(*, user, password: str, now: datetime | None = None) -> ErasureReport:
    """The subject deletes their own account, confirming with their password (R-B3-6)."""
    if not password or not user.check_password(password):
        raise PrivacyRequestError(ErrorCode.NOT_CONFIRMED)
    return erase(Subject.for_user(user), now=now)


def erasure_deferred_run(*, now: datetime, dry_run: bool) -> list[RetentionRun]:
    """Delete the records whose erasure a hold deferred, now that no hold protects them.

    One unsaved RetentionRun per store with deferred erasures; the caller records them.
    """
    kept_by = protection(at=now)
    runs: dict[str, RetentionRun] = {}
    for deferred in DeferredErasure.objects.select_related("content_type").order_by("pk"):
        model = deferred.content_type.model_class()
        if model is None:
            continue
        pk = model._meta.pk.to_python(deferred.object_id)
        rows = model._default_manager.filter(pk=pk)
        label = model._meta.label
        if label not in runs:
            runs[label] = _run(label, now=now, dry_run=dry_run)
        run = runs[label]
        if not rows.exists():
            if not dry_run:
                deferred.delete()
            continue
        run.due += 1
        if pk in kept_by.pks(model):
            run.held += 1
            continue
        if not dry_run:
            with transaction.atomic():
                rows.delete()
                deferred.delete()
            run.deleted += 1
    return list(runs.values())


def _run(label: str, *, now: datetime, dry_run: bool) -> RetentionRun:
    found = get_register().store_for(label)
    return RetentionRun(
        activity=found[0].id if found else "",
        store=label,
        action="erase",
        dry_run=dry_run,
        started_at=now,
    )
