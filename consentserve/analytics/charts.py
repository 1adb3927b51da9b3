"""The dashboard's charts, inline SVG drawn on the server with the chart pieces shared with the
portal's statistics page (consentserve/core/charts.py, the bar chart of
consentserve/portal/statistics_charts.py): no script, no inline style."""

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from consentserve.core.charts import (
    WIDTH,
    Chart,
    Label,
    Rect,
    count_text,
    nice_max,
    percent_text,
)
from consentserve.core.charts import coordinate as _n
from consentserve.portal.statistics_charts import Bar, bar_chart, summary_text

from .selectors import Row


def _day(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def daily_chart(days: dict[date, Row]) -> Chart:
    """Page views per day as light bars, the day's visitors as dark bars in front of them."""
    left, right, top, bottom, height = 56, 8, 12, 34, 240
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak_day = max(days, key=lambda day: (days[day].views, -day.toordinal()))
    y_max = nice_max(days[peak_day].views)
    summary = _(
        "Page views per day from %(first)s to %(last)s: %(views)s in total, most on "
        "%(peak_day)s (%(peak)s); visitors per day: %(visitors)s in total."
    ) % {
        "first": _day(min(days)),
        "last": _day(max(days)),
        "views": count_text(sum(row.views for row in days.values())),
        "peak_day": _day(peak_day),
        "peak": count_text(days[peak_day].views),
        "visitors": count_text(sum(row.visitors for row in days.values())),
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
    for index, (day, row) in enumerate(days.items()):
        x = left + index * step
        for value, css, what in (
            (row.views, "stats-views", _("page views")),
            (row.visitors, "stats-visitors", _("visitors")),
        ):
            if value:
                h = plot_h * value / y_max
                chart.rects.append(
                    Rect(
                        _n(x + gap / 2),
                        _n(top + plot_h - h),
                        _n(step - gap),
                        _n(h),
                        css,
                        f"{_day(day)}: {count_text(value)} {what}",
                    )
                )
        if index % label_every == 0:
            chart.labels.append(Label(_n(x + step / 2), _n(height - 12), _day(day), "middle"))
    return chart


def bars(rows: list[Row], measure: str, total: int, labels: dict | None = None) -> list[Bar]:
    labels = labels or {}
    return [
        Bar(
            label=str(labels.get(row.value, row.value)) or "–",
            value=getattr(row, measure),
            value_text=count_text(getattr(row, measure)),
            share_text=percent_text(getattr(row, measure), total),
        )
        for row in rows
    ]


def top_chart(chart_id: str, title: str, items: list[Bar]) -> Chart | None:
    if not items:
        return None
    return bar_chart(chart_id, summary_text(title, items, rates=False), items, rates=False)
