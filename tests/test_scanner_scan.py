"""Issue 18: the website scanner on a fixture site on loopback with real tracker libraries from
npm (tests/scanner_fixture.py), each sending to a local sink: unblocked, blocked by our banner,
with a deliberate leak, and pages that try to reach the private network."""

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from scanner_fixture import FixtureSite, Secret, Sink, npm_ci

from consentserve.scanner import run
from consentserve.scanner.collect import Job
from consentserve.scanner.facade import ScanFailed, scan_site

pytestmark = pytest.mark.browser

TRACKERS = {"catalog:posthog", "catalog:mixpanel", "catalog:amplitude"}


@pytest.fixture(scope="module", autouse=True)
def _libraries():
    npm_ci()


@pytest.fixture
def servers():
    sink, secret = Sink(), Secret()
    sites = []

    def make(mode):
        site = FixtureSite(mode, sink, secret.port)
        sites.append(site)
        return site

    yield make, sink, secret
    for site in sites:
        site.close()
    sink.close()
    secret.close()


def _scan(site, path="/", **options):
    return scan_site(
        site.origin + path,
        allow_private=True,
        resolve=site.resolve,
        offline=True,
        settle=1.5,
        **options,
    )


def _services(report):
    return {s["key"]: s for s in report["services"]}


def test_the_command_lists_each_real_tracker_under_its_service(servers, tmp_path):
    make, sink, _ = servers
    site = make("open")
    resolve = [f"--resolve={host}:{address}" for host, address in site.resolve.items()]
    shots = tmp_path / "shots"
    shots.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "consentserve.cli",
            "scan",
            site.origin + "/",
            "--pages",
            "4",
            "--json",
            "--allow-private",
            "--offline",
            f"--screenshots={shots}",
            *resolve,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout)
    # The start page, /pricing from sitemap.xml, the linked pages without their fragment; no
    # other site.
    pages = [p["url"].removeprefix(site.origin) for p in report["pages"]]
    assert pages == ["/", "/pricing", "/about", "/contact"]
    assert "/sitemap.xml" in site.visits
    services = _services(report)
    assert set(services) >= TRACKERS
    for key, cookie, host in (
        ("catalog:posthog", "ph_phc_fixture_posthog", "eu.i.posthog.com"),
        ("catalog:mixpanel", "mp_fixturetoken_mixpanel", "api-js.mixpanel.com"),
        ("catalog:amplitude", "AMP_fixturekey", "api2.amplitude.com"),
    ):
        items = {(i["kind"], i["name"].split("/")[0]) for i in services[key]["items"]}
        assert ("cookie", cookie) in items
        assert ("request", host) in items
        assert services[key]["category"] == "statistics"
    # Without our banner only "no choice" is recorded, and the report says so.
    assert report["states_need_banner"] is True
    assert all(list(p["states"]) == ["no_choice"] for p in report["pages"])
    assert {leak["service_key"] for leak in report["leaks"]} == TRACKERS
    assert report["unclassified"] == []
    # The libraries really sent to the sink, which stood in for the vendors.
    assert {"eu.i.posthog.com", "api2.amplitude.com"} <= {host for host, _ in sink.hits}
    # Names only: no value of a cookie is in the report.
    assert "phc_fixture" not in json.dumps(
        [c for p in report["pages"] for c in p["states"]["no_choice"]["cookies"]]
    ).replace("ph_phc_fixture_posthog", "")
    first = report["pages"][0]["states"]["no_choice"]
    assert (shots / first["screenshot"]).read_bytes()[:3] == b"\xff\xd8\xff"
    script_paths = {s["url"].removeprefix(site.origin) for s in first["scripts"]}
    assert {"/vendor/posthog.js", "/vendor/mixpanel.js", "/vendor/amplitude.js"} <= script_paths


def test_with_our_banner_nothing_leaks_without_consent_and_everything_runs_after_accept(servers):
    make, _, _ = servers
    report = _scan(make("banner"), pages=1)
    assert report["banner"] is True
    assert report["states_need_banner"] is False
    states = report["pages"][0]["states"]
    assert list(states) == ["no_choice", "reject", "accept", "gpc"]
    assert states["reject"]["choice"] == "made"
    assert states["accept"]["choice"] == "made"
    assert states["gpc"]["choice"] == "gpc"
    assert report["leaks"] == []
    services = _services(report)
    for key in TRACKERS:
        assert {s for item in services[key]["items"] for s in item["states"]} == {"accept"}
        kinds = {item["kind"] for item in services[key]["items"]}
        assert {"cookie", "request"} <= kinds
    # Only the banner's own cookie, and only once a choice was made.
    own = services["own"]["items"]
    assert [(i["name"], sorted(i["states"])) for i in own] == [
        ("consentserve_consent", ["accept", "gpc", "reject"])
    ]


