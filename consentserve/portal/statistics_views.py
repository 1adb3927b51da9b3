"""The statistics page of one installation: totals and charts of its visitors' decisions over a
period, and the numbers per day as CSV.

Everything is read from the collector's roll-ups through `collector.statistics` (the API reads
the same), never from the consent records, which retention deletes. The charts are inline SVG
drawn here on the server: no script, no inline style (the Content-Security-Policy allows
neither); colours come from classes in portal.css. Each chart has a text summary as its
accessible name and the same numbers in a table.

Scoping as in consent_views: `organisation_view` for the organisation and role, `object_for`
for the installation, so another customer's installation is 404. Everyone may read (VIEW)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from consentserve.collector import statistics as stats
from consentserve.collector.exports import safe_cell
from consentserve.collector.models import ACTIONS, DeviceClass
from consentserve.installations.config import LANGUAGES
from consentserve.installations.models import Installation

from .consent_forms import LANGUAGE_NAMES, DateInput
from .scoping import Action, object_for, organisation_view, page_context

TEMPLATES = "portal/statistics/"
PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
ACTION_LABELS = {
    "accept_all": gettext_lazy("Accept all"),
    "reject_all": gettext_lazy("Reject all"),
    "custom": gettext_lazy("Custom selection"),
    "withdraw": gettext_lazy("Withdrawals"),
    "gpc": gettext_lazy("GPC signals"),
}
DEVICE_LABELS = dict(DeviceClass.choices)


# --- the filter -------------------------------------------------------------------------------


def today() -> date:
    """Days are UTC days, like the roll-ups'."""
    return datetime.now(tz=UTC).date()


