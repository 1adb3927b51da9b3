"""Statistics of an installation's consent decisions over a bounded period, read only from the
roll-ups the writer keeps per UTC day (rollups.py), never from the records: the counts stay
when retention deletes the records. The API's statistics and the portal's statistics page both
read through this module, so each number is computed one way.

A period is `first` to `last`, both included, at most MAX_DAYS. Decisions can be narrowed by
language, device class and version number; opt-in rates cannot, because ConsentOptInStat is
kept per day and category or service only."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum

from .models import ACTIONS, ConsentDailyStat, ConsentOptInStat


@dataclass(frozen=True)
class Narrowing:
    """Which decisions to count; None counts all."""

    language: str | None = None
    device: str | None = None
    version: int | None = None  # the published version's number

    def __bool__(self) -> bool:
        return any(value is not None for value in (self.language, self.device, self.version))


EVERYTHING = Narrowing()


def _daily(installation, first: date, last: date, narrowing: Narrowing) -> QuerySet:
    rows = ConsentDailyStat.objects.filter(installation=installation, day__gte=first, day__lte=last)
    if narrowing.language is not None:
        rows = rows.filter(language=narrowing.language)
    if narrowing.device is not None:
        rows = rows.filter(device=narrowing.device)
    if narrowing.version is not None:
        rows = rows.filter(version__number=narrowing.version)
    return rows


def per_day(
    installation, first: date, last: date, narrowing: Narrowing = EVERYTHING
) -> dict[date, dict[str, int]]:
    """Every day of the period (days without decisions too) -> counts by action."""
    days = {
        first + timedelta(days=n): dict.fromkeys(ACTIONS, 0) for n in range((last - first).days + 1)
    }
    rows = (
        _daily(installation, first, last, narrowing)
        .values("day")
        .annotate(**{action: Sum(action) for action in ACTIONS})
        .order_by()
    )
    for row in rows:
        for action in ACTIONS:
            days[row["day"]][action] += row[action]
    return days


def action_totals(days: dict[date, dict[str, int]]) -> dict[str, int]:
    """Counts by action over the days of `per_day`."""
    actions = dict.fromkeys(ACTIONS, 0)
    for counts in days.values():
        for action, count in counts.items():
            actions[action] += count
    return actions


BREAKDOWNS = {"language": "language", "device": "device", "version": "version__number"}


def breakdown(
    installation, first: date, last: date, by: str, narrowing: Narrowing = EVERYTHING
) -> dict:
    """Decisions by language, device class or version number (`by`), most first:
    value -> counts by action."""
    field = BREAKDOWNS[by]
    rows = (
        _daily(installation, first, last, narrowing)
        .values(field)
        .annotate(**{action: Sum(action) for action in ACTIONS})
        .order_by()
    )
    counts = {row[field]: {action: row[action] for action in ACTIONS} for row in rows}
    return dict(sorted(counts.items(), key=lambda item: (-sum(item[1].values()), str(item[0]))))


def offered_ids(installation) -> tuple[list[str], list[str]]:
    """Category and service IDs of every published version, newest version's order first."""
    categories: dict[str, None] = {}
    services: dict[str, None] = {}
    for config in installation.versions.order_by("-number").values_list("config", flat=True):
        for category in config.get("categories") or ():
            categories.setdefault(str(category.get("id")), None)
        for service in config.get("services") or ():
            services.setdefault(str(service.get("id")), None)
    return list(categories), list(services)


def _opt_in(installation, first: date, last: date) -> dict[tuple, tuple]:
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


def opt_in_rates(installation, first: date, last: date) -> tuple[list[dict], list[dict]]:
    """Per category and per service of any published version: the decisions that offered it,
    those that granted it, and the rate (None when none offered it)."""
    category_ids, service_ids = offered_ids(installation)
    totals = _opt_in(installation, first, last)
    return _rates(totals, "category", category_ids), _rates(totals, "service", service_ids)


def statistics(installation, *, first: date, last: date) -> dict:
    """Decisions per day (UTC) by action and opt-in rates per category and service for the
    days `first` to `last`, both included (at most MAX_DAYS): the API's document."""
    days = per_day(installation, first, last)
    actions = action_totals(days)
    categories, services = opt_in_rates(installation, first, last)
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
        "categories": categories,
        "services": services,
    }
