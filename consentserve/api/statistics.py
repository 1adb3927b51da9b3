"""Statistics of an installation's consent records over a bounded period, with aggregate
queries over the records themselves.

Roll-ups maintained by the collector's writer do not exist yet; once they do, these numbers
will be read from them (same answer, without touching the records), and the period bound of
366 days keeps the aggregate queries affordable until then."""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import TruncDate

from consentserve.collector.models import ACTIONS, ConsentRecord
from consentserve.installations.models import Installation

MAX_DAYS = 366


def offered_ids(installation: Installation) -> tuple[list[str], list[str]]:
    """Category and service IDs of every published version, newest version's order first."""
    categories: dict[str, None] = {}
    services: dict[str, None] = {}
    for config in installation.versions.order_by("-number").values_list("config", flat=True):
        for category in config.get("categories") or ():
            categories.setdefault(str(category.get("id")), None)
        for service in config.get("services") or ():
            services.setdefault(str(service.get("id")), None)
    return list(categories), list(services)


def _opt_in(records, group: str, ids: list[str], prefix: str) -> list[dict]:
    """One query: for each ID, the decisions that offered it and those that said yes."""
    if not ids:
        return []
    aliases, aggregates = {}, {}
    for n, choice_id in enumerate(ids):
        # An alias per ID, not a lookup path: an ID may contain "__".
        aliases[f"{prefix}{n}"] = KeyTransform(choice_id, KeyTransform(group, "choices"))
        offered = Q(**{f"choices__{group}__has_key": choice_id})
        aggregates[f"{prefix}{n}_offered"] = Count("pk", filter=offered)
        aggregates[f"{prefix}{n}_in"] = Count("pk", filter=Q(**{f"{prefix}{n}": True}))
    totals = records.alias(**aliases).aggregate(**aggregates)
    rows = []
    for n, choice_id in enumerate(ids):
        offered, opted_in = totals[f"{prefix}{n}_offered"], totals[f"{prefix}{n}_in"]
        rate = round(opted_in / offered, 4) if offered else None
        rows.append({"id": choice_id, "decisions": offered, "opted_in": opted_in, "rate": rate})
    return rows


def statistics(installation: Installation, *, first: date, last: date) -> dict:
    """Decisions per day (UTC) by action and opt-in rates per category and service for the
    days `first` to `last`, both included (at most MAX_DAYS)."""
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    records = ConsentRecord.objects.filter(
        installation=installation, created_at__gte=start, created_at__lt=end
    ).order_by()
    days = {
        first + timedelta(days=n): dict.fromkeys(ACTIONS, 0) for n in range((last - first).days + 1)
    }
    per_day = (
        records.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values_list("day", "action")
        .annotate(count=Count("pk"))
    )
    for day, action, count in per_day:
        if day in days and action in days[day]:
            days[day][action] += count
    actions = dict.fromkeys(ACTIONS, 0)
    for counts in days.values():
        for action, count in counts.items():
            actions[action] += count
    category_ids, service_ids = offered_ids(installation)
    return {
        "from": first,
        "to": last,
        "timezone": "UTC",
        "total": sum(actions.values()),
        "actions": actions,
        "days": [
            {"day": day, "total": sum(counts.values()), "actions": counts}
            for day, counts in days.items()
        ],
        "categories": _opt_in(records, "categories", category_ids, "c"),
        "services": _opt_in(records, "services", service_ids, "s"),
    }
