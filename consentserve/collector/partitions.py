"""Monthly partitions of the consent records on PostgreSQL, so that retention drops a whole
month at once instead of deleting its rows one by one (DESIGN, docs/adr/0006).

The table is partitioned by RANGE (created_at): one partition per UTC month, named
`<table>_pYYYYMM`, and a DEFAULT partition that takes the rows of a month without its own
partition, so an insert never fails for want of one. A unique index of a partitioned table must
contain the partition key, which would defeat the duplicate check; the check (installation,
consent ID, client time) is therefore a unique index on each partition. A record resent across
the turn of a month is stored twice: harmless for proof.

Partitions are created ahead (MONTHS_AHEAD beyond the current month) by the migration that
partitions the table, after every `migrate` and daily by the worker. A partition created for a
month that already has rows in the DEFAULT partition takes them over. On SQLite nothing here
does anything: the table is a plain table there.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from consentserve.core import months

log = logging.getLogger(__name__)

TABLE = "collector_consentrecord"
MONTHS_AHEAD = 2
# The duplicate check of ConsentRecord's `collector_record_once`, per partition.
UNIQUE_COLUMNS = ("installation_id", "consent_id", "client_time")
_NAME = re.compile(r"_p(\d{4})(\d{2})$")


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime  # first moment of the month (UTC), included
    upper: datetime  # first moment of the next month, excluded


def month_start(moment: datetime | date) -> date:
    """The first day of the month of `moment`, a UTC month for a time."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return months.month_start(moment)


def _bounds(month: date) -> tuple[datetime, datetime]:
    following = months.month_next(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=UTC),
        datetime(following.year, following.month, 1, tzinfo=UTC),
    )


def is_partitioned(table: str = TABLE, using: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def partition_list(table: str = TABLE, using: str = DEFAULT_DB_ALIAS) -> list[Partition]:
    """The month partitions of `table`, oldest first (not the DEFAULT partition)."""
    if not is_partitioned(table, using):
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [table],
        )
        names = [name for (name,) in cursor.fetchall()]
    partitions = []
    for name in names:
        match = _NAME.search(name)
        if match and name == _partition_name(table, date(int(match[1]), int(match[2]), 1)):
            lower, upper = _bounds(date(int(match[1]), int(match[2]), 1))
            partitions.append(Partition(name, lower, upper))
    return sorted(partitions, key=lambda p: p.lower)


def _partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _unique_index_sql(quote, partition: str) -> str:
    columns = ", ".join(quote(c) for c in UNIQUE_COLUMNS)
    index = quote(f"{partition}_once")
    return f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {quote(partition)} ({columns})"


def _settle_deferred_checks(connection) -> None:
    """PostgreSQL refuses to alter or drop a table with deferred foreign-key checks still
    pending from rows written earlier in the same transaction; run them now."""
    connection.check_constraints()


