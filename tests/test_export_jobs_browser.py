"""Issue 22 in real Chromium: a viewer starts an export from the consent log with its filters,
lands on the exports page, which shows it ready, and downloads the gzipped file; no console
errors, failed requests or CSP violations on the way."""

import gzip

import pytest
from playwright.sync_api import expect
from test_browser_pages import Problems
from test_browser_portal import signed_in
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.api.export import COLUMNS
from consentserve.collector.models import ConsentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def export_storage(tmp_path, settings):
    settings.STORAGES = settings.STORAGES | {
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports"), "base_url": None},
        }
    }


def test_an_export_from_the_log_is_downloaded_from_the_exports_page(page, live_server, tmp_path):
    a = make_customer("a", "Alpha GmbH")
    installation, version = published(a)
    make_records(installation, version, 30)
    signed_in(page, live_server, a.viewer.user)
    problems = Problems(page)
    org = a.organisation.pk

    page.goto(f"{live_server.url}/en/portal/o/{org}/consents/?action=gpc")
    page.get_by_role("button", name="Export as CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports of the consent log")
    expected = ConsentRecord.objects.filter(action="gpc").order_by("created_at", "pk")
    expect(page.locator("#export-jobs")).to_contain_text(f"Ready: {expected.count()} records")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv.gz")
    target = tmp_path / "download.csv.gz"
    download.save_as(target)
    lines = gzip.decompress(target.read_bytes()).decode().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert [int(line.split(",")[0]) for line in lines[1:]] == [r.pk for r in expected]
    assert problems.found == []
