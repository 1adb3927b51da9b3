"""Inline-SVG chart pieces shared by the portal's statistics page and the back office's
analytics dashboard: drawn on the server, no script and no inline style (the
Content-Security-Policy allows neither); colours come from CSS classes. Numbers are formatted
for the page's language here; SVG coordinates never are."""

from dataclasses import dataclass, field

from django.utils import formats

WIDTH = 720


def count_text(n: int) -> str:
    return formats.number_format(n, force_grouping=True)


def percent_text(part: int, whole: int) -> str:
    # Rounded here: number_format cuts off the digits beyond the first.
    return formats.number_format(round(100 * part / whole, 1), 1) + " %" if whole else "–"


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
