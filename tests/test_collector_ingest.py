"""Issue 5, the consent collector's ingest (T4, T1): `POST /c/<key>/consent` driven in process
through the raw ASGI application, with the real group-commit writer on the test database."""

import asyncio
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from test_installations_linter import lint_clean_draft

from consentserve.accounts.models import Membership, Organisation
from consentserve.collector import writer as writer_module
from consentserve.collector.asgi import collector_app
from consentserve.collector.models import ConsentRecord
from consentserve.collector.published import loader_close
from consentserve.collector.testing import asgi_request
from consentserve.installations import services

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "https://shop.example.com"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def published_installation(key_domains=("shop.example.com", "*.example.org")):
    organisation = Organisation.objects.create(
        name="Beispiel GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
    )
    admin = get_user_model().objects.create_user(
        email=f"admin-{secrets.token_hex(4)}@example.com", password="x"
    )
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    installation = services.installation_create(organisation=organisation, name="Shop", actor=admin)
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=admin)
    for pattern in key_domains:
        services.domain_add(installation=installation, pattern=pattern, actor=admin)
    version = services.publish(installation, actor=admin)
    installation.admin = admin
    return installation, version


def decision_for(version, /, **changes) -> dict:
    config = version.config
    body = {
        "consent_id": secrets.token_urlsafe(16),
        "version": version.number,
        "sha256": config["sha256"],
        "action": "custom",
        "categories": {
            c["id"]: c["id"] in ("necessary", "statistics") for c in config["categories"]
        },
        "services": {s["id"]: s["id"] == "youtube" for s in config["services"]},
        "layer": 2,
        "gpc": False,
        "language": "en",
        "path": "/shop/cart",
        "time": int(time.time() * 1000),
    }
    body.update(changes)
    return body


def post(app, key, body, *, origin=ORIGIN, content_type="text/plain;charset=UTF-8", **kwargs):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type, "User-Agent": CHROME_WINDOWS}
    if origin is not None:
        headers["Origin"] = origin
    headers.update(kwargs.pop("headers", {}))
    return run(asgi_request(app, "POST", f"/c/{key}/consent", body=raw, headers=headers, **kwargs))


def run(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _django_stub(scope, receive, send):
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"django"})


@pytest.fixture(autouse=True)
def _fresh_writer():
    writer_module.writer_reset()
    yield
    writer_module.writer_reset()
    loader_close()


@pytest.fixture
def app():
    return collector_app(_django_stub)


@pytest.fixture
def site():
    return published_installation()


def test_a_good_decision_is_stored_with_every_field_r_t4(app, site):
    installation, version = site
    body = decision_for(version, path="/shop/cart?email=a@example.com#top")
    before = datetime.now(UTC)
    response = post(app, installation.public_key, body, client=("141.0.144.226", 40000))
    assert response.status == 204, response.body
    assert response.body == b""
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "set-cookie" not in response.headers
    record = ConsentRecord.objects.get()
    assert record.installation_id == installation.pk
    assert record.version_id == version.pk
    assert record.consent_id == body["consent_id"]
    assert record.sha256 == version.config["sha256"]
    assert record.action == "custom"
    assert record.choices == {"categories": body["categories"], "services": body["services"]}
    assert record.choices["categories"]["statistics"] is True
    assert (record.layer, record.gpc, record.language) == (2, False, "en")
    assert record.ip == "141.0.144.0"  # T1: /24
    assert (record.browser, record.os) == ("Chrome", "Windows")
    assert record.origin == ORIGIN
    assert record.path == "/shop/cart"  # no query, no fragment
    assert record.client_time == datetime.fromtimestamp(body["time"] / 1000, tz=UTC)
    assert before <= record.created_at <= datetime.now(UTC)


def test_json_content_type_ipv6_and_a_subdomain_wildcard(app, site):
    installation, version = site
    body = decision_for(version, action="accept_all", layer=0, gpc=True, language="de")
    del body["time"]  # optional while runtimes do not send it yet
    response = post(
        app,
        installation.public_key,
        body,
        origin="https://blog.example.org:8443",
        content_type="application/json",
        headers={"User-Agent": FIREFOX_LINUX},
        client=("2001:db8:85a3:8d3:1319:8a2e:370:7348", 40000),
    )
    assert response.status == 204, response.body
    record = ConsentRecord.objects.get()
    assert record.ip == "2001:db8:85a3::"  # T1: /48
    assert (record.browser, record.os) == ("Firefox", "Linux")
    assert record.client_time is None
    assert (record.action, record.layer, record.gpc, record.language) == (
        "accept_all",
        0,
        True,
        "de",
    )


