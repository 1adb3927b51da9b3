"""Issue 18, classification: catalog first, then the Open Cookie Database, else unclassified; a
leak is anything not strictly necessary seen without consent (consentserve/scanner/classify.py)."""

import json

from consentserve.installations.catalog import catalog_get
from consentserve.scanner.classify import classify, classify_host, classify_name
from consentserve.scanner.ocd import COMPACT, SOURCE, ocd_entries


def test_cookie_and_storage_names_are_matched_to_catalog_services_first():
    assert classify_name("cookie", "_ga").catalog_id == "google-analytics-4"
    assert classify_name("cookie", "_ga_ABC123").catalog_id == "google-analytics-4"
    assert classify_name("cookie", "ph_phc_x_posthog").catalog_id == "posthog"
    assert classify_name("storage", "AMP_unsent_abc").catalog_id == "amplitude"
    # Mixpanel's cookie name is also in the Open Cookie Database; the catalog wins.
    match = classify_name("cookie", "mp_token_mixpanel")
    assert (match.source, match.catalog_id) == ("catalog", "mixpanel")


def test_names_the_catalog_lacks_come_from_the_open_cookie_database():
    match = classify_name("cookie", "PHPSESSID")
    assert (match.source, match.name, match.category) == ("ocd", "PHP.net", "necessary")
    match = classify_name("cookie", "_fbp")
    assert match.category == "marketing"
    assert classify_name("cookie", "certainly-not-a-known-cookie-4711") is None


def test_the_banners_own_cookie_is_necessary():
    match = classify_name("cookie", "consentserve_consent")
    assert (match.source, match.category) == ("own", "necessary")


def test_hosts_match_themselves_subdomains_and_the_longest_path():
    assert classify_host("eu.i.posthog.com", "/flags/").catalog_id == "posthog"
    assert classify_host("www.googletagmanager.com", "/gtag/js").catalog_id == (
        "google-analytics-4"
    )
    assert classify_host("www.googletagmanager.com", "/gtm.js").catalog_id == ("google-tag-manager")
    assert classify_host("notposthog.com", "/") is None
    assert classify_host("posthog.com.evil.example", "/") is None


def test_every_detection_entry_names_a_catalog_service():
    with_hosts = [s.id for s in catalog_get().services if s.hosts]
    assert {"posthog", "mixpanel", "amplitude", "google-analytics-4"} <= set(with_hosts)


def test_the_shipped_open_cookie_database_names_its_source_and_licence():
    data = json.loads(COMPACT.read_text(encoding="utf-8"))
    assert data["licence"] == "Apache-2.0"
    assert data["source"] == SOURCE
    assert len(ocd_entries()) == 2264
    licence = COMPACT.with_name("open-cookie-database.LICENSE.txt").read_text()
    assert "Apache License" in licence
    assert "Version 2.0" in licence


def _observed(states):
    return {
        "url": "https://shop.example/",
        "banner": True,
        "pages": [{"url": "https://shop.example/", "states": states}],
    }


def _state(cookies=(), requests=()):
    return {
        "cookies": [{"name": n, "ms": 5} for n in cookies],
        "local_storage": [],
        "session_storage": [],
        "indexeddb": [],
        "requests": [
            {"host": h, "path": p, "url": f"https://{h}{p}", "initiator": "x.js", "ms": 7}
            for h, p in requests
        ],
        "screenshot": "000-no_choice.jpg",
    }


def test_only_what_is_not_necessary_and_seen_without_consent_is_a_leak():
    report = classify(
        _observed(
            {
                "no_choice": _state(cookies=["PHPSESSID"]),
                "reject": _state(cookies=["consentserve_consent", "_ga"]),
                "accept": _state(cookies=["_ga"], requests=[("eu.i.posthog.com", "/e/")]),
                "gpc": _state(requests=[("api-js.mixpanel.com", "/track/"), ("x.example", "/")]),
            }
        )
    )
    leaks = {(leak["state"], leak["item"]) for leak in report["leaks"]}
    assert leaks == {("reject", "_ga"), ("gpc", "api-js.mixpanel.com/track/")}
    gpc = next(leak for leak in report["leaks"] if leak["state"] == "gpc")
    assert gpc["request"] == "https://api-js.mixpanel.com/track/"
    assert (gpc["initiator"], gpc["ms"], gpc["service"]) == ("x.js", 7, "Mixpanel")
    assert [i["name"] for i in report["unclassified"]] == ["x.example/"]


def test_found_but_not_in_the_banner_and_in_the_banner_but_not_found():
    report = classify(
        _observed({"accept": _state(cookies=["_ga", "ph_k_posthog"])}),
        banner_services=[{"id": "posthog", "name": "PostHog"}, {"id": "vimeo", "name": "Vimeo"}],
    )
    assert [s["catalog_id"] for s in report["not_in_banner"]] == ["google-analytics-4"]
    assert [s["id"] for s in report["not_found"]] == ["vimeo"]
