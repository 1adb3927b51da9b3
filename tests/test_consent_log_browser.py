"""Issue 5 in real Chromium: the consent log, a record's proof page whose iframe runs the
record's banner version with the real runtime, and the visitor's own page withdrawing; all
without console errors, failed requests or CSP violations."""

import pytest
from playwright.sync_api import expect
from test_browser_pages import Problems
from test_browser_portal import signed_in, web_storage
from test_consent_log_factories import make_records, published, republish
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "#consentserve-title"  # inside the banner's shadow root, which locators pierce


def test_log_and_proof_page_with_the_preview_of_the_version_shown(page, live_server):
    a = make_customer("a", "Alpha GmbH")
    installation, version = published(a)
    make_records(installation, version, 60, first=1)  # odd first: the newest is in English
    republish(installation, a, title="A newer title")
    signed_in(page, live_server, a.viewer.user)
    problems = Problems(page)
    org = a.organisation.pk

    page.goto(f"{live_server.url}/en/portal/o/{org}/consents/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent log")
    rows = page.locator("table.consent-table tbody tr")
    expect(rows).to_have_count(50)
    # The filters work from the keyboard: type a value, press Enter.
    page.select_option("#id_action", "reject_all")
    page.locator("#id_version").focus()
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_url("**action=reject_all**")
    expect(rows).to_have_count(15)
    expect(page.get_by_role("link", name="Older records")).to_have_count(0)

    newest = (
        ConsentRecord.objects.filter(action="reject_all", language="en")
        .order_by("-created_at", "-id")
        .first()
    )
    page.goto(
        f"{live_server.url}/en/portal/o/{org}/installations/{installation.pk}/consents/{newest.pk}/"
    )
    expect(page.locator(".notice")).to_contain_text("Verified")
    preview = page.frame_locator("#consent-preview")
    # The version the visitor was shown, not the newer one.
    expect(preview.locator(TITLE)).to_have_text(
        version.config["texts"]["en"]["title"], timeout=10_000
    )
    page.select_option("#preview-layer", "2")
    page.get_by_role("button", name="Show").click()
    expect(preview.locator("[role=switch]").first).to_be_visible(timeout=10_000)

    assert problems.found == []
    assert web_storage(page) == 0


def test_visitor_withdraws_on_the_self_service_page(browser, live_server):
    a = make_customer("a", "Alpha GmbH")
    installation, version = published(a)
    [record] = make_records(installation, version, 1)  # accept all
    context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de"})
    page = context.new_page()
    try:
        problems = Problems(page)
        url = f"{live_server.url}/c/{installation.public_key}/records/{record.consent_id}/"
        response = page.goto(url)
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "de"
        expect(page.locator("tbody tr")).to_have_count(1)
        page.get_by_role("button", name="Meine Einwilligung widerrufen").click()
        page.wait_for_url("**?withdrawn=1")
        expect(page.locator("[role=status]")).to_contain_text("widerrufen")
        expect(page.locator("tbody tr")).to_have_count(2)
        withdrawal = ConsentRecord.objects.get(action="withdraw")
        assert withdrawal.consent_id == record.consent_id
        assert withdrawal.origin == live_server.url
        assert withdrawal.browser  # the real browser's family
        assert problems.found == []
        assert context.cookies() == []
    finally:
        context.close()
