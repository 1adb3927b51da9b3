"""Statistics roll-ups: counts per UTC day that the writer adds to in the transaction of the
records, so statistics never read the records and a rolled-back group leaves no count.

A group is aggregated in Python first: one upsert per distinct key (`ON CONFLICT … DO UPDATE
SET n = n + excluded.n`, SQLite ≥ 3.24 and PostgreSQL), on the writer's raw cursor."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime

from django.db import connection, transaction

from .models import ACTIONS, ConsentDailyStat, ConsentOptInStat, ConsentRecord, DeviceClass

# OS families (ua-parser) by device class. Families do not tell a tablet from a phone (an iPad
# reports iOS, an Android tablet Android), so phones and tablets both count as mobile unless
# the browser family names a tablet.
_DESKTOP_OS = {
    "Windows",
    "Mac OS X",
    "Linux",
    "Ubuntu",
    "Debian",
    "Fedora",
    "Chrome OS",
    "FreeBSD",
    "OpenBSD",
    "NetBSD",
    "Solaris",
}
_MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Tizen", "HarmonyOS"}
_TABLET_BROWSERS = {"Amazon Silk", "Silk"}

DAILY_COUNTERS = ("decisions", *ACTIONS)
OPT_IN_KINDS = (("categories", "category"), ("services", "service"))


def device_class(browser: str, os: str) -> str:
    if browser in _TABLET_BROWSERS:
        return DeviceClass.TABLET
    if os in _MOBILE_OS:
        return DeviceClass.MOBILE
    if os in _DESKTOP_OS:
        return DeviceClass.DESKTOP
    return DeviceClass.OTHER


def utc_day(moment: datetime) -> date:
    if moment.tzinfo is UTC:  # what the collector makes: no conversion needed
        return moment.date()
    return moment.astimezone(UTC).date()


def _choice_items(choices: dict) -> tuple[tuple, ...]:
    """The choices of a record as ((kind, ((id, granted), …)), …), hashable."""
    return tuple((kind, tuple((choices.get(group) or {}).items())) for group, kind in OPT_IN_KINDS)


class Totals:
    """Counts of a set of records, keyed like the two roll-up tables."""

    def __init__(self):
        # (installation, day, version, language, device) -> Counter of DAILY_COUNTERS
        self.daily: dict[tuple, Counter] = defaultdict(Counter)
        # (installation, day, kind, item) -> [granted, total]
        self.opt_in: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, installation_id, version_id, action, choices, language, browser, os, created):
        self.count(
            installation_id,
            utc_day(created),
            version_id,
            action,
            _choice_items(choices),
            language,
            device_class(browser, os),
        )

    def count(self, installation_id, day, version_id, action, choice_items, language, device, n=1):
        """Add `n` records that agree in all of these."""
        counts = self.daily[(installation_id, day, version_id, language, device)]
        counts["decisions"] += n
        counts[action] += n
        for kind, items in choice_items:
            for item, granted in items:
                pair = self.opt_in[(installation_id, day, kind, item)]
                if granted is True:
                    pair[0] += n
                pair[1] += n


# --- the writer's side -------------------------------------------------------------------


def _upsert_sql(model, key: tuple[str, ...], counters: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = (*key, *counters)
    mark = "%s" if vendor == "postgresql" else "?"
    updates = ", ".join(
        f"{quote(c)} = {quote(model._meta.db_table)}.{quote(c)} + excluded.{quote(c)}"
        for c in counters
    )
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(mark for _ in columns)}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {updates}"
    )


_DAILY_KEY = ("installation_id", "day", "version_id", "language", "device")
_OPT_IN_KEY = ("installation_id", "day", "kind", "item")


class RollupWriter:
    """Adds a group's stored rows to the roll-ups on the caller's open transaction."""

    def __init__(self, vendor: str):
        self.daily_sql = _upsert_sql(ConsentDailyStat, _DAILY_KEY, DAILY_COUNTERS, vendor)
        self.opt_in_sql = _upsert_sql(ConsentOptInStat, _OPT_IN_KEY, ("granted", "total"), vendor)

    def add(self, cursor, rows: list[tuple], columns: tuple[str, ...]) -> None:
        installation, version, action, choices, language, browser, os, created = (
            columns.index(name) for name in _RECORD_COLUMNS
        )
        # The records of a group mostly agree in everything counted (a few actions, choices
        # and browsers): count the distinct combinations first, then add each once.
        same = Counter(
            (
                row[installation],
                utc_day(row[created]),
                row[version],
                row[action],
                _choice_items(row[choices]),
                row[language],
                row[browser],
                row[os],
            )
            for row in rows
        )
        totals = Totals()
        for (i, day, v, act, items, lang, br, system), n in same.items():
            totals.count(i, day, v, act, items, lang, device_class(br, system), n)
        adapt = connection.ops.adapt_datefield_value
        # In key order, so that writers of several processes lock shared rows in one order.
        cursor.executemany(
            self.daily_sql,
            [
                (i, adapt(d), v, lang, dev, *(c[n] for n in DAILY_COUNTERS))
                for (i, d, v, lang, dev), c in sorted(totals.daily.items())
            ],
        )
        if totals.opt_in:
            cursor.executemany(
                self.opt_in_sql,
                [
                    (i, adapt(d), k, item, g, t)
                    for (i, d, k, item), (g, t) in sorted(totals.opt_in.items())
                ],
            )


_RECORD_COLUMNS = (
    "installation_id",
    "version_id",
    "action",
    "choices",
    "language",
    "browser",
    "os",
    "created_at",
)


def rollups_add(records: list) -> None:
    """Count records stored outside the writer (a withdrawal on the visitor's page), in the
    caller's transaction, so records and counts still commit together."""
    rows = [tuple(getattr(record, name) for name in _RECORD_COLUMNS) for record in records]
    with connection.cursor() as cursor:
        RollupWriter(connection.vendor).add(cursor, rows, _RECORD_COLUMNS)


# --- the rebuild ---------------------------------------------------------------------------


def totals_from_records(installation_id: int, *, batch_size: int = 2000) -> Totals:
    """Aggregate an installation's records, reading them in batches by primary key."""
    totals = Totals()
    fields = ("pk", "version_id", "action", "choices", "language", "browser", "os", "created_at")
    records = ConsentRecord.objects.filter(installation_id=installation_id).order_by("pk")
    last = 0
    while True:
        batch = list(records.filter(pk__gt=last).values_list(*fields)[:batch_size])
        if not batch:
            return totals
        for pk, version_id, action, choices, language, browser, os, created in batch:
            totals.add(installation_id, version_id, action, choices, language, browser, os, created)
            last = pk


def totals_stored(installation_id: int) -> Totals:
    """What the roll-up tables hold for an installation, as Totals."""
    totals = Totals()
    for row in ConsentDailyStat.objects.filter(installation_id=installation_id).values():
        key = tuple(row[k] for k in _DAILY_KEY)
        totals.daily[key] = Counter({n: row[n] for n in DAILY_COUNTERS if row[n]})
    for row in ConsentOptInStat.objects.filter(installation_id=installation_id).values():
        totals.opt_in[tuple(row[k] for k in _OPT_IN_KEY)] = [row["granted"], row["total"]]
    return totals


def rollups_rebuild(installation_id: int, *, batch_size: int = 2000) -> tuple[int, int]:
    """Replace an installation's roll-ups of the days that still have records by counts from
    those records; days without records (retention deleted them) keep their counts. Returns
    the number of daily and opt-in rows written."""
    totals = totals_from_records(installation_id, batch_size=batch_size)
    days = {key[1] for key in totals.daily}
    with transaction.atomic():
        ConsentDailyStat.objects.filter(installation_id=installation_id, day__in=days).delete()
        ConsentOptInStat.objects.filter(installation_id=installation_id, day__in=days).delete()
        daily = [
            ConsentDailyStat(
                installation_id=i,
                day=d,
                version_id=v,
                language=lang,
                device=dev,
                **{n: counts[n] for n in DAILY_COUNTERS},
            )
            for (i, d, v, lang, dev), counts in totals.daily.items()
        ]
        opt_in = [
            ConsentOptInStat(installation_id=i, day=d, kind=k, item=item, granted=g, total=t)
            for (i, d, k, item), (g, t) in totals.opt_in.items()
        ]
        ConsentDailyStat.objects.bulk_create(daily, batch_size=batch_size)
        ConsentOptInStat.objects.bulk_create(opt_in, batch_size=batch_size)
    return len(daily), len(opt_in)
