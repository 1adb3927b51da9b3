"""The retention engine: applies every rule of the register (policy E, R-E-1…3).

Invariants, for whoever changes this module:
- Rules come only from the register; no model is named here.
- A row under an active legal hold is never deleted or anonymised, and neither is a row a held
  row depends on through a CASCADE foreign key (deleting it would delete the held row). Kept
  rows are minimised instead (the store's `minimise_on_hold` fields are blanked) and flagged
  restricted where the model has that flag (Art. 18). Once the hold expires or is released,
  the next run deletes them; so does it with records whose erasure a hold deferred.
- Work happens in bounded batches, each in its own transaction, so a run over millions of rows
  holds no long lock and needs little memory, and an interrupted run loses nothing but time.
- Every rule of every run leaves a RetentionRun row with its counts and duration, dry runs too.
- Where a model's manager offers partitions (consent records on PostgreSQL), a partition whose
  rows are all due and none held is dropped whole before the rows are deleted one by one.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.functions import Coalesce
from django.utils import timezone

from .engine.erasure import erasure_deferred_run
from .engine.holds import Protection, minimise, protection
from .models import RetentionRun
from .register import Activity, Duration, Store, get_register

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    activity: Activity
    store: Store

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.store.model)

    def cutoff(self, now: datetime, duration: Duration | None = None) -> datetime:
        """The latest trigger time that is due at `now` (after `duration`, by default the
        store's or the activity's period)."""
        duration = duration or self.store.duration or self.activity.retention.duration
        cutoff = duration.before(now)
        if self.activity.retention.counted_from == "end_of_year":
            # Due once the period has run from the end of the trigger's year: every trigger
            # before 1 January of the year the cutoff lies in (local time, as the law counts).
            local = timezone.localtime(cutoff)
            new_year = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
            cutoff = new_year - timedelta(microseconds=1)
        return cutoff

    def periods(self, now: datetime) -> list[tuple[models.Q, datetime]]:
        """Which rows are due up to which trigger time. With a period set per row
        (`duration_by`): one pair per number of years in use, one more for its rows whose
        consent ended at the trigger itself, and rows without years by the activity's period;
        otherwise one pair for every row."""
        by = self.store.duration_by
        if by is None:
            return [(models.Q(), self.cutoff(now))]
        relation, _, name = by.years.rpartition("__")
        target = _related_model(self.model, relation)
        values = target._default_manager.exclude(**{f"{name}__isnull": True})
        periods = [(models.Q(**{f"{by.years}__isnull": True}), self.cutoff(now))]
        for years in values.order_by().values_list(name, flat=True).distinct():
            rows = models.Q(**{by.years: years})
            periods.append((rows, self.cutoff(now, by.plus.plus_years(years))))
            if by.ended_at_trigger:
                ended = rows & models.Q(**by.ended_at_trigger)
                periods.append((ended, self.cutoff(now, Duration.parse(f"P{years}Y"))))
        return periods

    def condition(self, now: datetime) -> models.Q:
        """Rows of a plain trigger that are due at `now`, as a filter."""
        condition = models.Q(pk__in=[])
        for rows, cutoff in self.periods(now):
            condition |= rows & models.Q(**{f"{self.store.trigger}__lte": cutoff})
        return condition & models.Q(**self.store.filter)

    def due(self, now: datetime) -> models.QuerySet:
        manager = self.model._default_manager
        store = self.store
        if store.due_with:
            parent = _rule_for(self.model._meta.get_field(store.due_with).related_model)
            return manager.filter(**{f"{store.due_with}__in": parent.due(now).values("pk")})
        if not store.trigger_all:
            return manager.filter(self.condition(now))
        cutoff = self.cutoff(now)
        # Due once the trigger of every related row has passed (a user stays while any of
        # their organisations still has a contract); without any related row, due from the
        # first `orphaned_from` field that is set.
        prefix, relation, rest = split_to_many(self.model, store.trigger)
        related = relation.related_model._default_manager.filter(
            **{relation.field.name: models.OuterRef(prefix or "pk")}
        )
        # exclude() keeps related rows whose date is missing: a contract without an end.
        pending = related.exclude(**{f"{rest}__lte": cutoff})
        condition = models.Q(models.Exists(related)) & ~models.Q(models.Exists(pending))
        rows = manager.all()
        if store.orphaned_from:
            fields = store.orphaned_from
            since = Coalesce(*fields) if len(fields) > 1 else models.F(fields[0])
            rows = rows.alias(orphaned_since=since)
            condition |= ~models.Q(models.Exists(related)) & models.Q(orphaned_since__lte=cutoff)
        return rows.filter(condition, **store.filter)


def _related_model(model: type[models.Model], path: str) -> type[models.Model]:
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
    return model


def split_to_many(model: type[models.Model], path: str) -> tuple[str, models.Field, str]:
    """Split a lookup path at its first to-many relation: (path before it, the relation, the
    path after it). Raises LookupError when the path has none."""
    parts = path.split("__")
    current = model
    for index, part in enumerate(parts[:-1]):
        field = current._meta.get_field(part)
        if field.one_to_many:
            return "__".join(parts[:index]), field, "__".join(parts[index + 1 :])
        if not field.is_relation:
            break
        current = field.related_model
    raise LookupError(f"{model._meta.label}.{path} crosses no reverse foreign key")


def rules() -> list[Rule]:
    """Every store whose rows fall due by a date field or with another store's rows (others are
    handled by their app)."""
    return [Rule(a, s) for a, s in get_register().stores() if s.trigger or s.due_with]


def _rule_for(model: type[models.Model]) -> Rule:
    label = model._meta.label_lower
    return next(r for r in rules() if r.store.model.lower() == label)


def _apply(
    rule: Rule, *, now: datetime, dry_run: bool, batch_size: int, kept_by: Protection
) -> RetentionRun:
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
    held_pks = list(kept_by.pks(model))
    held = due.filter(pk__in=held_pks)
    free = due.exclude(pk__in=held_pks)
    if store.anonymise:
        free = free.exclude(**store.anonymise)  # already anonymised rows are done
    run.held = held.count()
    run.due = free.count() + run.held
    if not dry_run:
        done = _drop_partitions(rule, now=now, held_pks=held_pks)
        referenced: list = []  # rows that other records still need; kept, counted as held
        while True:
            # The batch is a LIMITed subquery, so no list of keys travels through Python.
            pending = free.exclude(pk__in=referenced) if referenced else free
            batch = model._default_manager.filter(pk__in=pending.values("pk")[:batch_size])
            if store.anonymise:
                with transaction.atomic():
                    changed, kept = batch.update(**store.anonymise), []
            else:
                changed, kept = _delete(model, batch)
                referenced += kept
            done += changed
            if not changed and not kept:
                break
        if referenced:
            logger.warning(
                "retention %s/%s: %d row(s) kept, still referenced by protected records",
                rule.activity.id,
                store.model,
                len(referenced),
            )
            run.held += len(referenced)
        if store.anonymise:
            run.anonymised = done
        else:
            run.deleted = done
        with transaction.atomic():
            run.minimised = minimise(model, store, held)
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    return run


def _drop_partitions(rule: Rule, *, now: datetime, held_pks: list) -> int:
    """Drop the partitions whose rows are all due and none held, where the model's manager
    offers them (consent records on PostgreSQL: collector/partitions.py); returns the rows
    they held. What remains is deleted row by row."""
    model, store = rule.model, rule.store
    manager = model._default_manager
    if (
        not hasattr(manager, "partitions")
        or store.trigger_all
        or store.due_with
        or store.anonymise
        or model._meta.related_objects  # a DROP would bypass on_delete
    ):
        return 0
    cutoffs = [cutoff for _, cutoff in rule.periods(now)]
    # Rows before the earliest cutoff are due whatever their own period; none after the latest.
    surely_due, maybe_due = min(cutoffs) + timedelta(microseconds=1), max(cutoffs)
    condition = rule.condition(now)
    dropped = 0
    for partition in manager.partitions():
        if partition.lower > maybe_due:
            break
        rows = manager.filter(
            **{f"{store.trigger}__gte": partition.lower, f"{store.trigger}__lt": partition.upper}
        )
        surely = partition.upper <= surely_due and not store.filter
        if not surely and rows.exclude(condition).exists():
            continue
        if held_pks and rows.filter(pk__in=held_pks).exists():
            continue
        count = rows.count()
        manager.partition_drop(partition)
        dropped += count
    return dropped


def _delete(model: type[models.Model], batch: models.QuerySet) -> tuple[int, list]:
    """Delete a batch; rows that a protected reference keeps (e.g. an installation whose
    published banner versions are evidence of consent) are left alone and returned."""
    try:
        with transaction.atomic():
            return batch.delete()[0], []
    except (ProtectedError, RestrictedError):
        pass
    deleted, kept = 0, []
    for pk in list(batch.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                deleted += model._default_manager.filter(pk=pk).delete()[0]
        except (ProtectedError, RestrictedError):
            kept.append(pk)
    return deleted, kept


# The dashboard's horizons in days: due now, within a week, a month, a quarter and a year.
FORECAST_DAYS = (0, 7, 30, 90, 365)


@dataclass(frozen=True)
class Forecast:
    """How many rows of one store fall due by each horizon (held rows included: a hold keeps
    them, but they are due)."""

    activity: str
    store: str
    action: str
    due_by: tuple[int, ...]  # one count per FORECAST_DAYS entry, cumulative


def retention_forecast(*, now: datetime | None = None) -> list[Forecast]:
    """What becomes due when, per rule; counted with the rules themselves, so the forecast
    cannot disagree with what a run will do."""
    now = now or timezone.now()
    forecasts = []
    for rule in rules():
        counts = []
        for days in FORECAST_DAYS:
            due = rule.due(now + timedelta(days=days))
            if rule.store.anonymise:
                due = due.exclude(**rule.store.anonymise)
            counts.append(due.count())
        forecasts.append(
            Forecast(
                rule.activity.id, rule.store.model, rule.activity.retention.action, tuple(counts)
            )
        )
    return forecasts


def retention_run(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int | None = None
) -> list[RetentionRun]:
    """Apply every rule once; returns the RetentionRun rows it recorded."""
    now = now or timezone.now()
    batch_size = batch_size or settings.CONSENTSERVE_RETENTION_BATCH
    run_id = uuid.uuid4()
    kept_by = protection(at=now)
    results = []
    for rule in rules():
        run = _apply(rule, now=now, dry_run=dry_run, batch_size=batch_size, kept_by=kept_by)
        run.run_id = run_id
        run.save()
        results.append(run)
    for run in erasure_deferred_run(now=now, dry_run=dry_run):
        run.run_id = run_id
        run.save()
        results.append(run)
    return results
