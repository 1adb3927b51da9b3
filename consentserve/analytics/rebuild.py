"""Recompute the roll-ups from the stored events, day by day, with the writer's own `Tally`.

Only days whose events are all still there are rebuilt: days after the retention cutoff's day
(register activity first-party-analytics). Older days keep their counts, which are all that is
left of them."""

from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from consentserve.privacy.register import get_register

from .models import AnalyticsDaily, AnalyticsEvent
from .tally import Event, Tally
from .writer import rollups_add

ACTIVITY = "first-party-analytics"
_FIELDS = Event.__slots__


def complete_after(now: datetime | None = None) -> date:
    """The last day whose events retention may have deleted in part."""
    now = now or datetime.now(UTC)
    store = next(
        s for s in get_register().activity(ACTIVITY).stores if s.model == "analytics.AnalyticsEvent"
    )
    duration = store.duration or get_register().activity(ACTIVITY).retention.duration
    return duration.before(now).astimezone(UTC).date()


def tally_of_day(day: date, installation_id: int | None = None, batch_size: int = 5000) -> Tally:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    events = AnalyticsEvent.objects.filter(
        created_at__gte=start, created_at__lt=start + timedelta(days=1)
    )
    if installation_id is not None:
        events = events.filter(installation_id=installation_id)
    tally = Tally()
    rows = events.order_by("installation_id", "visitor", "created_at", "id").values_list(*_FIELDS)
    for values in rows.iterator(chunk_size=batch_size):
        tally.add(Event(*values))
    return tally


def rollups_rebuild(*, now: datetime | None = None, check: bool = False) -> tuple[int, int]:
    """Rebuild (or with `check`, only compare) every complete day that has events. Returns
    (days, days that differed from the stored counts)."""
    after = complete_after(now)
    days = [
        d.date() if isinstance(d, datetime) else d
        for d in AnalyticsEvent.objects.dates("created_at", "day")
    ]
    days = [d for d in days if d > after]
    differed = 0
    for day in days:
        with transaction.atomic():
            tally = tally_of_day(day)
            fresh = {key: counts for key, counts in tally.counts.items() if any(counts)}
            stored = {
                (r.installation_id, r.day, r.dimension, r.value): [
                    r.views,
                    r.visits,
                    r.visitors,
                    r.exits,
                ]
                for r in AnalyticsDaily.objects.filter(day=day)
                if any((r.views, r.visits, r.visitors, r.exits))
            }
            if fresh != stored:
                differed += 1
                if not check:
                    AnalyticsDaily.objects.filter(day=day).delete()
                    rollups_add(tally)
    return len(days), differed
