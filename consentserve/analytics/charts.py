"""The dashboard's charts, inline SVG drawn on the server with the chart pieces shared with the
portal's statistics page (consentserve/core/charts.py): no script, no inline style."""

from datetime import date

from django.utils.translation import gettext as _

from consentserve.core.charts import (
    Bar,
    Chart,
    Segment,
    count_text,
    day_bars,
    day_text,
    percent_text,
    titled_bar_chart,
)

from .selectors import Row


def daily_chart(days: dict[date, Row]) -> Chart:
    """Page views per day as light bars, the day's visitors as dark bars in front of them."""
    peak_day = max(days, key=lambda day: (days[day].views, -day.toordinal()))
    summary = _(
        "Page views per day from %(first)s to %(last)s: %(views)s in total, most on "
        "%(peak_day)s (%(peak)s); visitors per day: %(visitors)s in total."
    ) % {
        "first": day_text(min(days)),
        "last": day_text(max(days)),
        "views": count_text(sum(row.views for row in days.values())),
        "peak_day": day_text(peak_day),
        "peak": count_text(days[peak_day].views),
        "visitors": count_text(sum(row.visitors for row in days.values())),
    }
    segments = {
        day: [
            Segment(
                row.views,
                "stats-views",
                f"{day_text(day)}: {count_text(row.views)} " + _("page views"),
            ),
            Segment(
                row.visitors,
                "stats-visitors",
                f"{day_text(day)}: {count_text(row.visitors)} " + _("visitors"),
            ),
        ]
        for day, row in days.items()
    }
    return day_bars("chart-daily", summary, segments, stacked=False)


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
    return titled_bar_chart(chart_id, title, items, rates=False)
