"""Reads for the dashboard: only the daily roll-ups (AnalyticsDaily), never the events, so a
year of a busy site is a few thousand rows per dimension."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum

from .models import AnalyticsDaily

TOP = 20


@dataclass
class Row:
    value: str
    views: int = 0
    visits: int = 0
    visitors: int = 0
    exits: int = 0


@dataclass
class Report:
    first: date
    last: date
    views: int = 0
    visits: int = 0
    visitors: int = 0  # visitors of each day, added up: the hash changes every day
    exits: int = 0
    days: dict[date, Row] = field(default_factory=dict)
    pages: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    exit_pages: list[Row] = field(default_factory=list)
    referrers: list[Row] = field(default_factory=list)
    browsers: list[Row] = field(default_factory=list)
    systems: list[Row] = field(default_factory=list)
    devices: list[Row] = field(default_factory=list)
    screens: list[Row] = field(default_factory=list)
    languages: list[Row] = field(default_factory=list)


def _grouped(installation_id: int, first: date, last: date, dimension: str) -> list[Row]:
    """Every value of `dimension` in the period with its sums: one query per dimension."""
    rows = (
        AnalyticsDaily.objects.filter(
            installation_id=installation_id, dimension=dimension, day__range=(first, last)
        )
        .values("value")
        .annotate(
            views=Sum("views"), visits=Sum("visits"), visitors=Sum("visitors"), exits=Sum("exits")
        )
        .order_by()
    )
    return [Row(**row) for row in rows]


def _top(rows: list[Row], measure: str, top: int = TOP) -> list[Row]:
    ranked = sorted(
        (row for row in rows if getattr(row, measure) > 0),
        key=lambda row: (-getattr(row, measure), row.value),
    )
    return ranked[:top]


def report(installation_id: int, first: date, last: date) -> Report:
    """The period `first`…`last` (UTC days, both included) of one installation."""
    result = Report(first, last)
    days = {first + timedelta(days=n): None for n in range((last - first).days + 1)}
    result.days = {day: Row(day.isoformat()) for day in days}
    totals = AnalyticsDaily.objects.filter(
        installation_id=installation_id, dimension="total", day__range=(first, last)
    ).values_list("day", "views", "visits", "visitors", "exits")
    for day, views, visits, visitors, exits in totals:
        result.days[day] = Row(day.isoformat(), views, visits, visitors, exits)
        result.views += views
        result.visits += visits
        result.visitors += visitors
        result.exits += exits
    pages = _grouped(installation_id, first, last, "page")
    result.pages = _top(pages, "views")
    result.entries = _top(pages, "visits")
    result.exit_pages = _top(pages, "exits")
    referrers = _grouped(installation_id, first, last, "referrer")
    result.referrers = _top([row for row in referrers if row.value], "visits")
    for name, dimension in (
        ("browsers", "browser"),
        ("systems", "os"),
        ("devices", "device"),
        ("screens", "screen"),
        ("languages", "language"),
    ):
        setattr(result, name, _top(_grouped(installation_id, first, last, dimension), "views"))
    return result
