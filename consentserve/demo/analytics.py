"""Demo page views for an installation, so the dashboards show a lived-in site (demo_data).

Visits are made up directly as events with a random visitor hash each (as if each came on its
own day's salt) and counted into the roll-ups with the writer's `Tally`, in time order per
visitor, exactly as the rebuild command would count them."""

import random
import secrets
from datetime import UTC, datetime, timedelta

from consentserve.analytics.models import AnalyticsEvent
from consentserve.analytics.tally import Event, Tally
from consentserve.analytics.writer import rollups_add

REFERRERS = ["", "", "", "www.google.com", "www.bing.com", "duckduckgo.com", "www.linkedin.com"]
SYSTEMS = [
    ("Chrome", "Windows", "desktop"),
    ("Firefox", "Linux", "desktop"),
    ("Safari", "Mac OS X", "desktop"),
    ("Edge", "Windows", "desktop"),
    ("Mobile Safari", "iOS", "mobile"),
    ("Chrome Mobile", "Android", "mobile"),
    ("Samsung Internet", "Android", "tablet"),
]
SCREENS = {"desktop": ["l", "xl", "m"], "mobile": ["s"], "tablet": ["m"]}


def demo_events_create(
    installation, paths: list[str], *, days: int = 60, per_day: int = 40, seed: int = 3
) -> int:
    """`days` days of visits to `paths` (the first is the usual entry), unless the installation
    already has events. Returns the number of events now stored for it."""
    existing = AnalyticsEvent.objects.filter(installation=installation)
    if existing.exists():
        return existing.count()
    rng = random.Random(seed)  # the same demo every time
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    events: list[Event] = []
    for days_ago in range(days, 0, -1):
        day = today - timedelta(days=days_ago)
        weekday_bonus = per_day // 3 if day.weekday() < 5 else 0
        for _ in range(rng.randint(per_day // 2, per_day) + weekday_bonus):
            events += _visit(rng, installation.pk, day, paths)
    events.sort(key=lambda e: (e.visitor, e.created_at))
    tally = Tally()
    for event in events:
        tally.add(event)
    AnalyticsEvent.objects.bulk_create(
        [AnalyticsEvent(**{f: getattr(e, f) for f in Event.__slots__}) for e in events],
        batch_size=2000,
    )
    rollups_add(tally)
    return len(events)


def _visit(rng: random.Random, installation_id: int, day: datetime, paths: list[str]):
    browser, os, device = rng.choice(SYSTEMS)
    visitor = secrets.token_hex(8)
    at = day + timedelta(seconds=rng.randint(6 * 3600, 22 * 3600))
    common = {
        "installation_id": installation_id,
        "visitor": visitor,
        "screen": rng.choice(SCREENS[device]),
        "language": rng.choices(["de", "en"], [4, 1])[0],
        "browser": browser,
        "os": os,
        "device": device,
    }
    path = paths[0] if rng.random() < 0.6 else rng.choice(paths)
    referrer = rng.choice(REFERRERS)
    views = []
    for _ in range(rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
        views.append(Event(created_at=at, kind="pageview", path=path, referrer=referrer, **common))
        at += timedelta(seconds=rng.randint(15, 300))
        path, referrer = rng.choice(paths), ""
    views.append(Event(created_at=at, kind="exit", path=views[-1].path, **common))
    return views
