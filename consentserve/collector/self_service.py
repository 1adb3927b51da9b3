"""The visitor's own page: `/c/<public_key>/records/<consent_id>/` shows the history of one
consent ID of one installation (Art. 15 GDPR) and lets the visitor withdraw (Art. 7(3)).

The consent ID is a 128-bit secret that only the visitor's browser holds (the banner shows it
in its settings), so it is treated as a capability:
- nothing lists IDs; an unknown installation, an ID of the wrong form and an ID without records
  all get the same 404 page after the same single query;
- every request counts against a limit per truncated IP address (core.ratelimit), so IDs
  cannot be guessed in bulk;
- it is never logged (the access log leaves out `/c/`), the page sets no cookie on GET, is not
  cached (`no-store`) and sends no referrer to other sites (`Referrer-Policy: same-origin`).

Withdrawing stores a new record through the ORM in one transaction: the collector's writer
takes rows only from its event loop (`Writer.submit` returns an asyncio future), and this
page is an ordinary synchronous Django view. The record holds the same fields the collector
would store for a withdrawal from the banner.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from consentserve.core.ratelimit import rate_limit_hit
from consentserve.installations.facade import newest_config
from consentserve.privacy.ip import InvalidIPAddress, truncate_ip

from . import agents
from .log_selectors import granted, history
from .models import ConsentRecord
from .rollups import rollups_add

TEMPLATES = "collector/"
# Requests a minute per /24 (IPv4) or /48 (IPv6): plenty for a visitor, useless for guessing.
REQUESTS_PER_MINUTE = 20
ACTION_LABELS = dict(ConsentRecord.Action.choices)


def _client_ip(request) -> str:
    try:
        return truncate_ip(request.META.get("REMOTE_ADDR", ""))
    except InvalidIPAddress:
        return "0.0.0.0"  # noqa: S104 - a placeholder, e.g. a Unix socket peer


def _own_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _same_origin(request) -> bool:
    """Whether a POST comes from a page of this host.

    Why no CSRF token: Django's token lives in a cookie, and this page must not set one on a
    visitor who has nothing to do with this host. Instead the POST must carry this host's
    Origin (every current browser sends it with a form POST; Referer is the fallback for
    older ones), which a page of another site cannot forge, and the URL must hold the consent
    ID, a 128-bit secret another site does not know. Both together stop a forged withdrawal."""
    allowed = {_own_origin(request), *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in allowed
    referer = request.headers.get("Referer")
    if not referer:
        return False
    try:
        parts = urlsplit(referer)
    except ValueError:
        return False
    return f"{parts.scheme}://{parts.netloc}" in allowed


def _private(response):
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(request, template, context, status):
    return _private(render(request, TEMPLATES + template, context, status=status))


def _language(config: dict) -> str:
    language = (get_language() or "")[:2]
    languages = config.get("languages") or []
    return language if language in languages else config.get("default_language", "")


def _label(value, language: str) -> str:
    if isinstance(value, dict):
        return value.get(language) or next(iter(value.values()), "")
    return value or ""


def _in_order(ids: list[str], labels: dict[str, str]) -> list[str]:
    """Labels of `ids` in the version's order (JSON objects keep no order on PostgreSQL)."""
    return [label for key, label in labels.items() if key in ids] + [
        key for key in ids if key not in labels
    ]


def _history_rows(records: list[ConsentRecord]) -> list[dict]:
    rows = []
    for record in reversed(records):  # newest first
        config = record.version.config
        language = _language(config)
        categories = {c["id"]: _label(c.get("label"), language) for c in config["categories"]}
        services = {s["id"]: s.get("name") or s["id"] for s in config.get("services") or []}
        rows.append(
            {
                "record": record,
                "action": ACTION_LABELS.get(record.action, record.action),
                "categories": _in_order(granted(record.choices), categories),
                "services": _in_order(granted(record.choices, "services"), services),
                "version": record.version.number,
                "texts": record.sha256[:12],
            }
        )
    return rows


def withdrawal_store(request, installation_id: int, consent_id: str) -> ConsentRecord:
    """A `withdraw` record for the installation's newest version: every category that is not
    required and every service refused, layer 0 (no banner was shown)."""
    user_agent = request.headers.get("User-Agent", "")[: agents.MAX_AGENT]
    browser, system = agents.families(user_agent)
    with transaction.atomic():
        version_id, config = newest_config(installation_id)
        record = ConsentRecord.objects.create(
            installation_id=installation_id,
            version_id=version_id,
            consent_id=consent_id,
            sha256=config["sha256"],
            action=ConsentRecord.Action.WITHDRAW,
            choices={
                "categories": {c["id"]: bool(c.get("required")) for c in config["categories"]},
                "services": {s["id"]: False for s in config.get("services") or []},
            },
            layer=0,
            gpc=request.headers.get("Sec-GPC") == "1",
            language=_language(config),
            ip=_client_ip(request),
            browser=browser,
            os=system,
            origin=_own_origin(request)[:255],
            path=request.path[:1024],
            client_time=None,
            created_at=timezone.now(),
        )
        rollups_add([record])
    return record


@csrf_exempt  # see _same_origin
def consent_records(request, public_key: str, consent_id: str):
    if request.method not in ("GET", "HEAD", "POST"):
        return _private(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
    if not rate_limit_hit(
        scope="consent-self-service",
        ident=_client_ip(request),
        limit=REQUESTS_PER_MINUTE,
        period_seconds=60,
    ):
        response = _render(request, "self_service_refused.html", {"reason": "rate"}, 429)
        response["Retry-After"] = "60"
        return response
    # One query whatever is wrong: an unknown key, an ID of the wrong form and an ID without
    # records all take the same path to the same page.
    records = history(public_key, consent_id)
    if not records:
        return _render(request, "self_service_missing.html", {}, 404)
    if request.method == "POST":
        if not _same_origin(request):
            return _render(request, "self_service_refused.html", {"reason": "origin"}, 403)
        withdrawal_store(request, records[-1].installation_id, consent_id)
        # 303: the browser shows the page with GET, and a reload does not withdraw again.
        response = HttpResponseRedirect(request.path + "?withdrawn=1")
        response.status_code = 303
        return _private(response)
    _, newest = newest_config(records[-1].installation_id)
    language = _language(newest)
    texts = (newest.get("texts") or {}).get(language) or {}
    privacy_url = texts.get("privacy_url", "")
    context = {
        "consent_id": consent_id,
        "rows": _history_rows(records),
        "just_withdrawn": request.GET.get("withdrawn") == "1"
        and records[-1].action == ConsentRecord.Action.WITHDRAW,
        "domains": newest.get("domains") or [],
        # Only web addresses become links, whatever a configuration holds.
        "privacy_url": privacy_url if privacy_url.startswith(("https://", "http://")) else "",
        "privacy_label": texts.get("privacy_label", ""),
    }
    return _render(request, "self_service.html", context, 200)