class StatisticsFilterForm(forms.Form):
    """A preset (`period`: the last 7, 30 or 90 days up to today) or the dates of a custom
    period, and what to narrow the decisions to. Without either, the last 30 days."""

    period = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "")] + [(str(days), str(days)) for days in PRESETS],
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("all"))] + [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    device = forms.ChoiceField(
        label=gettext_lazy("Device class"),
        required=False,
        choices=[("", gettext_lazy("all"))] + list(DeviceClass.choices),
    )
    version = forms.TypedChoiceField(
        label=gettext_lazy("Version"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, versions=(), initial=None):
        """`versions`: the numbers of the installation's published versions."""
        super().__init__(data, initial=initial)
        self.fields["version"].choices = [("", _("all"))] + [
            (str(number), _("Version %(number)s") % {"number": number}) for number in versions
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if self.errors:
            return data
        if data.get("period") and (start or end):
            raise forms.ValidationError(
                _("Choose either one of the preset periods or your own dates, not both.")
            )
        if start and not end:
            self.add_error("date_to", _("Please give the end of the period too."))
        elif end and not start:
            self.add_error("date_from", _("Please give the start of the period too."))
        elif start and end and start > end:
            self.add_error("date_to", _("The end must not be before the start."))
        elif start and end and not stats.period_valid(start, end):
            self.add_error(
                "date_to",
                _("A period may be at most %(days)s days long.") % {"days": stats.MAX_DAYS},
            )
        return data

    def period_dates(self) -> tuple[date, date]:
        data = self.cleaned_data if self.is_bound else {}
        if data.get("date_from") and data.get("date_to"):
            return data["date_from"], data["date_to"]
        last = today()
        return last - timedelta(days=(data.get("period") or DEFAULT_DAYS) - 1), last

    def narrowing(self) -> stats.Narrowing:
        data = self.cleaned_data if self.is_bound else {}
        return stats.Narrowing(
            language=data.get("language") or None,
            device=data.get("device") or None,
            version=data.get("version"),
        )

    def narrowing_query(self) -> dict:
        """The narrowing filters given, for links that keep them (presets, CSV)."""
        if not self.is_bound:
            return {}
        names = ("language", "device", "version")
        return {name: self.data[name] for name in names if self.data.get(name)}


def _errors_text(form) -> str:
    problems = [" ".join(form.non_field_errors())] if form.non_field_errors() else []
    problems += [
        f"{form.fields[name].label}: {' '.join(messages)}"
        for name, messages in form.errors.items()
        if name in form.fields
    ]
    return "; ".join(problems)


# --- numbers as text --------------------------------------------------------------------------


def _count(n: int) -> str:
    return formats.number_format(n, force_grouping=True)


def _percent(part: int, whole: int) -> str:
    # Rounded here: number_format cuts off the digits beyond the first.
    return formats.number_format(round(100 * part / whole, 1), 1) + " %" if whole else "–"


def _day(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _n(value: float) -> str:
    """A coordinate for an SVG attribute: never localised."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (at least 1)."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


# --- charts -----------------------------------------------------------------------------------

WIDTH = 720


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
    """An SVG picture and its summary; `rows` are the table of the same numbers."""

    id: str
    summary: str
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)
    width: int = WIDTH


def _daily_chart(days: dict[date, dict[str, int]], total: int) -> Chart:
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
        "total": _count(total),
        "peak_day": _day(peak_day),
        "peak": _count(totals[peak_day]),
    }
    chart = Chart(id="chart-daily", summary=summary, height=height)
    ticks = (0, y_max // 2, y_max) if y_max % 2 == 0 else (0, y_max)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / y_max
        chart.lines.append((_n(left), _n(y), _n(WIDTH - right), _n(y)))
        chart.labels.append(Label(_n(left - 6), _n(y + 4), _count(tick), "end"))
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
            title = f"{_day(day)}: {_count(counts[action])} {ACTION_LABELS[action]}"
            chart.rects.append(
                Rect(_n(x + gap / 2), _n(y), _n(step - gap), _n(h), f"stats-{action}", title)
            )
        if index % label_every == 0:
            chart.labels.append(Label(_n(x + step / 2), _n(height - 12), _day(day), "middle"))
    return chart


def _share_chart(actions: dict[str, int], total: int) -> Chart:
    """One bar of 100 %, a segment per action, labelled with its share where it fits."""
    height, bar_h = 56, 40
    parts = ", ".join(
        f"{ACTION_LABELS[action]} {_percent(count, total)}" for action, count in actions.items()
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
        title = f"{ACTION_LABELS[action]}: {_count(count)} ({_percent(count, total)})"
        chart.rects.append(Rect(_n(x), "8", _n(width), str(bar_h), f"stats-{action}", title))
        if width >= 64:
            chart.labels.append(
                Label(
                    _n(x + width / 2),
                    _n(8 + bar_h / 2 + 5),
                    _percent(count, total),
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
        return _count(self.value)

    @property
    def of_text(self) -> str:
        return _count(self.of or 0)


def _bar_chart(chart_id: str, summary: str, bars: list[Bar], *, rates: bool) -> Chart:
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


def _opt_in_bars(rows: list[dict], labels: dict[str, str]) -> list[Bar]:
    return [
        Bar(
            label=labels.get(row["id"], row["id"]),
            value=row["opted_in"],
            of=row["decisions"],
            value_text=_("%(granted)s of %(offered)s")
            % {"granted": _count(row["opted_in"]), "offered": _count(row["decisions"])},
            share_text=_percent(row["opted_in"], row["decisions"]),
        )
        for row in rows
    ]


def _count_bars(counts: dict, labels: dict, total: int) -> list[Bar]:
    bars = []
    for key, by_action in counts.items():
        n = sum(by_action.values())
        bars.append(
            Bar(
                label=capfirst(str(labels.get(key, key))),
                value=n,
                value_text=_count(n),
                share_text=_percent(n, total),
            )
        )
    return bars


def _summary(title: str, bars: list[Bar], *, rates: bool) -> str:
    if rates:
        parts = [
            f"{bar.label} {bar.share_text}" if bar.of else f"{bar.label} {_('not offered')}"
            for bar in bars
        ]
    else:
        parts = [f"{bar.label} {bar.value_text} ({bar.share_text})" for bar in bars]
    return f"{title}: {', '.join(parts)}."


def _offered_labels(installation: Installation) -> tuple[dict[str, str], dict[str, str]]:
    """Names of categories and services in the page's language, the newest version's first."""
    lang = (get_language() or "en")[:2]
    categories: dict[str, str] = {}
    services: dict[str, str] = {}
    for config in installation.versions.order_by("-number").values_list("config", flat=True):
        for category in config.get("categories") or ():
            label = category.get("label") or {}
            name = label.get(lang) or label.get("en") or str(category.get("id"))
            categories.setdefault(str(category.get("id")), name)
        for service in config.get("services") or ():
            services.setdefault(str(service.get("id")), service.get("name") or service.get("id"))
    return categories, services


# --- views ------------------------------------------------------------------------------------


def _installation(membership, installation_id) -> Installation:
    return object_for(
        Installation.objects.filter(organisation=membership.organisation),
        organisation=membership.organisation,
        pk=installation_id,
    )


def _versions(installation) -> list[int]:
    return list(installation.versions.order_by("number").values_list("number", flat=True))


def _form(request, installation) -> StatisticsFilterForm:
    return StatisticsFilterForm(request.GET or None, versions=_versions(installation))


def _shown_form(form, installation, first: date, last: date) -> StatisticsFilterForm:
    """The filter as shown above valid results: the dates of the period shown (a preset's too),
    so changing them starts from there, and the narrowing chosen."""
    narrowing = form.narrowing()
    initial = {
        "date_from": first,
        "date_to": last,
        "language": narrowing.language or "",
        "device": narrowing.device or "",
        "version": narrowing.version or "",
    }
    return StatisticsFilterForm(versions=_versions(installation), initial=initial)


@dataclass
class Preset:
    days: int
    url: str
    current: bool


def _presets(form, first: date, last: date) -> list[Preset]:
    keep = form.narrowing_query()
    return [
        Preset(
            days,
            "?" + urlencode({"period": days} | keep),
            last == today() and (last - first).days + 1 == days,
        )
        for days in PRESETS
    ]


@organisation_view(Action.VIEW)
def installation_statistics(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = _form(request, installation)
    context = page_context(request, membership) | {
        "section": "installations",
        "installation": installation,
        "form": form,
    }
    if form.is_bound and not form.is_valid():
        return render(request, TEMPLATES + "page.html", context, status=400)
    first, last = form.period_dates()
    narrowing = form.narrowing()
    days = stats.per_day(installation, first, last, narrowing)
    actions = stats.action_totals(days)
    total = sum(actions.values())
    csv_query = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    context |= {
        "first": first,
        "last": last,
        "day_count": len(days),
        "presets": _presets(form, first, last),
        "narrowed": bool(narrowing),
        "total": total,
        "total_text": _count(total),
        "csv_query": "?" + urlencode(csv_query | form.narrowing_query()),
        "form": _shown_form(form, installation, first, last),
    }
    if not total:
        return render(request, TEMPLATES + "page.html", context)
    category_labels, service_labels = _offered_labels(installation)
    categories, services = stats.opt_in_rates(installation, first, last)
    category_bars = _opt_in_bars(categories, category_labels)
    service_bars = _opt_in_bars(services, service_labels)
    language_bars = _count_bars(
        stats.breakdown(installation, first, last, "language", narrowing), LANGUAGE_NAMES, total
    )
    device_bars = _count_bars(
        stats.breakdown(installation, first, last, "device", narrowing), DEVICE_LABELS, total
    )
    context |= {
        "totals": [
            {
                "action": action,
                "label": ACTION_LABELS[action],
                "count": _count(count),
                "share": _percent(count, total),
            }
            for action, count in actions.items()
        ],
        "days": [
            {
                "day": day,
                "total": _count(sum(counts.values())),
                "counts": [_count(counts[action]) for action in ACTIONS],
            }
            for day, counts in days.items()
        ],
        "action_labels": [ACTION_LABELS[action] for action in ACTIONS],
        "daily_chart": _daily_chart(days, total),
        "share_chart": _share_chart(actions, total),
        "category_bars": category_bars,
        "category_chart": _bar_chart(
            "chart-categories",
            _summary(_("Opt-in rate per category"), category_bars, rates=True),
            category_bars,
            rates=True,
        ),
        "service_bars": service_bars,
        "service_chart": _bar_chart(
            "chart-services",
            _summary(_("Opt-in rate per service"), service_bars, rates=True),
            service_bars,
            rates=True,
        )
        if service_bars
        else None,
        "language_bars": language_bars,
        "language_chart": _bar_chart(
            "chart-languages",
            _summary(_("Decisions by language"), language_bars, rates=False),
            language_bars,
            rates=False,
        ),
        "device_bars": device_bars,
        "device_chart": _bar_chart(
            "chart-devices",
            _summary(_("Decisions by device class"), device_bars, rates=False),
            device_bars,
            rates=False,
        ),
    }
    return render(request, TEMPLATES + "page.html", context)


CSV_COLUMNS = ("day", "decisions", *ACTIONS)


@organisation_view(Action.VIEW)
def installation_statistics_csv(request, membership, installation_id):
    """The decisions per day (UTC) of the period and filters, by action."""
    installation = _installation(membership, installation_id)
    form = _form(request, installation)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("The filters are not valid: %(errors)s") % {"errors": _errors_text(form)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    first, last = form.period_dates()
    days = stats.per_day(installation, first, last, form.narrowing())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day, counts in days.items():
        cells = [day.isoformat(), sum(counts.values()), *(counts[a] for a in ACTIONS)]
        writer.writerow([safe_cell(c) if isinstance(c, str) else c for c in cells])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"consent-statistics-{installation.public_key}-{first}-{last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
