"""The statistics page's charts: inline SVG drawn on the server, no script and no inline style
(the Content-Security-Policy allows neither); colours come from classes in portal.css. Each
chart carries a text summary as its accessible name, and the page shows the same numbers in a
table. Numbers are formatted for the page's language here; SVG coordinates never are."""

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.collector.models import ACTIONS
from consentserve.core.charts import (
    WIDTH,
    Chart,
    Label,
    Rect,
    coordinate,
    count_text,
    nice_max,
    percent_text,
)

ACTION_LABELS = {
    "accept_all": gettext_lazy("Accept all"),
    "reject_all": gettext_lazy("Reject all"),
    "custom": gettext_lazy("Custom selection"),
    "withdraw": gettext_lazy("Withdrawals"),
    "gpc": gettext_lazy("GPC signals"),
}

# The generic pieces (numbers as text, coordinates, the chart's parts) are shared with the
# back office's analytics dashboard.
_n = coordinate
_nice_max = nice_max


def _day(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def daily_chart(days: dict[date, dict[str, int]], total: int) -> Chart:
    """Stacked bars per day, one colour per action, with a y axis of three ticks."""
    left, right, top, bottom, height = 48, 8, 12, 34, 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    totals = {day: sum(counts.values()) for day, counts in days.items()}
    peak_day = max(totals, key=lambda day: (totals[day], -day.toordinal()))
    y_max = _nice_max(totals[peak_day])
    summary = _(
        "Decisions per day from %(first)s to %(last)s, stacked by action: %(total)s in total, "
        "most on %(peak_day)s (%(peak)s)."
    ) % {
        "first": _day(min(days)),
        "last": _day(max(days)),
        "total": count_text(total),
        "peak_day": _day(peak_day),
        "peak": count_text(totals[peak_day]),
    }
    chart = Chart(id="chart-daily", summary=summary, height=height)
    ticks = (0, y_max // 2, y_max) if y_max % 2 == 0 else (0, y_max)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / y_max
        chart.lines.append((_n(left), _n(y), _n(WIDTH - right), _n(y)))
        chart.labels.append(Label(_n(left - 6), _n(y + 4), count_text(tick), "end"))
    step = plot_w / len(days)
    gap = step * 0.15 if step >= 4 else 0
    label_every = max(1, -(-len(days) // 6))
    for index, (day, counts) in enumerate(days.items()):
        x = left + index * step
        y = top + plot_h
        for action in ACTIONS:
            if not counts[action]:
                continue
            h = plot_h * counts[action] / y_max
            y -= h
            title = f"{_day(day)}: {count_text(counts[action])} {ACTION_LABELS[action]}"
            chart.rects.append(
                Rect(_n(x + gap / 2), _n(y), _n(step - gap), _n(h), f"stats-{action}", title)
            )
        if index % label_every == 0:
            chart.labels.append(Label(_n(x + step / 2), _n(height - 12), _day(day), "middle"))
    return chart


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


@dataclass
class Bar:
    """One row of a horizontal bar chart and of its table."""

    label: str
    value: int  # what the bar shows: a count, or the number granted
    of: int | None = None  # for rates: the decisions that offered it
    value_text: str = ""
    share_text: str = ""

    @property
    def count_text(self) -> str:
        return count_text(self.value)

    @property
    def of_text(self) -> str:
        return count_text(self.of or 0)


def bar_chart(chart_id: str, summary: str, bars: list[Bar], *, rates: bool) -> Chart:
    """A label above each bar, the value after it; rates run from 0 to 100 %, counts from 0
    to the largest count."""
    row_h, label_w = 44, 200
    plot_w = WIDTH - label_w
    chart = Chart(id=chart_id, summary=summary, height=row_h * len(bars) + 4)
    largest = max((bar.value for bar in bars), default=0) or 1
    for index, bar in enumerate(bars):
        y = index * row_h
        label = bar.label if len(bar.label) <= 60 else bar.label[:59] + "…"
        chart.labels.append(Label("0", _n(y + 14), label))
        if rates:
            fraction = bar.value / bar.of if bar.of else 0
            text = f"{bar.share_text} ({bar.value_text})" if bar.of else _("not offered")
        else:
            fraction = bar.value / largest
            text = f"{bar.value_text} ({bar.share_text})"
        width = plot_w * fraction
        # The scale behind the bar, so 0 % and 100 % are visible as such.
        if rates:
            chart.rects.append(Rect("0", _n(y + 20), _n(plot_w), "16", "stats-track"))
        if width:
            chart.rects.append(Rect("0", _n(y + 20), _n(width), "16", "stats-bar"))
        chart.labels.append(Label(_n(plot_w + 8), _n(y + 33), text))
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


def summary_text(title: str, bars: list[Bar], *, rates: bool) -> str:
    if rates:
        parts = [
            f"{bar.label} {bar.share_text}" if bar.of else f"{bar.label} {_('not offered')}"
            for bar in bars
        ]
    else:
        parts = [f"{bar.label} {bar.value_text} ({bar.share_text})" for bar in bars]
    return f"{title}: {', '.join(parts)}."
