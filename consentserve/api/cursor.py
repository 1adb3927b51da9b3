"""The opaque cursor of the consent list: the (created_at, id) of the last row of a page.

Records are listed in the order (created_at, id), which is total, and records never change, so
paging through a period that lies in the past neither repeats nor skips a row. (A record is
stamped just before its group commits, so one may still appear a moment behind the newest
rows; clients that follow the present read up to `to` a minute ago.) The cursor is base64url
so that clients treat it as a token, not as a time to edit."""

import base64
import binascii
from datetime import UTC, datetime


class CursorError(ValueError):
    pass


def cursor_encode(created_at: datetime, pk: int) -> str:
    stamp = created_at.astimezone(UTC).isoformat()
    return base64.urlsafe_b64encode(f"{stamp}|{pk}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        created_at = datetime.fromisoformat(stamp)
        number = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("not a cursor of this API; use next_cursor as given") from None
    if created_at.tzinfo is None or not 1970 <= created_at.year <= 9998 or not 0 < number < 2**63:
        raise CursorError("not a cursor of this API; use next_cursor as given")
    return created_at, number
