"""The committed banner bundle: within its size budget, minified for es2019 without a source map,
and built by an exactly pinned esbuild from a committed lock file (scripts/check-banner-build
proves the bytes are reproducible)."""

import copy
import gzip
import json
from pathlib import Path

from test_banner_runtime import CONFIG

from consentserve.banner.loader import script_json

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
    answer = f"window.__CONSENTSERVE_CONFIG__={script_json(config)};".encode() + BUNDLE.read_bytes()
    size = len(gzip.compress(answer, compresslevel=9))
    print(f"loader answer: {len(answer)} B raw, {size} B gzip")
    assert size <= 8 * 1024


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