def _bad(version, /, **changes):
    return decision_for(version, **changes)


def _without(version, key):
    body = decision_for(version)
    del body[key]
    return body


BAD_BODIES = {
    # name: (body builder, status, code)
    "oversized": (
        lambda v: json.dumps({**decision_for(v), "pad": "x" * 5000}).encode(),
        413,
        "too_large",
    ),
    "not json": (lambda v: b"consent=yes", 400, "invalid_json"),
    "not utf-8": (lambda v: b'{"a": "\xff"}', 400, "invalid_json"),
    "deep nesting": (lambda v: b"[" * 2000 + b"]" * 2000, 400, "invalid_json"),
    "json array": (lambda v: b"[1, 2]", 400, "not_an_object"),
    "json string": (lambda v: b'"accept"', 400, "not_an_object"),
    "missing key": (lambda v: _without(v, "categories"), 400, "missing_fields"),
    "extra key": (lambda v: _bad(v, tracking_id="x"), 400, "unknown_fields"),
    "consent id short": (lambda v: _bad(v, consent_id="abc"), 400, "invalid_field"),
    "consent id not a string": (lambda v: _bad(v, consent_id=12), 400, "invalid_field"),
    "version a string": (lambda v: _bad(v, version="1"), 400, "invalid_field"),
    "version a bool": (lambda v: _bad(v, version=True), 400, "invalid_field"),
    "version zero": (lambda v: _bad(v, version=0), 400, "invalid_field"),
    "sha256 not hex": (lambda v: _bad(v, sha256="z" * 64), 400, "invalid_field"),
    "action unknown": (lambda v: _bad(v, action="maybe"), 400, "invalid_field"),
    "action a list": (lambda v: _bad(v, action=["custom"]), 400, "invalid_field"),
    "categories a list": (lambda v: _bad(v, categories=["necessary"]), 400, "invalid_field"),
    "category not a bool": (
        lambda v: _bad(v, categories={**decision_for(v)["categories"], "marketing": 1}),
        400,
        "invalid_field",
    ),
    "services null": (lambda v: _bad(v, services=None), 400, "invalid_field"),
    "layer 3": (lambda v: _bad(v, layer=3), 400, "invalid_field"),
    "layer a float": (lambda v: _bad(v, layer=1.0), 400, "invalid_field"),
    "gpc a string": (lambda v: _bad(v, gpc="true"), 400, "invalid_field"),
    "language a number": (lambda v: _bad(v, language=7), 400, "invalid_field"),
    "path relative": (lambda v: _bad(v, path="shop/cart"), 400, "invalid_field"),
    "path a full url": (lambda v: _bad(v, path="https://shop.example.com/"), 400, "invalid_field"),
    "path too long": (lambda v: _bad(v, path="/" + "a" * 1024), 400, "invalid_field"),
    "path with a newline": (lambda v: _bad(v, path="/a\nb"), 400, "invalid_field"),
    "time a string": (lambda v: _bad(v, time="2026-05-10"), 400, "invalid_field"),
    "time in seconds": (lambda v: _bad(v, time=int(time.time())), 400, "invalid_field"),
    "unknown version": (lambda v: _bad(v, version=v.number + 1), 404, "unknown_version"),
    "wrong sha256": (lambda v: _bad(v, sha256="0" * 64), 422, "sha256_mismatch"),
    "unknown category": (
        lambda v: _bad(v, categories={**decision_for(v)["categories"], "ads": False}),
        422,
        "categories_mismatch",
    ),
    "missing category": (
        lambda v: _bad(v, categories={"necessary": True, "statistics": False}),
        422,
        "categories_mismatch",
    ),
    "unknown service": (
        lambda v: _bad(v, services={**decision_for(v)["services"], "tiktok": True}),
        422,
        "services_mismatch",
    ),
    "missing service": (lambda v: _bad(v, services={"youtube": True}), 422, "services_mismatch"),
    "required category false": (
        lambda v: _bad(v, categories={**decision_for(v)["categories"], "necessary": False}),
        422,
        "required_category",
    ),
    "language not offered": (lambda v: _bad(v, language="fr"), 422, "unknown_language"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_input_answers_its_4xx_with_json_and_stores_nothing(app, site, case):
    installation, version = site
    build, status, code = BAD_BODIES[case]
    body = build(version)
    response = post(app, installation.public_key, body)
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/json"
    error = response.json()
    assert error["error"] == code
    assert error["message"].endswith(".")
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("key", "origin", "status", "code"),
    [
        ("unknownkey123456", ORIGIN, 404, "unknown_installation"),
        (None, "https://evil.example.net", 403, "origin_not_allowed"),
        (None, "https://example.org", 403, "origin_not_allowed"),  # *.example.org: subdomains
        (None, "null", 403, "origin_not_allowed"),
        (None, None, 403, "origin_not_allowed"),
    ],
)
def test_unknown_installation_and_foreign_or_missing_origin(app, site, key, origin, status, code):
    installation, version = site
    response = post(app, key or installation.public_key, decision_for(version), origin=origin)
    assert (response.status, response.json()["error"]) == (status, code)
    assert "access-control-allow-origin" not in response.headers
    assert ConsentRecord.objects.count() == 0


def test_wrong_content_type_length_and_method(app, site):
    installation, version = site
    key = installation.public_key
    form = post(app, key, decision_for(version), content_type="application/x-www-form-urlencoded")
    assert (form.status, form.json()["error"]) == (415, "unsupported_media_type")
    declared = post(app, key, decision_for(version), headers={"Content-Length": "100000"})
    assert (declared.status, declared.json()["error"]) == (413, "too_large")
    chunked = post(app, key, b"x" * 5000, chunk=1000)
    assert (chunked.status, chunked.json()["error"]) == (413, "too_large")
    get = run(asgi_request(app, "GET", f"/c/{key}/consent"))
    assert (get.status, get.json()["error"]) == (405, "method_not_allowed")
    assert get.headers["allow"] == "POST, OPTIONS"
    assert ConsentRecord.objects.count() == 0


def test_a_body_in_several_messages_is_read_whole(app, site):
    installation, version = site
    response = post(app, installation.public_key, decision_for(version), chunk=50)
    assert response.status == 204, response.body
    assert ConsentRecord.objects.count() == 1


def test_everything_else_goes_to_django(app, site):
    installation, _ = site
    for method, path in [
        ("GET", f"/c/{installation.public_key}.js"),
        ("POST", f"/c/{installation.public_key}/consent/"),
        ("GET", "/de/"),
    ]:
        response = run(asgi_request(app, method, path))
        assert (response.status, response.body) == (299, b"django")


def test_the_same_record_twice_is_stored_once(app, site):
    installation, version = site
    body = decision_for(version)
    assert post(app, installation.public_key, body).status == 204
    again = post(app, installation.public_key, body)
    assert (again.status, again.json()["error"]) == (409, "duplicate")
    # Without a client time: the same choices again within the window count as a resend.
    timeless = decision_for(version)
    del timeless["time"]
    assert post(app, installation.public_key, timeless).status == 204
    assert post(app, installation.public_key, timeless).status == 409
    # A new decision of the same visitor is a new record.
    later = {**body, "time": body["time"] + 5000, "action": "withdraw"}
    assert post(app, installation.public_key, later).status == 204
    assert ConsentRecord.objects.count() == 3


def test_duplicates_within_one_group_are_told_apart(app, site):
    installation, version = site
    body = json.dumps(decision_for(version)).encode()
    other = json.dumps(decision_for(version)).encode()
    headers = {"Content-Type": "text/plain", "Origin": ORIGIN}
    path = f"/c/{installation.public_key}/consent"

    async def burst():
        return await asyncio.gather(
            *(asgi_request(app, "POST", path, body=b, headers=headers) for b in (body, body, other))
        )

    statuses = sorted(r.status for r in run(burst()))
    assert statuses == [204, 204, 409]
    assert ConsentRecord.objects.count() == 2


def test_cors_preflight(app, site):
    installation, _ = site
    path = f"/c/{installation.public_key}/consent"

    def preflight(key_path, origin):
        headers = {"Access-Control-Request-Method": "POST", "Origin": origin}
        return run(asgi_request(app, "OPTIONS", key_path, headers=headers))

    allowed = preflight(path, ORIGIN)
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert allowed.headers["access-control-allow-methods"] == "POST"
    assert allowed.headers["access-control-allow-headers"] == "Content-Type"
    assert "Origin" in allowed.headers["vary"]
    foreign = preflight(path, "https://evil.example.net")
    assert foreign.status == 403
    assert "access-control-allow-origin" not in foreign.headers
    assert preflight("/c/unknownkey123456/consent", ORIGIN).status == 404


def test_a_version_published_after_the_cache_is_accepted_at_once(app, site):
    installation, version = site
    assert post(app, installation.public_key, decision_for(version)).status == 204
    time.sleep(0.3)  # the cache reloads a key at most four times a second
    draft = installation.draft
    draft["texts"]["en"]["title"] = "Your privacy"
    services.draft_update(installation=installation, draft=draft, actor=installation.admin)
    second = services.publish(installation, actor=installation.admin)
    assert post(app, installation.public_key, decision_for(second)).status == 204
    # The earlier version stays valid: visitors may still have its banner open.
    assert post(app, installation.public_key, decision_for(version)).status == 204
    assert sorted(ConsentRecord.objects.values_list("version__number", flat=True)) == [1, 1, 2]


def test_a_full_queue_answers_503_and_stores_nothing(app, site, settings, monkeypatch):
    settings.CONSENTSERVE_COLLECTOR_QUEUE = 1
    settings.CONSENTSERVE_COLLECTOR_WAIT_MS = 0
    writer_module.writer_reset()
    installation, version = site
    release = threading.Event()
    original = writer_module.Writer._insert

    def slow_insert(self, rows):
        release.wait(10)
        return original(self, rows)

    monkeypatch.setattr(writer_module.Writer, "_insert", slow_insert)
    headers = {"Content-Type": "text/plain", "Origin": ORIGIN}
    path = f"/c/{installation.public_key}/consent"
    bodies = [json.dumps(decision_for(version)).encode() for _ in range(3)]

    async def scenario():
        first = asyncio.create_task(
            asgi_request(app, "POST", path, body=bodies[0], headers=headers)
        )
        await asyncio.sleep(0.2)  # the writer holds the first one
        second = asyncio.create_task(
            asgi_request(app, "POST", path, body=bodies[1], headers=headers)
        )
        await asyncio.sleep(0.05)  # the second fills the queue of one
        third = await asgi_request(app, "POST", path, body=bodies[2], headers=headers)
        release.set()
        return await first, await second, third

    first, second, third = run(scenario())
    assert (first.status, second.status) == (204, 204)
    assert third.status == 503
    assert third.headers["retry-after"] == "1"
    assert third.json()["error"] == "busy"
    stored = set(ConsentRecord.objects.values_list("consent_id", flat=True))
    assert json.loads(bodies[2])["consent_id"] not in stored
    assert len(stored) == 2


def test_a_failed_commit_answers_503_and_the_writer_goes_on(app, site, monkeypatch):
    installation, version = site
    original = writer_module.Writer._insert
    calls = []

    def failing_once(self, rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return original(self, rows)

    monkeypatch.setattr(writer_module.Writer, "_insert", failing_once)
    body = decision_for(version)
    failed = post(app, installation.public_key, body)
    assert (failed.status, failed.json()["error"], failed.headers["retry-after"]) == (
        503,
        "unavailable",
        "1",
    )
    assert ConsentRecord.objects.count() == 0
    assert post(app, installation.public_key, body).status == 204  # the retry is stored
    assert ConsentRecord.objects.count() == 1


def test_rate_limit_per_truncated_ip(site, settings):
    settings.CONSENTSERVE_COLLECTOR_RATE = 3
    app = collector_app(_django_stub)
    installation, version = site
    key = installation.public_key
    statuses = [
        post(app, key, decision_for(version), client=(f"198.51.100.{i}", 1)).status
        for i in range(1, 5)
    ]
    assert statuses == [204, 204, 204, 429]
    limited = post(app, key, decision_for(version), client=("198.51.100.99", 1))
    assert limited.status == 429
    assert limited.json()["error"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    # Another /24 has its own bucket.
    assert post(app, key, decision_for(version), client=("198.51.101.1", 1)).status == 204
    assert ConsentRecord.objects.count() == 4
