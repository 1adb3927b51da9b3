"""Builders of consent records for the consent log's tests (this module holds no tests)."""

import secrets
from datetime import UTC, datetime, timedelta

from test_installations_linter import lint_clean_draft

from consentserve.collector.models import ConsentRecord
from consentserve.installations import services

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ACTIONS = ("accept_all", "reject_all", "custom", "gpc")


def published(customer, name="Shop", domain=None):
    """An installation of `customer` that passes the linter, published as version 1."""
    user = customer.owner.user
    installation = services.installation_create(
        organisation=customer.organisation, name=name, actor=user
    )
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=user)
    key = user.email.split("@")[1]
    services.domain_add(
        installation=installation, pattern=domain or f"{name.lower()}.{key}", actor=user
    )
    version = services.publish(installation, actor=user)
    return installation, version


def republish(installation, customer, title="Version two"):
    draft = dict(installation.draft)
    draft["texts"] = {lang: dict(texts) for lang, texts in draft["texts"].items()}
    draft["texts"]["en"]["title"] = title
    user = customer.owner.user
    services.draft_update(installation=installation, draft=draft, actor=user)
    return services.publish(installation, actor=user)


def record_values(installation, version, index: int, *, at=None, **changes) -> dict:
    config = version.config
    action = ACTIONS[index % len(ACTIONS)]
    categories = {
        c["id"]: bool(c["required"]) or action == "accept_all" or c["id"] == "statistics"
        for c in config["categories"]
    }
    if action in ("reject_all", "gpc"):
        categories = {c["id"]: bool(c["required"]) for c in config["categories"]}
    values = {
        "installation": installation,
        "version": version,
        "consent_id": secrets.token_urlsafe(16),
        "sha256": config["sha256"],
        "action": action,
        "choices": {
            "categories": categories,
            "services": {s["id"]: action == "accept_all" for s in config["services"]},
        },
        "layer": 0 if action == "gpc" else 1 + index % 2,
        "gpc": action == "gpc",
        "language": ("de", "en")[index % 2],
        "ip": f"203.0.{index % 250}.0",
        "browser": ("Chrome", "Firefox", "Safari")[index % 3],
        "os": ("Windows", "Linux", "Mac OS X")[index % 3],
        "origin": "https://shop.example.com",
        "path": f"/page/{index}",
        "client_time": (at or START + timedelta(minutes=index)) - timedelta(seconds=1),
        # Several records share a time, so the keyset needs the id to break ties.
        "created_at": at or START + timedelta(minutes=index // 3),
    }
    values.update(changes)
    return values


def make_records(installation, version, count: int, *, first: int = 0, **changes):
    rows = [
        ConsentRecord(**record_values(installation, version, first + i, **changes))
        for i in range(count)
    ]
    return ConsentRecord.objects.bulk_create(rows, batch_size=2000)