def test_a_deliberate_leak_is_found_with_its_evidence(servers):
    make, _, _ = servers
    site = make("leak")
    report = _scan(site, pages=1)
    leaks = report["leaks"]
    assert {leak["service_key"] for leak in leaks} == {"catalog:mixpanel"}
    assert {leak["state"] for leak in leaks} == {"no_choice", "reject", "gpc"}
    request = next(
        leak for leak in leaks if leak["kind"] == "request" and leak["state"] == "reject"
    )
    assert request["item"] == "api-js.mixpanel.com/track/"
    assert request["request"].startswith("http://api-js.mixpanel.com:")
    assert request["initiator"] == site.origin + "/vendor/mixpanel.js"
    assert request["page"] == site.origin + "/"
    assert isinstance(request["ms"], int)
    assert request["ms"] >= 0
    assert request["screenshot"] == "000-reject.jpg" or request["screenshot"] == ""
    cookie = next(leak for leak in leaks if leak["kind"] == "cookie")
    assert cookie["item"] == "mp_fixturetoken_mixpanel"
    assert cookie["initiator"] == site.origin + "/vendor/mixpanel.js"
    # The blocked trackers stay blocked.
    for key in ("catalog:posthog", "catalog:amplitude"):
        states = {s for i in _services(report)[key]["items"] for s in i["states"]}
        assert states == {"accept"}


def test_a_page_cannot_reach_private_addresses_or_redirect_into_them(servers):
    make, _, secret = servers
    site = make("open")
    report = _scan(site, path="/ssrf", pages=1)
    assert secret.hits == []
    refused = {r["host"] for r in report["refused"]}
    assert {"127.0.0.1", "169.254.169.254", "localhost", "10.0.0.1"} <= refused
    assert any(r.startswith("::ffff:") for r in refused)
    # The page itself was scanned as usual.
    assert "catalog:posthog" in _services(report)


def test_a_start_url_that_redirects_into_the_private_network_is_refused(servers):
    make, _, secret = servers
    site = make("open")
    report = _scan(site, path="/redirect", pages=1)
    assert secret.hits == []
    assert "127.0.0.1" in {r["host"] for r in report["refused"]}
    assert report["services"] == []


def test_a_scan_over_its_time_is_killed_with_its_browser(monkeypatch):
    # A server that accepts connections and never answers.
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(16)
    port = hang.getsockname()[1]
    monkeypatch.setattr(run, "KILL_GRACE", 3)
    seen: set[int] = set()
    done = threading.Event()

    def watch(pid):
        # Every process of the scan's tree while it runs: the driver and Chromium's processes.
        def loop():
            while not done.is_set():
                seen.update(run.process_tree(pid))
                time.sleep(0.2)

        threading.Thread(target=loop, daemon=True).start()

    job = Job(
        url=f"http://127.0.0.1:{port}/", pages=1, allow_private=True, page_timeout=120, deadline=2
    )
    try:
        with pytest.raises(ScanFailed, match="too long"):
            run.collect(job, on_start=watch)
    finally:
        done.set()
        hang.close()
    assert any(_name(pid).startswith("chrom") for pid in seen)
    # Nothing of the scan is left running (a killed process may stay a zombie until reaped,
    # and takes a moment to release its memory).
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(pid, _name(pid)) for pid in seen if _running(pid)] == []


def _name(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _running(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_the_byte_limit_stops_the_scan(servers):
    make, _, _ = servers
    report = _scan(make("open"), pages=4, byte_limit=300_000)
    assert report["truncated"] == "bytes"
    assert len(report["pages"]) < 4
    # Each open connection may count one more chunk (64 KiB) before it stops.
    assert report["bytes"] < 300_000 + 8 * 65_536


def test_a_page_over_its_time_is_an_error_and_the_scan_goes_on():
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(16)
    try:
        report = scan_site(
            f"http://127.0.0.1:{hang.getsockname()[1]}/",
            pages=1,
            allow_private=True,
            page_timeout=2,
            settle=0.5,
        )
    finally:
        hang.close()
    assert "Timeout" in report["pages"][0]["states"]["no_choice"]["error"]
    assert report["errors"]
