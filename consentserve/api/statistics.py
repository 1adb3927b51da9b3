"""Statistics of an installation's consent decisions over a bounded period, read from the
roll-ups the collector's writer keeps per UTC day (collector/rollups.py), never from the
records: the counts stay when retention deletes the records. The period is at most MAX_DAYS.

The queries live in collector/statistics.py, which the portal's statistics page reads too, so
the API and the portal compute each number the same way."""

from consentserve.collector.statistics import MAX_DAYS, offered_ids, statistics

__all__ = ["MAX_DAYS", "offered_ids", "statistics"]
