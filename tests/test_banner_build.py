"""The committed banner bundle: within its size budget, minified for es2019 without a source map,
and built by an exactly pinned esbuild from a committed lock file (scripts/check-banner-build
proves the bytes are reproducible)."""

import copy
import gzip
import json
from pathlib import Path

from test_banner_runtime import CONFIG

from consentserve.banner.loader import answer_body

BANNER = Path(__file__).resolve().parent.parent / "consentserve" / "banner"
BUNDLE = BANNER / "static" / "banner" / "banner.js"
RUNTIME = BANNER / "runtime"


def test_the_bundle_stays_within_8_kb_gzip():
    data = BUNDLE.read_bytes()
    assert len(gzip.compress(data, compresslevel=9)) <= 8 * 1024


def test_the_loader_answer_for_3_categories_and_4_services_stays_within_8_kb_gzip():
    # What a visitor downloads: the configuration, as the loader writes it, plus the bundle.
    config = copy.deepcopy(CONFIG)
    config["categories"] = config["categories"][:1] + config["categories"][2:]
    for service in config["services"]:
        if service["category"] == "preferences":
            service["category"] = "statistics"
    answer = answer_body(config)
    size = len(gzip.compress(answer, compresslevel=9))
    print(f"loader answer: {len(answer)} B raw, {size} B gzip")
    assert size <= 8 * 1024


def test_google_analytics_by_measurement_id_adds_little_and_only_where_configured():
    config = copy.deepcopy(CONFIG)
    config["services"][0]["id"] = "google-analytics-4"
    plain = answer_body(config)
    assert b"ga4.js" not in plain
    config["services"][0]["measurement_id"] = "G-ABC1234"
    with_ga4 = answer_body(config)
    assert b"/static/banner/ga4.js" in with_ga4
    added = len(gzip.compress(with_ga4, 9)) - len(gzip.compress(plain, 9))
    print(f"measurement ID prologue: {added} B gzip")
    assert 0 < added <= 300
    # The add-on itself is fetched only after consent, together with Google's tag.
    addon = BANNER / "static" / "banner" / "ga4.js"
    assert len(gzip.compress(addon.read_bytes(), 9)) <= 1024


def test_the_bundle_is_one_minified_file_without_a_source_map():
    text = BUNDLE.read_text(encoding="utf-8")
    assert "sourceMappingURL" not in text
    assert text.count("\n") <= 1
    # Nothing of the build machine leaks into the bytes.
    assert str(RUNTIME) not in text


def test_esbuild_is_pinned_exactly_and_locked():
    package = json.loads((RUNTIME / "package.json").read_text(encoding="utf-8"))
    for name, version in package["devDependencies"].items():
        assert version[0].isdigit(), f"{name} is not pinned exactly: {version}"
    lock = json.loads((RUNTIME / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/esbuild"]["version"]
    assert locked == package["devDependencies"]["esbuild"]
