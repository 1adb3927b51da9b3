"""Issue 4, dogfooding (R-F-7): the website shows its own banner, loaded from its own loader,
under its own CSP, in real Chromium."""

import json
import re

import pytest
from django.core.management import call_command
from test_browser_pages import Problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("R-F-7"),
]

# Counts CSP violations from the first script on; the console only shows some of them.
VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def site(page, live_server):
    call_command("installations_operator_banner", stdout=None)
    page.add_init_script(VIOLATIONS)
    beacons = []

    # The consent collector is a later issue; here it only has to receive the decision.
    def collect(route):
        beacons.append(json.loads(route.request.post_data))
        route.fulfill(status=204)

    page.route("**/c/consentserve/consent", collect)
    page.beacons = beacons
    return page


def _dialog(page):
    return page.get_by_role("dialog")


@pytest.mark.parametrize(
    ("path", "title", "reject"),
    [
        ("/de/", "Datenschutz-Einstellungen", "Alle ablehnen"),
        ("/en/", "Privacy settings", "Reject all"),
    ],
)
def test_banner_shows_in_the_page_language_without_errors_or_cookies(
    site, live_server, path, title, reject
):
    problems = Problems(site)
    site.goto(live_server.url + path)
    dialog = _dialog(site)
    dialog.wait_for()
    assert dialog.get_by_text(title, exact=True).is_visible()
    assert dialog.get_by_role("button", name=reject).is_visible()
    # The runtime's styles apply under style-src 'self': the buttons are laid out and coloured.
    background = dialog.get_by_role("button", name=reject).evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert background not in ("", "rgba(0, 0, 0, 0)")
    # The site lists no services yet, so the first layer does not count them ("0 services").
    assert not re.search(r"\b0 (Dienste|services)\b", dialog.inner_text())
    assert problems.found == []
    assert site.evaluate("window.__violations") == []
    assert site.context.cookies() == []


def test_reject_all_sets_only_the_consent_cookie_and_the_footer_reopens_it(site, live_server):
    problems = Problems(site)
    site.goto(live_server.url + "/en/")
    dialog = _dialog(site)
    dialog.get_by_role("button", name="Reject all").click()
    dialog.wait_for(state="hidden")
    assert {cookie["name"] for cookie in site.context.cookies()} == {"consentserve_consent"}
    assert [beacon["action"] for beacon in site.beacons] == ["reject_all"]
    assert site.evaluate("CONSENTserve.getConsent().categories") == {
        "necessary": True,
        "statistics": False,
    }
    # The choice holds on the next page, and the footer button brings the banner back.
    site.goto(live_server.url + "/en/pricing/")
    site.locator("footer").get_by_role("button", name="Privacy settings").click()
    _dialog(site).wait_for()
    assert problems.found == []
    assert site.evaluate("window.__violations") == []


def test_every_page_with_the_banner_sets_no_cookie_before_a_choice(site, live_server):
    problems = Problems(site)
    for path in ("/de/", "/de/preise/", "/de/datenschutz/", "/en/imprint/", "/en/features/"):
        response = site.goto(live_server.url + path)
        assert response.status == 200
        _dialog(site).wait_for()
    assert problems.found == []
    assert site.context.cookies() == []
