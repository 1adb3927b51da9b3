"""Issue 15, no decision lost to another's bad input: every text field of a decision
(`POST /c/<key>/consent`) and of an analytics event (`POST /a/<key>/event`) is checked to be
storable before it is queued; a group the database refuses is written again row by row, so a
bad row costs only itself. Driven in process through the raw ASGI applications with the real
group-commit writers on the test database; the fuzz runs a bounded number of examples."""

import asyncio
import json
import logging
import secrets
import unicodedata

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from test_analytics_ingest import ORIGIN as ANALYTICS_ORIGIN
from test_analytics_ingest import event
from test_collector_ingest import (
    CHROME_WINDOWS,
    ORIGIN,
    _django_stub,
    decision_for,
    published_installation,
    run,
)

from consentserve.analytics import writer as analytics_writer
from consentserve.analytics.asgi import analytics_app
from consentserve.analytics.models import AnalyticsEvent
from consentserve.collector import contract
from consentserve.collector import writer as collector_writer
from consentserve.collector.asgi import collector_app
from consentserve.collector.models import ConsentDailyStat, ConsentRecord
from consentserve.collector.published import loader_close
from consentserve.collector.testing import asgi_request
from consentserve.installations.operator import operator_banner_ensure

pytestmark = pytest.mark.django_db(transaction=True)

POISON = "/\ud800"  # JSON "/\ud800": a lone surrogate, which no database stores
FUZZ = hypothesis_settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _fresh_writers(settings):
    settings.CONSENTSERVE_COLLECTOR_RATE = 100_000
    settings.CONSENTSERVE_ANALYTICS_RATE = 100_000
    collector_writer.writer_reset()
    analytics_writer.writer_reset()
    yield
    collector_writer.writer_reset()
    analytics_writer.writer_reset()
    loader_close()


@pytest.fixture
def site():
    return published_installation()


def _request(app, path, body: dict, origin: str, ip: str):
    headers = {
        "Content-Type": "text/plain;charset=UTF-8",
        "User-Agent": CHROME_WINDOWS,
        "Origin": origin,
    }
    raw = json.dumps(body).encode()  # ensure_ascii: a lone surrogate goes as "\ud800"
    return asgi_request(app, "POST", path, body=raw, headers=headers, client=(ip, 40000))


def _burst(app, path, bodies: list[dict], origin: str) -> list:
    """All at once on one event loop, so that they are gathered into the same groups."""

    async def together():
        return await asyncio.gather(
            *(
                _request(app, path, body, origin, f"141.0.{i % 200}.{i % 250 + 1}")
                for i, body in enumerate(bodies)
            )
        )

    return run(together())


