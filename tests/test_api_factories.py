"""Builders of the customer API's test data (this module holds no tests)."""

from datetime import UTC, datetime, timedelta

from django.test import Client
from test_installations_linter import lint_clean_draft

from consentserve.api import services as api_services
from consentserve.collector.models import ConsentRecord
from consentserve.installations import services as installation_services

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def published(customer, name="Shop"):
    """An installation of `customer` that passes the linter, published as version 1."""
    user = customer.owner.user
    installation = installation_services.installation_create(
        organisation=customer.organisation, name=name, actor=user
    )
    installation_services.draft_update(
        installation=installation, draft=lint_clean_draft(), actor=user
    )
    host = user.email.split("@")[1]
    installation_services.domain_add(
        installation=installation, pattern=f"{name.lower()}.{host}", actor=user
    )
    return installation, installation_services.publish(installation, actor=user)


def republish(installation, customer, title="Version two"):
    draft = dict(installation.draft)
    draft["texts"] = {lang: dict(texts) for lang, texts in draft["texts"].items()}
    draft["texts"]["en"]["title"] = title
    user = customer.owner.user
    installation_services.draft_update(installation=installation, draft=draft, actor=user)
    return installation_services.publish(installation, actor=user)


def make_key(customer, name="ERP"):
    """An API key of `customer` and its secret."""
    issued = api_services.api_key_create(
        organisation=customer.organisation, name=name, created_by=customer.owner.user
    )
    return issued.api_key, issued.secret


def api_client(secret: str, header: str = "bearer") -> Client:
    if header == "bearer":
        return Client(headers={"Authorization": f"Bearer {secret}"})
    return Client(headers={"X-API-Key": secret})


def make_record(installation, version, *, action="accept_all", at=START, n=0, **changes):
    """One consent record; `categories`/`services` default to what `action` means."""
    config = version.config
    categories = {
        c["id"]: bool(c["required"]) or action == "accept_all" for c in config["categories"]
    }
    services = {s["id"]: action == "accept_all" for s in config["services"]}
    values = {
        "installation": installation,
        "version": version,
        "consent_id": f"cid{n:019d}",
        "sha256": config["sha256"],
        "action": action,
        "choices": {"categories": categories, "services": services},
        "layer": 0 if action == "gpc" else 1,
        "gpc": action == "gpc",
        "language": "de" if n % 2 == 0 else "en",
        "ip": f"203.0.{n % 250}.0",
        "browser": "Firefox",
        "os": "Linux",
        "origin": "https://shop.example.com",
        "path": f"/page/{n}",
        "client_time": at - timedelta(seconds=1),
        "created_at": at,
    }
    values.update(changes)
    return ConsentRecord.objects.create(**values)


def make_records(installation, version, count: int, *, every=timedelta(seconds=20)):
    """`count` records, three to a timestamp (the cursor must break ties by id), cycling
    through the actions."""
    actions = ("accept_all", "reject_all", "custom", "gpc", "withdraw")
    rows = []
    for n in range(count):
        action = actions[n % len(actions)]
        at = START + every * (n // 3)
        rows.append((action, at, n))
    return [make_record(installation, version, action=action, at=at, n=n) for action, at, n in rows]
