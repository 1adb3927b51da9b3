"""Scans of an installation's website: asked for in the portal (owners and admins, only the
installation's own domains), run by the worker, and repeated by schedule with a mail to the
owners when anything changed."""

import hashlib
import json
import logging
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consentserve.accounts.members import Role, member_has_role, owners_of
from consentserve.installations.domains import origin_allowed

from .guard import ScanRefused
from .models import Scan, ScanSchedule, ScanScreenshot
from .run import ScanFailed
from .scanning import scan_site, url_check

logger = logging.getLogger(__name__)
SCAN_ROLES = (Role.OWNER, Role.ADMIN)
# At most this many pages per scan (the plan's limit; the command line may ask for more).
PAGE_LIMIT = 20


def _may_scan(installation, actor) -> bool:
    return member_has_role(
        organisation_id=installation.organisation_id, user=actor, roles=SCAN_ROLES
    )


def scan_url_clean(installation, url: str) -> str:
    """`url` when the portal may scan it for `installation`: http(s), a host among the
    installation's domains, resolving only to public addresses; ValidationError otherwise."""
    url = (url or "").strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    patterns = list(installation.domains.values_list("pattern", flat=True))
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme not in ("http", "https") or not origin_allowed(patterns, origin):
        raise ValidationError(
            _("Only addresses on the domains of this installation can be scanned."),
            code="foreign_domain",
        )
    try:
        url_check(url)
    except ScanRefused as refused:
        raise ValidationError(
            _("This address cannot be scanned: %(reason)s") % {"reason": str(refused)},
            code="refused",
        ) from refused
    return url


def scan_request(*, installation, url: str, actor) -> Scan:
    """Queue a scan of `url` (checked by scan_url_clean) for the worker; the installation is
    then re-scanned monthly. One scan per installation at a time."""
    if not _may_scan(installation, actor):
        raise PermissionDenied
    url = scan_url_clean(installation, url)
    with transaction.atomic():
        busy = Scan.objects.select_for_update().filter(
            installation=installation, status__in=(Scan.Status.QUEUED, Scan.Status.RUNNING)
        )
        if busy.exists():
            raise ValidationError(
                _("A scan of this installation is already under way."), code="busy"
            )
        scan = Scan.objects.create(installation=installation, url=url, requested_by=actor)
        schedule, created = ScanSchedule.objects.get_or_create(
            installation=installation, defaults={"url": url, "next_at": timezone.now()}
        )
        schedule.url = url
        schedule.advance()
        schedule.save()
        transaction.on_commit(lambda: _enqueue(scan.pk))
    return scan


def _enqueue(scan_id: int) -> None:
    from .tasks import scan_task

    scan_task(scan_id)


def _banner_services(installation) -> list[dict]:
    return [
        {"id": s["id"], "name": s.get("name", s["id"])}
        for s in installation.draft.get("services", ())
    ]


def fingerprint(report: dict) -> str:
    """What a re-scan compares: each service with its items and states, and each leak."""
    found = sorted(
        (s["key"], item["kind"], item["name"], tuple(sorted(item["states"])))
        for s in report.get("services", ())
        for item in s["items"]
    )
    leaks = sorted({(x["service_key"], x["state"], x["kind"], x["item"]) for x in report["leaks"]})
    unclassified = sorted((i["kind"], i["name"]) for i in report.get("unclassified", ()))
    text = json.dumps([found, leaks, unclassified], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def scan_execute(scan_id: int, **options) -> Scan:
    """Run a queued scan now (the worker's task): its report, screenshots and fingerprint; a
    scheduled scan whose result differs from the previous one mails the owners."""
    scan = Scan.objects.select_related("installation").get(pk=scan_id)
    if scan.status != Scan.Status.QUEUED:
        return scan
    scan.status = Scan.Status.RUNNING
    scan.save(update_fields=["status"])
    with tempfile.TemporaryDirectory(prefix="scan-") as shots:
        try:
            report = scan_site(
                scan.url,
                pages=PAGE_LIMIT,
                shots_dir=shots,
                banner_services=_banner_services(scan.installation),
                **options,
            )
        except (ScanRefused, ScanFailed) as error:
            scan.status = Scan.Status.FAILED
            scan.error = str(error)[:300]
            scan.finished_at = timezone.now()
            scan.save(update_fields=["status", "error", "finished_at"])
            return scan
        with transaction.atomic():
            for path in sorted(Path(shots).glob("*.jpg")):
                ScanScreenshot.objects.create(scan=scan, name=path.name, image=path.read_bytes())
            scan.report = report
            scan.fingerprint = fingerprint(report)
            scan.scanner_version = report["scanner"]
            scan.status = Scan.Status.DONE
            scan.finished_at = timezone.now()
            scan.save()
    previous = (
        Scan.objects.filter(installation=scan.installation, status=Scan.Status.DONE)
        .exclude(pk=scan.pk)
        .filter(created_at__lt=scan.created_at)
        .order_by("-created_at")
        .first()
    )
    if scan.scheduled and previous is not None and previous.fingerprint != scan.fingerprint:
        _mail_owners(scan)
    return scan


def schedules_run(now=None) -> list[Scan]:
    """Queue a scan for every schedule that is due (the worker calls this hourly)."""
    now = now or timezone.now()
    queued = []
    for schedule in ScanSchedule.objects.filter(enabled=True, next_at__lte=now).select_related(
        "installation"
    ):
        with transaction.atomic():
            due_at = schedule.next_at
            schedule.advance(now)
            # Claimed by a conditional update: of two runs that saw it due, one queues the scan.
            claimed = ScanSchedule.objects.filter(pk=schedule.pk, next_at=due_at).update(
                next_at=schedule.next_at
            )
            busy = Scan.objects.filter(
                installation=schedule.installation,
                status__in=(Scan.Status.QUEUED, Scan.Status.RUNNING),
            ).exists()
            if not claimed or busy:
                continue
            scan = Scan.objects.create(
                installation=schedule.installation, url=schedule.url, scheduled=True
            )
            transaction.on_commit(lambda pk=scan.pk: _enqueue(pk))
            queued.append(scan)
    return queued


def _mail_owners(scan: Scan) -> None:
    owners = owners_of(organisation_id=scan.installation.organisation_id)
    context = {
        "installation": scan.installation,
        "scan": scan,
        "leaks": len(scan.report.get("leaks", ())),
        "services": len(scan.report.get("services", ())),
    }
    # The account has no language of its own: German first, then English, as on invoices.
    parts = []
    for language in ("de", "en"):
        with translation.override(language):
            subject = _("Website scan of %(name)s: something changed") % {
                "name": scan.installation.name
            }
            parts.append((subject, render_to_string("scanner/mail_changed.txt", context)))
    for owner in owners:
        EmailMessage(
            subject=f"{parts[0][0]} / {parts[1][0]}",
            body=f"{parts[0][1].strip()}\n\n---\n\n{parts[1][1].strip()}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[owner.email],
        ).send()
    logger.info("scan %s changed; %d owner(s) notified", scan.pk, len(owners))
