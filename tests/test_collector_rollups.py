"""Issue 5: statistics roll-ups kept by the collector's writer in the records' transaction,
their rebuild from the records, and their survival of retention."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from test_collector_ingest import (
    CHROME_WINDOWS,
    FIREFOX_LINUX,
    _django_stub,
    _fresh_writer,  # noqa: F401 - autouse fixture
    decision_for,
    post,
    published_installation,
)

from consentserve.collector import writer as writer_module
from consentserve.collector.asgi import collector_app
from consentserve.collector.models import ConsentDailyStat, ConsentOptInStat, ConsentRecord
from consentserve.collector.rollups import (
    device_class,
    rollups_rebuild,
    totals_from_records,
    totals_stored,
)
from consentserve.privacy.retention import retention_run

pytestmark = pytest.mark.django_db(transaction=True)

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def app():
    return collector_app(_django_stub)


@pytest.fixture
def site():
    return published_installation()


def _send(app, installation, version, n):
    """n decisions of mixed actions, languages and devices through the real ingest path."""
    actions = ("accept_all", "reject_all", "custom", "withdraw", "gpc")
    agents = (CHROME_WINDOWS, FIREFOX_LINUX, IPHONE, "curl/8.0")
    config = version.config
    for i in range(n):
        action = actions[i % len(actions)]
        changes = {"action": action, "language": ("en", "de")[i % 2]}
        if action == "accept_all":
            changes["categories"] = {c["id"]: True for c in config["categories"]}
            changes["services"] = {s["id"]: True for s in config["services"]}
        elif action in ("reject_all", "gpc"):
            changes["categories"] = {c["id"]: c["required"] for c in config["categories"]}
            changes["services"] = {s["id"]: False for s in config["services"]}
        if action == "gpc":
            changes.update(gpc=True, layer=0)
        headers = {"User-Agent": agents[i % len(agents)]}
        response = post(
            app, installation.public_key, decision_for(version, **changes), headers=headers
        )
        assert response.status == 204, response.body


def _same(a, b) -> bool:
    return {k: dict(+v) for k, v in a.daily.items()} == {
        k: dict(+v) for k, v in b.daily.items()
    } and dict(a.opt_in) == dict(b.opt_in)


def test_device_classes():
    assert device_class("Chrome", "Windows") == "desktop"
    assert device_class("Firefox", "Linux") == "desktop"
    assert device_class("Mobile Safari", "iOS") == "mobile"
    assert device_class("Amazon Silk", "Android") == "tablet"
    assert device_class("curl", "Other") == "other"
    assert device_class("", "") == "other"


def test_rollups_equal_an_aggregate_over_the_records(app, site, settings):
    settings.CONSENTSERVE_COLLECTOR_GROUP = 8
    installation, version = site
    _send(app, installation, version, 23)
    assert ConsentRecord.objects.count() == 23
    stored = totals_stored(installation.pk)
    assert _same(stored, totals_from_records(installation.pk, batch_size=5))
    assert sum(c["decisions"] for c in stored.daily.values()) == 23
    devices = set(ConsentDailyStat.objects.values_list("device", flat=True))
    assert devices == {"desktop", "mobile", "other"}
    counts = {
        action: sum(c[action] for c in stored.daily.values())
        for action in ("accept_all", "reject_all", "custom", "withdraw", "gpc")
    }
    assert counts == {"accept_all": 5, "reject_all": 5, "custom": 5, "withdraw": 4, "gpc": 4}
    statistics = next(
        row for row in ConsentOptInStat.objects.filter(kind="service", item="youtube").values()
    )
    # accept_all (5) grants it; custom (5) and withdraw (4) take decision_for's youtube=True.
    assert (statistics["granted"], statistics["total"]) == (14, 23)


def test_a_duplicate_is_not_counted_twice(app, site):
    installation, version = site
    body = decision_for(version)
    assert post(app, installation.public_key, body).status == 204
    assert post(app, installation.public_key, body).status == 409
    assert ConsentDailyStat.objects.get().decisions == 1


def test_a_failed_group_leaves_neither_records_nor_counts(app, site, monkeypatch):
    installation, version = site
    from consentserve.collector import rollups

    original = rollups.RollupWriter.add

    def add_then_fail(self, cursor, rows, columns):
        original(self, cursor, rows, columns)  # the counts are written, then the group fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollups.RollupWriter, "add", add_then_fail)
    failed = post(app, installation.public_key, decision_for(version))
    assert failed.status == 503
    assert ConsentRecord.objects.count() == 0
    assert ConsentDailyStat.objects.count() == 0
    assert ConsentOptInStat.objects.count() == 0
    monkeypatch.setattr(rollups.RollupWriter, "add", original)
    writer_module.writer_reset()
    assert post(app, installation.public_key, decision_for(version)).status == 204
    assert ConsentDailyStat.objects.get().decisions == 1


def test_the_rebuild_is_idempotent_and_repairs(app, site):
    installation, version = site
    _send(app, installation, version, 12)
    before = totals_stored(installation.pk)
    ConsentDailyStat.objects.update(decisions=999)
    with pytest.raises(CommandError):
        call_command("collector_rollups_rebuild", "--check")
    call_command("collector_rollups_rebuild", "--installation", installation.public_key)
    assert _same(totals_stored(installation.pk), before)
    rollups_rebuild(installation.pk, batch_size=1)
    assert _same(totals_stored(installation.pk), before)
    call_command("collector_rollups_rebuild", "--check")
    with pytest.raises(CommandError, match="no installation"):
        call_command("collector_rollups_rebuild", "--installation", "nope")


def test_counts_stay_when_retention_deletes_the_records(app, site):
    installation, version = site
    _send(app, installation, version, 6)
    before = totals_stored(installation.pk)
    retention_run(now=timezone.now() + timedelta(days=6 * 366))
    assert ConsentRecord.objects.count() == 0
    assert _same(totals_stored(installation.pk), before)
    rollups_rebuild(installation.pk)  # no records left: the counts of those days stay
    assert _same(totals_stored(installation.pk), before)