def _poisoned_bursts(app, installation, version, *, bursts=3, size=150):
    key = installation.public_key
    stored_ids, answers = [], []
    for _ in range(bursts):
        valid = [decision_for(version) for _ in range(size)]
        poisoned = decision_for(version, path=POISON)
        bodies = valid[: size // 2] + [poisoned] + valid[size // 2 :]
        responses = _burst(app, f"/c/{key}/consent", bodies, ORIGIN)
        answers.append(responses[size // 2])
        valid_answers = responses[: size // 2] + responses[size // 2 + 1 :]
        assert [r.status for r in valid_answers] == [204] * size
        stored_ids += [body["consent_id"] for body in valid]
    return stored_ids, answers


def test_the_poisoned_burst_stores_all_450_valid_decisions(site):
    installation, version = site
    app = collector_app(_django_stub)
    stored_ids, poisoned = _poisoned_bursts(app, installation, version)
    assert {(r.status, r.json()["error"]) for r in poisoned} == {(400, "invalid_field")}
    assert "path" in poisoned[0].json()["message"]
    assert ConsentRecord.objects.count() == 450
    assert set(ConsentRecord.objects.values_list("consent_id", flat=True)) == set(stored_ids)


def test_a_row_the_database_refuses_costs_only_itself(site, monkeypatch, caplog):
    """The writer's own defence, should a check ever miss a value: with the text check taken
    out, the poisoned decision reaches the group, the group fails, and it is written again
    row by row: the poisoned one answers 400, its 450 neighbours are stored."""
    monkeypatch.setattr(contract, "storable", lambda value, longest: value)
    installation, version = site
    app = collector_app(_django_stub)
    with caplog.at_level(logging.ERROR, logger="consentserve.collector.writer"):
        stored_ids, poisoned = _poisoned_bursts(app, installation, version)
    assert {(r.status, r.json()["error"]) for r in poisoned} == {(400, "unstorable")}
    assert "could not be written" in caplog.text  # the group did fail and was retried
    assert "\ud800" not in caplog.text  # and nothing of a row is logged
    assert ConsentRecord.objects.count() == 450
    assert set(ConsentRecord.objects.values_list("consent_id", flat=True)) == set(stored_ids)
    # The statistics count exactly what was stored.
    assert sum(ConsentDailyStat.objects.values_list("decisions", flat=True)) == 450


def test_an_event_the_database_refuses_costs_only_itself(monkeypatch):
    """The analytics writer likewise. The tracker's JSON decoder refuses a lone surrogate
    itself, so the database's refusal is played by the insert, as SQLite's driver raises it."""
    original = analytics_writer._insert

    def refusing(events, now):
        if any(e.path == "/poison" for e in events):
            raise UnicodeEncodeError("utf-8", "/poison", 1, 2, "surrogates not allowed")
        return original(events, now)

    monkeypatch.setattr(analytics_writer, "_insert", refusing)
    installation, _version, _published = operator_banner_ensure()
    app = analytics_app(collector_app(_django_stub))
    bodies = [event(path=f"/de/{i}") for i in range(40)]
    bodies.insert(20, event(path="/poison"))
    responses = _burst(app, f"/a/{installation.public_key}/event", bodies, ANALYTICS_ORIGIN)
    assert (responses[20].status, responses[20].json()["error"]) == (400, "unstorable")
    assert [r.status for r in responses[:20] + responses[21:]] == [204] * 40
    assert AnalyticsEvent.objects.count() == 40


# --- fuzz: bad text in every text field, mixed into bursts of valid ones ----------------------

_surrogate = st.integers(0xD800, 0xDFFF).map(chr)
_control = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85"])
_plain = st.text(st.characters(codec="utf-8", categories=["L", "N"]), max_size=6)


@st.composite
def _bad_text(draw, longest: int):
    """(kind, text): a lone surrogate or control character inside, too long, or not NFC."""
    kind = draw(st.sampled_from(["surrogate", "control", "too_long", "not_nfc"]))
    head, tail = draw(_plain), draw(_plain)
    if kind == "surrogate":
        return kind, head + draw(_surrogate) + tail
    if kind == "control":
        return kind, head + draw(_control) + tail
    if kind == "too_long":
        return kind, head + "a" * (longest + 1) + tail
    decomposed = draw(st.sampled_from(["e\u0301", "a\u0308", "u\u0308", "A\u030a", "\u1100\u1161"]))
    return kind, head + decomposed + tail


DECISION_FIELDS = {
    "path": 1024,
    "language": 8,
    "categories": 100,
    "services": 100,
    "consent_id": 22,
    "sha256": 64,
    "action": 12,
}


@st.composite
def _bad_decision(draw, version):
    field = draw(st.sampled_from(sorted(DECISION_FIELDS)))
    kind, text = draw(_bad_text(DECISION_FIELDS[field]))
    body = decision_for(version)
    if field == "path":
        body["path"] = "/" + text
    elif field in ("categories", "services"):
        body[field] = {**body[field], text: True}
    else:
        body[field] = text
    return field, kind, body


@given(data=st.data())
@FUZZ
def test_fuzz_bad_decision_text_never_costs_a_valid_decision(site, data):
    installation, version = site
    app = collector_app(_django_stub)
    bad = [data.draw(_bad_decision(version)) for _ in range(3)]
    valid = [decision_for(version) for _ in range(12)]
    bodies = valid[:4] + [bad[0][2]] + valid[4:8] + [bad[1][2]] + valid[8:] + [bad[2][2]]
    responses = _burst(app, f"/c/{installation.public_key}/consent", bodies, ORIGIN)
    by_id = dict(zip((id(b) for b in bodies), responses, strict=True))
    for body in valid:
        assert by_id[id(body)].status == 204, by_id[id(body)].body
    stored = set(
        ConsentRecord.objects.filter(consent_id__in=[b["consent_id"] for b in valid]).values_list(
            "consent_id", flat=True
        )
    )
    assert stored == {b["consent_id"] for b in valid}
    for field, kind, body in bad:
        response = by_id[id(body)]
        if field == "path" and kind == "not_nfc":
            # Decomposed text is stored composed (normal form C), never refused.
            assert response.status == 204, response.body
            record = ConsentRecord.objects.get(consent_id=body["consent_id"])
            assert record.path == unicodedata.normalize("NFC", body["path"])
        else:
            assert response.status in (400, 422), (field, kind, response.body)
            assert response.json()["error"] != "unavailable"


EVENT_FIELDS = {"path": 1024, "referrer": 253, "screen": 2, "language": 3}


@given(data=st.data())
@FUZZ
def test_fuzz_bad_event_text_never_costs_a_valid_event(data):
    installation, _version, _published = operator_banner_ensure()
    app = analytics_app(collector_app(_django_stub))
    before = AnalyticsEvent.objects.count()
    bad = []
    for _ in range(3):
        field = data.draw(st.sampled_from(sorted(EVENT_FIELDS)))
        kind, text = data.draw(_bad_text(EVENT_FIELDS[field]))
        bad.append((field, kind, event(**{field: "/" + text if field == "path" else text})))
    token = secrets.token_hex(4)
    valid = [event(path=f"/fuzz/{token}/{i}") for i in range(12)]
    bodies = valid[:4] + [bad[0][2]] + valid[4:8] + [bad[1][2]] + valid[8:] + [bad[2][2]]
    responses = _burst(app, f"/a/{installation.public_key}/event", bodies, ANALYTICS_ORIGIN)
    by_id = dict(zip((id(b) for b in bodies), responses, strict=True))
    for body in valid:
        assert by_id[id(body)].status == 204, by_id[id(body)].body
    assert AnalyticsEvent.objects.filter(path__startswith=f"/fuzz/{token}/").count() == 12
    accepted = 0
    for field, kind, body in bad:
        response = by_id[id(body)]
        if field == "path" and kind == "not_nfc":
            assert response.status == 204, response.body
            accepted += 1
            path = unicodedata.normalize("NFC", body["path"])[:255]
            assert AnalyticsEvent.objects.filter(path=path).exists()
        else:
            assert response.status == 400, (field, kind, response.body)
    assert AnalyticsEvent.objects.count() == before + 12 + accepted


def test_deeply_nested_json_is_a_400_on_both_ingests(site):
    installation, _version = site
    nested = b"[" * 1000 + b"]" * 1000
    collector = collector_app(_django_stub)
    headers = {"Content-Type": "text/plain", "Origin": ORIGIN}
    response = run(
        asgi_request(
            collector,
            "POST",
            f"/c/{installation.public_key}/consent",
            body=nested,
            headers=headers,
        )
    )
    assert (response.status, response.json()["error"]) == (400, "invalid_json")
    operator, _v, _p = operator_banner_ensure()
    analytics = analytics_app(collector)
    headers = {"Content-Type": "text/plain", "Origin": ANALYTICS_ORIGIN}
    response = run(
        asgi_request(
            analytics, "POST", f"/a/{operator.public_key}/event", body=nested, headers=headers
        )
    )
    assert (response.status, response.json()["error"]) == (400, "invalid_json")
