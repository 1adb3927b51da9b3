"""What a person sees, at a laptop's 1366 × 800 and a phone's 390 × 844, in real Chromium: no
element is wider than the viewport (outside a container that scrolls sideways on purpose), no
table cell or navigation item clips its content, table rows stay of reading height, and the
consent log's "Copy" button can be read. Once, the consent log's rows were about 280 px tall,
its right-hand columns clipped and its "Copy" button white on #efefef (1.14:1); the sidebar's
"Einwilligungsprotokoll" and the visitor record's heading ran out of their boxes; the
privacy-request form's select was a bare 19 px control among 50 px inputs.

Screenshots of every page at both widths go to $CONSENTSERVE_SHOTS when it is set."""

import os
from pathlib import Path

import pytest
from test_browser_portal import signed_in
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": (1366, 800), "phone": (390, 844)}
ROW_HEIGHT_MAX = 120  # px: two or three lines of a wrapped cell, not a column of words
SHOTS = os.environ.get("CONSENTSERVE_SHOTS")

# Elements wider than the viewport or clipping their content; containers that scroll sideways
# by design (overflow-x auto/scroll) hold wide tables, so what is inside them is not measured
# against the viewport, only against its own cell.
LAYOUT_PROBLEMS = (Path(__file__).parent / "layout_problems.js").read_text()
ROW_HEIGHTS = """(selector) => Array.from(document.querySelectorAll(selector + ' tbody tr'))
  .map((row) => Math.round(row.getBoundingClientRect().height))"""
CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let bg = null;
  for (let node = el; node && !bg; node = node.parentElement) {
    const c = getComputedStyle(node).backgroundColor;
    if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') bg = c;
  }
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg || 'rgb(255,255,255)'))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def visit(page, url, label):
    """Each page at both widths: what is wrong, with a screenshot of each when asked for."""
    found = []
    for viewport, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
        found += [f"{label} {viewport}: {problem}" for problem in page.evaluate(LAYOUT_PROBLEMS)]
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{label}-{viewport}.png", full_page=True)
    return found


@pytest.fixture
def customer_with_records():
    a = make_customer("a", "Alpha GmbH")
    installation, version = published(a)
    make_records(installation, version, 12)
    return a, installation


def portal_pages(customer, installation):
    org = f"/{{lang}}/portal/o/{customer.organisation.pk}/"
    return {
        "dashboard": org,
        "installations": org + "installations/",
        "installation": org + f"installations/{installation.pk}/",
        "consent-log": org + "consents/",
        "consent-log-installation": org + f"installations/{installation.pk}/consents/",
        "team": org + "team/",
        "account": org + "account/",
        "payment": org + "payment/",
        "invoices": org + "invoices/",
        "company": org + "company/",
        "api": org + "api/",
    }


@pytest.mark.parametrize("language", ["de", "en"])
def test_portal_pages_fit_both_widths(page, live_server, customer_with_records, language):
    a, installation = customer_with_records
    signed_in(page, live_server, a.owner.user)
    found = []
    for label, path in portal_pages(a, installation).items():
        found += visit(page, live_server.url + path.format(lang=language), f"{language}-{label}")
    assert not found, "\n".join(found)


def test_consent_log_rows_are_of_reading_height_and_copy_is_legible(
    page, live_server, customer_with_records
):
    a, _installation = customer_with_records
    signed_in(page, live_server, a.owner.user)
    for viewport, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/de/portal/o/{a.organisation.pk}/consents/")
        heights = page.evaluate(ROW_HEIGHTS, "table.consent-table")
        assert len(heights) == 12
        assert max(heights) <= ROW_HEIGHT_MAX, heights
        copy = page.locator(".consent-copy").first
        assert copy.evaluate(CONTRAST) >= 4.5
        if viewport == "desktop":
            # Every column in view on a laptop; only a phone scrolls the table sideways.
            wrap = page.locator(".portal-table-wrap")
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth + 1")


def test_public_forms_and_the_visitors_records_fit_both_widths(
    page, live_server, customer_with_records
):
    _a, installation = customer_with_records
    record = ConsentRecord.objects.filter(installation=installation).first()
    found = []
    for language, path in (("de", "/de/datenschutzanfrage/"), ("en", "/en/privacy-request/")):
        found += visit(page, live_server.url + path, f"{language}-privacy-request")
        # The select is a form field like the others, not a bare control.
        select, text = page.locator("form select").first, page.locator("form input[type=email]")
        assert abs(select.bounding_box()["height"] - text.bounding_box()["height"]) <= 4
        assert select.bounding_box()["width"] >= text.bounding_box()["width"] - 4
    records = f"/c/{installation.public_key}/records/{record.consent_id}/"
    found += visit(page, live_server.url + records, "en-visitor-records")
    page.context.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    found += visit(page, live_server.url + records, "de-visitor-records")
    assert page.locator("html").get_attribute("lang") == "de"
    assert not found, "\n".join(found)


def test_the_invitees_sign_up_fits_both_widths(page, live_server):
    a = make_customer("a", "Alpha GmbH")
    found = []
    for language in ("de", "en"):
        invitation = f"/{language}/portal/invitations/{a.token}/"
        url = f"{live_server.url}/{language}/account/signup/?next={invitation}"
        found += visit(page, url, f"{language}-invitee-signup")
        assert page.locator("input[name=iban]").count() == 0
    assert not found, "\n".join(found)