def partition_create(month: date, table: str = TABLE, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Create the partition of `month` unless it exists, taking over the rows of that month
    from the DEFAULT partition; True when it was created."""
    connection = connections[using]
    name = _partition_name(table, month)
    if any(p.name == name for p in partition_list(table, using)):
        return False
    quote = connection.ops.quote_name
    lower, upper = _bounds(month)
    default = quote(f"{table}_default")
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _settle_deferred_checks(connection)
        # Built beside the table and attached, so that the rows of this month waiting in the
        # DEFAULT partition move in the same transaction (attaching checks DEFAULT holds none).
        cursor.execute(
            f"CREATE TABLE {quote(name)} "
            f"(LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} "  # noqa: S608 - names are quoted constants
            f"WHERE created_at >= %s AND created_at < %s RETURNING *) "
            f"INSERT INTO {quote(name)} SELECT * FROM moved",
            [lower, upper],
        )
        cursor.execute(
            f"ALTER TABLE {quote(table)} ATTACH PARTITION {quote(name)} "
            "FOR VALUES FROM (%s) TO (%s)",
            [lower, upper],
        )
        cursor.execute(_unique_index_sql(quote, name))
    return True


def partitions_ensure(
    now: datetime | None = None, table: str = TABLE, using: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """Partitions for the current month and MONTHS_AHEAD after it, and for every month that
    has rows waiting in the DEFAULT partition; returns the names created."""
    if not is_partitioned(table, using):
        return []
    wanted = [month_start(now or timezone.now())]
    for _ in range(MONTHS_AHEAD):
        wanted.append(months.month_next(wanted[-1]))
    connection = connections[using]
    with connection.cursor() as cursor:
        default = connection.ops.quote_name(f"{table}_default")
        cursor.execute(
            "SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date "  # noqa: S608
            f"FROM {default}"
        )
        wanted += [month for (month,) in cursor.fetchall()]
    created = [
        _partition_name(table, month)
        for month in sorted(set(wanted))
        if partition_create(month, table, using)
    ]
    if created:
        log.info("consent records: partitions %s created", ", ".join(created))
    return created


def partition_drop(partition: Partition, table: str = TABLE, using: str = DEFAULT_DB_ALIAS):
    if partition not in partition_list(table, using):
        raise ValueError(f"{partition.name} is no partition of {table}")
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _settle_deferred_checks(connection)
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(partition.name)}")
    log.info("consent records: partition %s dropped", partition.name)


def table_partition(schema_editor) -> None:
    """Turn the plain table into a partitioned one, rows and ids kept (the migration's step;
    run once, does nothing on SQLite or when already done)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or is_partitioned(TABLE, connection.alias):
        return
    quote = connection.ops.quote_name
    old, new = quote(f"{TABLE}_unpartitioned"), quote(TABLE)
    run = schema_editor.execute
    run(f"ALTER TABLE {new} RENAME TO {old}")
    # Constraint and index names are global per schema: free them for the new table.
    pkey, old_pkey = quote(f"{TABLE}_pkey"), quote(f"{TABLE}_old_pkey")
    run(f"ALTER TABLE {old} RENAME CONSTRAINT {pkey} TO {old_pkey}")
    run(f"ALTER TABLE {old} RENAME CONSTRAINT collector_record_once TO collector_record_once_old")
    run("ALTER INDEX collector_inst_created RENAME TO collector_inst_created_old")
    run(
        f"CREATE TABLE {new} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        "PARTITION BY RANGE (created_at)"
    )
    run(f"ALTER TABLE {new} ADD PRIMARY KEY (id, created_at)")
    for column, target in (
        ("installation_id", "installations_installation"),
        ("version_id", "installations_publishedversion"),
    ):
        run(
            f"ALTER TABLE {new} ADD CONSTRAINT {quote(f'{TABLE}_{column}_fk')} "
            f"FOREIGN KEY ({column}) REFERENCES {quote(target)} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
    run(f"CREATE INDEX collector_inst_created ON {new} (installation_id, created_at)")
    default = f"{TABLE}_default"
    run(f"CREATE TABLE {quote(default)} PARTITION OF {new} DEFAULT")
    run(_unique_index_sql(quote, default))
    # A partitioned table cannot have an identity column (before PostgreSQL 17): a sequence
    # owned by the column, so that Django's sequence resets find it, continuing the old ids.
    sequence = f"{TABLE}_id_seq"
    run(f"ALTER SEQUENCE {quote(sequence)} RENAME TO {quote(TABLE + '_old_id_seq')}")
    run(f"CREATE SEQUENCE {quote(sequence)} OWNED BY {new}.id")
    run(f"ALTER TABLE {new} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    run(f"INSERT INTO {new} SELECT * FROM {old}")  # noqa: S608 - quoted constants
    run(f"SELECT setval('{sequence}', COALESCE(MAX(id), 0) + 1, false) FROM {new}")  # noqa: S608
    run(f"DROP TABLE {old}")
    partitions_ensure(using=connection.alias)


class PartitionedManager(models.Manager):
    """The manager of a table that PostgreSQL partitions by month: the retention engine asks
    it for whole partitions it may drop (privacy/retention.py)."""

    def partitions(self) -> list[Partition]:
        return partition_list(self.model._meta.db_table, self.db)

    def partition_drop(self, partition: Partition) -> None:
        partition_drop(partition, self.model._meta.db_table, self.db)
