"""Usage of a month, metered from the collector's daily roll-ups (never from the records, which
retention deletes): consent decisions of all the organisation's installations, per UTC day as
the roll-ups count them, and the installations the organisation had at the month's end."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Sum
from django.utils import timezone

from consentserve.collector.models import ConsentDailyStat
from consentserve.core.months import month_end, month_next
from consentserve.installations.facade import installations_at


@dataclass(frozen=True)
class Usage:
    consents: int
    installations: int


def usage_for_month(organisation, month: date) -> Usage:
    last = month_end(month)
    decisions = ConsentDailyStat.objects.filter(
        installation__organisation=organisation, day__gte=month, day__lte=last
    ).aggregate(total=Sum("decisions"))["total"]
    until = timezone.make_aware(datetime.combine(month_next(month), time.min))
    installations = installations_at(organisation, until)
    return Usage(consents=decisions or 0, installations=installations)
