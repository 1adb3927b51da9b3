"""The hash-chained audit log (R-G-3, issue 6): append an entry, and verify the chain.

Each entry's hash covers its own content and the previous entry's hash. Appending locks the
single head row, so entries form one line on every database; verify() recomputes every hash and
compares the last entry with the head, so an edited, inserted or removed entry is detected.
Retention removes the oldest entries only; the chain then starts at the first one left.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_PK = 1
SYSTEM = "system"


def actor_of(user) -> str:
    """How an entry names who acted: the account's id, never its name or address."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    return f"user:{user.pk}"


def target_of(obj) -> str:
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}:{obj.pk}"


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's content and the previous entry's hash."""
    # Canonical JSON with the time in UTC to the microsecond, so every database gives back
    # exactly the text that was hashed.
    text = json.dumps(
        [
            entry.seq,
            entry.at.astimezone(UTC).isoformat(),
            entry.actor,
            entry.action,
            entry.target,
            entry.subject,
            entry.detail,
            entry.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def head() -> tuple[int, str]:
    """The newest entry's number and hash (0 and the genesis hash before the first entry): kept
    with every backup, outside the database, it shows later whether the chain was rewritten."""
    row = AuditHead.objects.filter(pk=HEAD_PK).first()
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


def _head_locked() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditHead.objects.create(pk=HEAD_PK, seq=0, hash=GENESIS)
    except IntegrityError:
        pass  # another process created it first
    return AuditHead.objects.select_for_update().get(pk=HEAD_PK)


def record(
    action: str, *, actor: str, target: str = "", subject: str = "", detail: dict | None = None
) -> AuditEntry:
    """Append one entry. Runs in the caller's transaction when there is one, so an act and its
    entry are committed together or not at all."""
    detail = detail or {}
    with transaction.atomic():
        head = _head_locked()
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor,
            action=action,
            target=target,
            subject=subject,
            detail=detail,
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry)
        entry.save()
        AuditHead.objects.filter(pk=HEAD_PK).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass
class Verification:
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(batch: int) -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=batch)


def verify(*, batch: int = 2000) -> Verification:
    """Recompute the chain; every problem names the entry number where it shows."""
    result = Verification()
    previous: AuditEntry | None = None
    for entry in _entries(batch):
        result.checked += 1
        if previous is None:
            result.first_seq = entry.seq
            if entry.seq == 1 and entry.prev_hash != GENESIS:
                result.problems.append("#1 does not start the chain")
        else:
            if entry.seq != previous.seq + 1:
                result.problems.append(
                    f"#{previous.seq + 1}–#{entry.seq - 1} are missing (removed or never written)"
                )
            if entry.prev_hash != previous.hash:
                result.problems.append(f"#{entry.seq} does not follow #{previous.seq}")
        expected = entry_hash(entry)
        if expected != entry.hash:
            result.problems.append(f"#{entry.seq} was changed after it was written")
        previous = entry
    head = AuditHead.objects.filter(pk=HEAD_PK).first()
    result.last_seq = previous.seq if previous else None
    head_seq = head.seq if head else 0
    if previous is None:
        if head_seq:
            result.problems.append(f"the log is empty, but #{head_seq} was written")
    elif head is None or (head.seq, head.hash) != (previous.seq, previous.hash):
        result.problems.append(
            f"entries after #{previous.seq} were removed (the last written is #{head_seq})"
        )
    return result
