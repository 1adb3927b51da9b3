"""Statistics of an installation's consent decisions over a bounded period, read from the
roll-ups the collector's writer keeps per UTC day (collector/rollups.py), never from the
records: the counts stay when retention deletes the records. The period is at most MAX_DAYS."""

from datetime import date, timedelta

from django.db.models import Sum

from consentserve.collector.models import ACTIONS, ConsentDailyStat, ConsentOptInStat
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


def _opt_in(installation: Installation, first: date, last: date) -> dict[tuple, tuple]:
    """(kind, id) -> (decisions that offered it, those that granted it) over the period."""
    rows = (
        ConsentOptInStat.objects.filter(installation=installation, day__gte=first, day__lte=last)
        .values_list("kind", "item")
        .annotate(total=Sum("total"), granted=Sum("granted"))
        .order_by()
    )
    return {(kind, item): (total, granted) for kind, item, total, granted in rows}


def _rates(totals: dict[tuple, tuple], kind: str, ids: list[str]) -> list[dict]:
    rows = []
    for choice_id in ids:
        offered, opted_in = totals.get((kind, choice_id), (0, 0))
        rate = round(opted_in / offered, 4) if offered else None
        rows.append({"id": choice_id, "decisions": offered, "opted_in": opted_in, "rate": rate})
    return rows


def statistics(installation: Installation, *, first: date, last: date) -> dict:
    """Decisions per day (UTC) by action and opt-in rates per category and service for the
    days `first` to `last`, both included (at most MAX_DAYS)."""
    days = {
        first + timedelta(days=n): dict.fromkeys(ACTIONS, 0) for n in range((last - first).days + 1)
    }
    per_day = (
        ConsentDailyStat.objects.filter(installation=installation, day__gte=first, day__lte=last)
        .values("day")
        .annotate(**{action: Sum(action) for action in ACTIONS})
        .order_by()
    )
    for row in per_day:
        for action in ACTIONS:
            days[row["day"]][action] += row[action]
    actions = dict.fromkeys(ACTIONS, 0)
    for counts in days.values():
        for action, count in counts.items():
            actions[action] += count
    category_ids, service_ids = offered_ids(installation)
    opt_in = _opt_in(installation, first, last)
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
        "categories": _rates(opt_in, "category", category_ids),
        "services": _rates(opt_in, "service", service_ids),
    }
