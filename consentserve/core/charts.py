"""Inline-SVG chart pieces shared by the portal's statistics page and the back office's
analytics dashboard: drawn on the server, no script and no inline style (the
Content-Security-Policy allows neither); colours come from CSS classes. Numbers are formatted
for the page's language here; SVG coordinates never are."""

from dataclasses import dataclass, field
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

WIDTH = 720


def count_text(n: int) -> str:
    return formats.number_format(n, force_grouping=True)


def percent_text(part: int, whole: int) -> str:
    # Rounded here: number_format cuts off the digits beyond the first.
    return formats.number_format(round(100 * part / whole, 1), 1) + " %" if whole else "–"


def day_text(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def coordinate(value: float) -> str:
    """A coordinate for an SVG attribute: never localised."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (at least 1)."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


@dataclass
class Rect:
    x: str
    y: str
    width: str
    height: str
    css: str
    title: str = ""


@dataclass
class Label:
    x: str
    y: str
    text: str
    anchor: str = "start"
    css: str = "stats-text"


@dataclass
class Chart:
    """An SVG picture and its summary (its accessible name); pages show the same numbers in a
    table. Rendered by portal/statistics/_chart.html."""

    id: str
    summary: str
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)
    width: int = WIDTH


@dataclass(frozen=True)
class Segment:
    """One coloured part of a day's bar."""

    value: int
    css: str
    title: str  # the tooltip, e.g. "24.11.2026: 1.024 page views"


def day_bars(
    chart_id: str, summary: str, days: dict[date, list[Segment]], *, stacked: bool
) -> Chart:
    """A bar per day over a y axis of two or three ticks, a date under every few days. With
    `stacked` a day's segments sit on each other; without, each rises from the axis, the
    first drawn behind the next (a total behind its part)."""
    left, right, top, bottom, height = 56, 8, 12, 34, 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    _n = coordinate
    heights = [
        sum(s.value for s in segments) if stacked else max((s.value for s in segments), default=0)
        for segments in days.values()
    ]
    y_max = nice_max(max(heights, default=0))
    chart = Chart(id=chart_id, summary=summary, height=height)
    ticks = (0, y_max // 2, y_max) if y_max % 2 == 0 else (0, y_max)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / y_max
        chart.lines.append((_n(left), _n(y), _n(WIDTH - right), _n(y)))
        chart.labels.append(Label(_n(left - 6), _n(y + 4), count_text(tick), "end"))
    step = plot_w / max(len(days), 1)
    gap = step * 0.15 if step >= 4 else 0
    label_every = max(1, -(-len(days) // 6))
    for index, (day, segments) in enumerate(days.items()):
        x = left + index * step
        base: float = top + plot_h  # each stacked segment moves it up by a fraction
        for segment in segments:
            if not segment.value:
                continue
            h = plot_h * segment.value / y_max
            y = base - h
            if stacked:
                base = y
            chart.rects.append(
                Rect(_n(x + gap / 2), _n(y), _n(step - gap), _n(h), segment.css, segment.title)
            )
        if index % label_every == 0:
            chart.labels.append(Label(_n(x + step / 2), _n(height - 12), day_text(day), "middle"))
    return chart


@dataclass
class Bar:
    """One row of a bar chart: a count, or with `of` a rate (value of `of`)."""

    label: str
    value: int
    of: int | None = None  # for rates: how many it is a share of
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
    _n = coordinate
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


def summary_text(title: str, bars: list[Bar], *, rates: bool) -> str:
    """A bar chart's accessible name: its title and every bar's value."""
    if rates:
        parts = [
            f"{bar.label} {bar.share_text}" if bar.of else f"{bar.label} {_('not offered')}"
            for bar in bars
        ]
    else:
        parts = [f"{bar.label} {bar.value_text} ({bar.share_text})" for bar in bars]
    return f"{title}: {', '.join(parts)}."


def titled_bar_chart(chart_id: str, title: str, bars: list[Bar], *, rates: bool) -> Chart | None:
    """A bar chart named by its title and every bar's value; None without bars."""
    if not bars:
        return None
    return bar_chart(chart_id, summary_text(title, bars, rates=rates), bars, rates=rates)
