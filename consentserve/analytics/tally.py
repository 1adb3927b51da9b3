"""From events to the daily roll-ups: visits, entries and exits without any identifier but
the visitor hash of the day.

A visit is a visitor's run of events without a gap of more than 30 minutes (the hash changes
at midnight UTC, so a visit never spans two days). Its first page view is the entry; an exit
event (the tracker's pagehide/visibilitychange signal) counts the page as the visit's exit
until the same visitor is seen again within the visit, which takes that exit back: the
visitor had only switched tabs or followed a link.

The same `Tally` serves the writer (a group of new events, after the last stored event of each
visitor) and the rebuild command (every stored event of a day in order), so both count alike."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

VISIT_GAP = timedelta(minutes=30)
# The dimensions of AnalyticsDaily besides "total" and "page", as AnalyticsEvent field names.
PER_VIEW = ("browser", "os", "device", "screen", "language")
DIMENSIONS = ("total", "page", "referrer", *PER_VIEW)
VIEWS, VISITS, VISITORS, EXITS = range(4)


@dataclass(frozen=True, slots=True)
class Seen:
    """What a visitor's previous event tells about the next one."""

    at: datetime
    kind: str
    path: str


@dataclass(frozen=True, slots=True)
class Event:
    installation_id: int
    created_at: datetime
    visitor: str
    kind: str
    path: str
    referrer: str = ""
    screen: str = ""
    language: str = ""
    browser: str = ""
    os: str = ""
    device: str = ""


class Tally:
    def __init__(self):
        # (installation, day, dimension, value) -> [views, visits, visitors, exits]
        self.counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.last: dict[tuple[int, str], Seen] = {}

    def add(self, event: Event) -> None:
        key = (event.installation_id, event.visitor)
        previous = self.last.get(key)
        day = event.created_at.date()
        within = previous is not None and event.created_at - previous.at <= VISIT_GAP
        if within and previous.kind == "exit":
            self._count(event.installation_id, day, "total", "", EXITS, -1)
            self._count(event.installation_id, day, "page", previous.path, EXITS, -1)
        if event.kind == "exit":
            self._count(event.installation_id, day, "total", "", EXITS, 1)
            self._count(event.installation_id, day, "page", event.path, EXITS, 1)
        else:
            self._view(event, day, new_visitor=previous is None, new_visit=not within)
        self.last[key] = Seen(event.created_at, event.kind, event.path)

    def _view(self, event: Event, day: date, *, new_visitor: bool, new_visit: bool) -> None:
        i = event.installation_id
        row = self.counts[(i, day, "total", "")]
        row[VIEWS] += 1
        row[VISITS] += new_visit
        row[VISITORS] += new_visitor
        row = self.counts[(i, day, "page", event.path)]
        row[VIEWS] += 1
        row[VISITS] += new_visit
        if new_visit:
            # Where visits come from: counted once per visit, "" for direct visits.
            row = self.counts[(i, day, "referrer", event.referrer)]
            row[VIEWS] += 1
            row[VISITS] += 1
        for dimension in PER_VIEW:
            row = self.counts[(i, day, dimension, getattr(event, dimension))]
            row[VIEWS] += 1
            row[VISITS] += new_visit
            row[VISITORS] += new_visitor

    def _count(self, installation_id, day, dimension, value, column, n) -> None:
        self.counts[(installation_id, day, dimension, value)][column] += n
