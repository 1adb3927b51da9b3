"""Placing and releasing legal holds (R-E-3, R-B3-4).

A statutory hold keeps a record until its period has run from the end of the calendar year in
which the document was created, sent or received (§ 257(5) HGB, § 147(4) AO); the periods come
from the register's `statutory_periods`. Litigation holds and authority orders name their reason
and, where known, their end. Every placement and release is recorded in the audit log; once a
hold has ended, the next retention run deletes what it kept.
"""

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from consentserve.audit.chain import actor_of, record, target_of

from .models import LegalHold
from .register import get_register


def held_object_ids(model, pks) -> set[str]:
    """The primary keys (as strings) among `pks` of `model` rows under an active legal hold."""
    return set(
        LegalHold.objects.active()
        .for_model(model)
        .filter(object_id__in=[str(pk) for pk in pks])
        .values_list("object_id", flat=True)
    )


def statutory_expiry(document_date: date, period_id: str) -> datetime:
    """The moment a statutory period ends: the period counted from 1 January after the year of
    `document_date`, at midnight German time (an invoice of 2026 with 8 years: 1 Jan 2035)."""
    period = get_register().statutory_period(period_id).period
    new_year = datetime(document_date.year + 1, 1, 1, tzinfo=timezone.get_default_timezone())
    return period.after(new_year)


def hold_statutory(
    obj: models.Model, *, period_id: str, document_date: date, actor=None, note: str = ""
) -> LegalHold:
    """Hold `obj` for the statutory period `period_id` of the register."""
    period = get_register().statutory_period(period_id)
    reason = note or period.records.de
    return _place(
        obj,
        kind=LegalHold.Kind.STATUTORY,
        reason=reason,
        legal_basis=period.law.de,
        expires_at=statutory_expiry(document_date, period_id),
        actor=actor,
    )


def hold_place(
    obj: models.Model,
    *,
    kind: str,
    reason: str,
    legal_basis: str = "",
    expires_at: datetime | None = None,
    actor=None,
) -> LegalHold:
    """A litigation hold or an authority order on `obj` (statutory holds: hold_statutory)."""
    if kind not in (LegalHold.Kind.LITIGATION, LegalHold.Kind.AUTHORITY_ORDER):
        raise ValueError("use hold_statutory for statutory holds")
    if not reason.strip():
        raise ValueError("a hold needs its reason")
    return _place(
        obj, kind=kind, reason=reason, legal_basis=legal_basis, expires_at=expires_at, actor=actor
    )


def hold_refusal(model: type[models.Model], *, kind: str, expires_at=None) -> str:
    """Why a hold of `kind` on a row of `model` may not be placed ("undisclosed", "no-end"), or
    "" when it may.

    A hold keeps data beyond the retention the policy states, so only the kinds of hold the
    policy discloses for the row's activity (its `hold_types`) may be placed (R-B1-6: keeping the
    access log beyond its 7 days is off until the policy says so). An authority order names its
    end: the order's scope is the one row, its end is when the row goes."""
    label = model._meta.label.lower()
    activities = [a for a, store in get_register().stores() if store.model.lower() == label]
    if activities and not any(kind in a.hold_types for a in activities):
        return "undisclosed"
    if kind == LegalHold.Kind.AUTHORITY_ORDER and expires_at is None:
        return "no-end"
    return ""


def _place(obj, *, kind, reason, legal_basis, expires_at, actor) -> LegalHold:
    refusal = hold_refusal(type(obj), kind=kind, expires_at=expires_at)
    if refusal:
        raise ValueError(f"{refusal}: a {kind} hold on {type(obj)._meta.label}")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            kind=kind,
            reason=reason,
            legal_basis=legal_basis,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            expires_at=expires_at,
            created_by=actor,
        )
        record(
            "privacy.hold_place",
            actor=actor_of(actor),
            target=target_of(obj),
            detail={"hold": hold.pk, "kind": kind},
        )
    return hold


def hold_release(hold: LegalHold, *, actor, now: datetime | None = None) -> LegalHold:
    """End a hold now; the next retention run deletes what only it kept."""
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is None:
            hold.released_at = now or timezone.now()
            hold.save(update_fields=["released_at"])
            record(
                "privacy.hold_release",
                actor=actor_of(actor),
                target=f"{hold.content_type.app_label}.{hold.content_type.model}:{hold.object_id}",
                detail={"hold": hold.pk, "kind": hold.kind},
            )
    return hold
