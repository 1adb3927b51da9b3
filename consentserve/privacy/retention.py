"""The retention engine: applies every rule of the register (policy E, R-E-1…3).

Invariants, for whoever changes this module:
- Rules come only from the register; no model is named here.
- A row under an active legal hold is never deleted or anonymised. It is minimised instead
  (the store's `minimise_on_hold` fields are blanked) and flagged restricted where the model
  has that flag (Art. 18). Once the hold expires or is released, the next run deletes it.
- Work happens in bounded batches, each in its own transaction, so a run over millions of rows
  holds no long lock and needs little memory, and an interrupted run loses nothing but time.
- Every rule of every run leaves a RetentionRun row with its counts and duration, dry runs too.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .models import LegalHold, RetentionRun
from .register import Activity, Store, get_register


@dataclass(frozen=True)
class Rule:
    activity: Activity
    store: Store

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.store.model)

    def due(self, now: datetime) -> models.QuerySet:
        cutoff = (self.store.duration or self.activity.retention.duration).before(now)
        return self.model._default_manager.filter(
            **{f"{self.store.trigger}__lte": cutoff}, **self.store.filter
        )


def rules() -> list[Rule]:
    """Every store whose rows fall due by a date field (others are handled by their app)."""
    return [Rule(a, s) for a, s in get_register().stores() if s.trigger]


def _held_pks(model: type[models.Model], now: datetime) -> list:
    ids = LegalHold.objects.active(at=now).for_model(model).values_list("object_id", flat=True)
    pk = model._meta.pk
    return [pk.to_python(object_id) for object_id in ids]


def _blank(field: models.Field):
    return None if field.null else ""


def _apply(rule: Rule, *, now: datetime, dry_run: bool, batch_size: int) -> RetentionRun:
    started = time.perf_counter()
    model, store = rule.model, rule.store
    run = RetentionRun(
        activity=rule.activity.id,
        store=store.model,
        action=rule.activity.retention.action,
        dry_run=dry_run,
        started_at=now,
    )
    due = rule.due(now)
    held_pks = _held_pks(model, now)
    held = due.filter(pk__in=held_pks)
    free = due.exclude(pk__in=held_pks)
    if store.anonymise:
        free = free.exclude(**store.anonymise)  # already anonymised rows are done
    run.held = held.count()
    run.due = free.count() + run.held
    if not dry_run:
        done = 0
        while True:
            # The batch is a LIMITed subquery, so no list of keys travels through Python.
            batch = model._default_manager.filter(pk__in=free.values("pk")[:batch_size])
            with transaction.atomic():
                if store.anonymise:
                    changed = batch.update(**store.anonymise)
                else:
                    changed = batch.delete()[0]
            if not changed:
                break
            done += changed
        if store.anonymise:
            run.anonymised = done
        else:
            run.deleted = done
        run.minimised = _minimise(model, store, held)
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    return run


def _minimise(model: type[models.Model], store: Store, held: models.QuerySet) -> int:
    changes = {name: _blank(model._meta.get_field(name)) for name in store.minimise_on_hold}
    if any(f.name == "restricted" for f in model._meta.concrete_fields):
        changes["restricted"] = True
    if not changes:
        return 0
    with transaction.atomic():
        return held.update(**changes)


def retention_run(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int | None = None
) -> list[RetentionRun]:
    """Apply every rule once; returns the RetentionRun rows it recorded."""
    now = now or timezone.now()
    batch_size = batch_size or settings.CONSENTSERVE_RETENTION_BATCH
    run_id = uuid.uuid4()
    results = []
    for rule in rules():
        run = _apply(rule, now=now, dry_run=dry_run, batch_size=batch_size)
        run.run_id = run_id
        run.save()
        results.append(run)
    return results
