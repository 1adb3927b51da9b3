"""The committed banner bundle: within its size budget, minified for es2019 without a source map,
and built by an exactly pinned esbuild from a committed lock file (scripts/check-banner-build
proves the bytes are reproducible)."""

import gzip
import json
from pathlib import Path

BANNER = Path(__file__).resolve().parent.parent / "consentserve" / "banner"
BUNDLE = BANNER / "static" / "banner" / "banner.js"
RUNTIME = BANNER / "runtime"


def test_the_bundle_stays_within_8_kb_gzip():
    data = BUNDLE.read_bytes()
    assert len(gzip.compress(data, compresslevel=9)) <= 8 * 1024


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
