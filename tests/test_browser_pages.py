"""The public website in real Chromium: every page loads without errors and, without interaction,
leaves no cookie behind except the quote form's CSRF cookie (R-C1-1); keyboard access, the menu
without JavaScript and the quote request end to end (R-B2-1)."""

import pytest
from django.conf import settings
from test_website_pages import URLS

from consentserve.website.models import QuoteRequest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("R-B2-1", "R-C1-1"),
]


class Problems:
    """Everything that went wrong while pages loaded: console errors, script errors, failed or
    unsuccessful requests."""

    def __init__(self, page):
        self.found = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.found.append(f"console: {message.text}")

    def _failed(self, request):
        # Going to the next page cancels what the previous one still loads in the background
        # (the favicon); that is no failure of the page.
        if request.failure != "net::ERR_ABORTED":
            self.found.append(f"failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.found.append(f"{response.status}: {response.url}")


def _visit(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response.status == 200, path
    return response


def test_every_page_loads_cleanly_and_sets_no_cookie_r_c1_1(page, live_server):
    problems = Problems(page)
    for language, urls in URLS.items():
        for name, path in urls.items():
            if name == "quote":
                continue
            _visit(page, live_server, path)
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("h1").count() == 1, path
    assert problems.found == []
    assert page.context.cookies() == []


def test_quote_form_loads_cleanly_and_sets_only_its_csrf_cookie_r_c1_1(page, live_server):
    problems = Problems(page)
    for urls in URLS.values():
        _visit(page, live_server, urls["quote"])
    assert problems.found == []
    assert {cookie["name"] for cookie in page.context.cookies()} == {settings.CSRF_COOKIE_NAME}


def test_tab_reaches_the_skip_link_first(page, live_server):
    _visit(page, live_server, "/en/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("document.activeElement.id") == "main"


def test_language_switch_remembers_the_choice_r_c1_3(page, live_server):
    _visit(page, live_server, "/de/preise/")
    page.locator(".nav-wide a[hreflang='en']").click()
    page.wait_for_url("**/en/pricing/")
    assert page.locator("html").get_attribute("lang") == "en"
    [cookie] = page.context.cookies()
    assert (cookie["name"], cookie["value"]) == (settings.LANGUAGE_COOKIE_NAME, "en")


def test_small_screen_menu_works_without_javascript(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        _visit(page, live_server, "/en/")
        assert not page.locator(".nav-wide").is_visible()
        pricing = page.locator(".nav-narrow a", has_text="Pricing")
        assert not pricing.is_visible()
        page.locator(".nav-menu summary").click()
        pricing.click()
        page.wait_for_url("**/en/pricing/")
    finally:
        context.close()


def test_quote_request_in_the_browser_shows_the_thanks_page_r_b2_1(page, live_server):
    problems = Problems(page)
    _visit(page, live_server, "/de/angebot/")
    page.get_by_label("Ihr Name").fill("Anna Beispiel")
    page.get_by_label("Unternehmen").fill("Beispiel GmbH")
    page.get_by_label("E-Mail-Adresse").fill("anna@beispiel.example")
    page.get_by_label("Ihre Nachricht").fill("Bitte ein Angebot für zwei Websites.")
    page.get_by_role("button", name="Anfrage senden").click()
    page.wait_for_url("**/de/angebot/danke/")
    assert page.locator("h1").inner_text() == "Vielen Dank für Ihre Anfrage"
    assert problems.found == []
    case = QuoteRequest.objects.get()
    assert (case.company, case.language, case.status) == ("Beispiel GmbH", "de", "open")


def test_quote_form_errors_are_announced_and_linked_r_b2_1(page, live_server):
    _visit(page, live_server, "/en/quote/")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Please check your details" in summary.inner_text()
    summary.get_by_role("link", name="Your name: Please enter your name.").click()
    assert page.evaluate("document.activeElement.id") == "id_contact_name"
    assert QuoteRequest.objects.count() == 0
