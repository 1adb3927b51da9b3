"""Smoke test of the banner benchmark (bench/banner/run.py): one cold load per banner and kind
yields every metric for all three banners. The numbers themselves are the benchmark's business;
here only that they exist and are plausible."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.browser,
    # A benchmark times frames and tasks with Chromium's monotonic clock, which libfaketime
    # must move in Chromium (scripts/future-clock/chromium); under it the timed load of our
    # banner never fires its load event. Nothing here depends on the date.
    pytest.mark.skipif(
        bool(os.environ.get("FAKETIME")), reason="a benchmark, timed by the real clock only"
    ),
]

RUN = Path(__file__).resolve().parent.parent / "bench" / "banner" / "run.py"
METRICS = (
    "bytes_raw",
    "bytes_gzip",
    "bytes_br",
    "requests_added",
    "visible_ms",
    "load_ms",
    "before_load",
    "script_1x_ms",
    "script_4x_ms",
    "longtasks_1x_max",
    "tbt_1x_ms",
    "tbt_4x_ms",
    "cls_max",
    "nodes_added",
    "gone_ms",
)


def test_one_load_per_banner_gives_every_metric(tmp_path):
    out, summary = tmp_path / "banner.md", tmp_path / "banner.json"
    subprocess.run(
        [sys.executable, RUN, "--loads", "1", "--warmup", "0", "--out", out, "--json", summary],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = json.loads(summary.read_text())
    assert set(result["banners"]) == {"ours", "vanilla", "klaro"}
    for name, banner in result["banners"].items():
        missing = [key for key in METRICS if banner.get(key) is None]
        assert missing == [], (name, missing)
        assert 0 < banner["bytes_br"] < banner["bytes_gzip"] < banner["bytes_raw"], name
        assert banner["requests_added"] >= 1, name
        assert banner["nodes_added"] > 0, name
        assert banner["visible_ms"] > 0, name
        assert banner["gone_ms"] >= 0, name
        # Every response of a banner went out compressed with brotli, as Chromium asks on https.
        assert banner["encoding_sent"] == ["br"], name
    assert result["banners"]["ours"]["files"] == [f"/c/{result['key']}.js"]
    report = out.read_text()
    assert "| bytes on the wire, gzip |" in report
    assert "### Targets (ours)" in report
