"""Statistics of an installation over at most 366 days."""

from datetime import UTC, datetime, timedelta

from ninja import Path, Query, Router
from ninja.errors import ValidationError

from consentserve.collector.statistics import statistics
from consentserve.core.periods import MAX_DAYS

from ..schemas import MAX_ID, Statistics, StatisticsQuery
from ..selectors import installation_for
from .responses import ERRORS

router = Router(tags=["statistics"])


@router.get(
    "/{installation_id}/statistics",
    response={200: Statistics, **ERRORS},
    by_alias=True,
    summary="Decisions per day by action, opt-in rates per category and service",
)
def installation_statistics(
    request,
    installation_id: int = Path(..., ge=1, le=MAX_ID),
    query: Query[StatisticsQuery] = None,
):
    installation = installation_for(request.auth.organisation, installation_id)
    last = query.to or datetime.now(tz=UTC).date()
    first = query.from_ or last - timedelta(days=29)
    if first > last or (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ["query", "from"],
                    "msg": f"from must not lie after to, and the period is at most {MAX_DAYS} days",
                }
            ]
        )
    return statistics(installation, first=first, last=last)
