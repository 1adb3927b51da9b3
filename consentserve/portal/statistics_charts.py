"""The statistics page's charts, built from the shared pieces of core/charts.py (inline SVG, no
script, no inline style; colours from classes in portal.css). Each carries a text summary as
its accessible name; the page shows the same numbers in a table."""

from datetime import date

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.collector.models import ACTIONS
from consentserve.core.charts import (
    WIDTH,
    Bar,
    Chart,
    Label,
    Rect,
    Segment,
    coordinate,
    count_text,
    day_bars,
    day_text,
    percent_text,
)

ACTION_LABELS = {
    "accept_all": gettext_lazy("Accept all"),
    "reject_all": gettext_lazy("Reject all"),
    "custom": gettext_lazy("Custom selection"),
    "withdraw": gettext_lazy("Withdrawals"),
    "gpc": gettext_lazy("GPC signals"),
}

_n = coordinate


def daily_chart(days: dict[date, dict[str, int]], total: int) -> Chart:
    """Stacked bars per day, one colour per action."""
    totals = {day: sum(counts.values()) for day, counts in days.items()}
    peak_day = max(totals, key=lambda day: (totals[day], -day.toordinal()))
    summary = _(
        "Decisions per day from %(first)s to %(last)s, stacked by action: %(total)s in total, "
        "most on %(peak_day)s (%(peak)s)."
    ) % {
        "first": day_text(min(days)),
        "last": day_text(max(days)),
        "total": count_text(total),
        "peak_day": day_text(peak_day),
        "peak": count_text(totals[peak_day]),
    }
    segments = {
        day: [
            Segment(
                counts[action],
                f"stats-{action}",
                f"{day_text(day)}: {count_text(counts[action])} {ACTION_LABELS[action]}",
            )
            for action in ACTIONS
        ]
        for day, counts in days.items()
    }
    return day_bars("chart-daily", summary, segments, stacked=True)


def share_chart(actions: dict[str, int], total: int) -> Chart:
    """One bar of 100 %, a segment per action, labelled with its share where it fits."""
    height, bar_h = 56, 40
    parts = ", ".join(
        f"{ACTION_LABELS[action]} {percent_text(count, total)}" for action, count in actions.items()
    )
    chart = Chart(
        id="chart-shares",
        summary=_("Shares of the decisions: %(parts)s.") % {"parts": parts},
        height=height,
    )
    x = 0.0
    for action, count in actions.items():
        if not count:
            continue
        width = WIDTH * count / total
        title = f"{ACTION_LABELS[action]}: {count_text(count)} ({percent_text(count, total)})"
        chart.rects.append(Rect(_n(x), "8", _n(width), str(bar_h), f"stats-{action}", title))
        if width >= 64:
            chart.labels.append(
                Label(
                    _n(x + width / 2),
                    _n(8 + bar_h / 2 + 5),
                    percent_text(count, total),
                    "middle",
                    "stats-text stats-text-on-fill",
                )
            )
        x += width
    return chart


def opt_in_bars(rows: list[dict], labels: dict[str, str]) -> list[Bar]:
    return [
        Bar(
            label=labels.get(row["id"], row["id"]),
            value=row["opted_in"],
            of=row["decisions"],
            value_text=_("%(granted)s of %(offered)s")
            % {"granted": count_text(row["opted_in"]), "offered": count_text(row["decisions"])},
            share_text=percent_text(row["opted_in"], row["decisions"]),
        )
        for row in rows
    ]


def count_bars(counts: dict, labels: dict, total: int) -> list[Bar]:
    bars = []
    for key, by_action in counts.items():
        n = sum(by_action.values())
        bars.append(
            Bar(
                label=capfirst(str(labels.get(key, key))),
                value=n,
                value_text=count_text(n),
                share_text=percent_text(n, total),
            )
        )
    return bars
