"""The installation designer in real Chromium: editing the banner's title saves the draft and
the preview iframe shows the real banner with the new title; contrast findings update live;
publishing from the page makes /c/KEY.js serve the new version. The page loads without console
errors or CSP violations, and the preview leaves no cookie or web storage behind."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect
from test_browser_pages import Problems
from test_browser_portal import signed_in, web_storage
from test_installations_linter import lint_clean_draft
from test_portal_factories import make_customer

from consentserve.installations import services
from consentserve.installations.models import Installation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "#consentserve-title"  # inside the banner's shadow root, which locators pierce


@pytest.fixture
def shop():
    a = make_customer("a", "Alpha GmbH")
    user = a.owner.user
    installation = services.installation_create(
        organisation=a.organisation, name="Shop", actor=user
    )
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=user)
    services.domain_add(installation=installation, pattern="shop.example.com", actor=user)
    return a, installation


def designer_url(live_server, installation, language="en"):
    org = installation.organisation_id
    return f"{live_server.url}/{language}/portal/o/{org}/installations/{installation.pk}/"


def test_editing_the_title_shows_it_in_the_preview_and_publishing_serves_it(
    page, live_server, shop
):
    a, installation = shop
    signed_in(page, live_server, a.admin.user)
    problems = Problems(page)
    response = page.goto(designer_url(live_server, installation))
    assert response.status == 200
    preview = page.frame_locator("#designer-preview")
    # The real runtime in preview mode: shown on the portal's host, which is not one of the
    # installation's domains, in the language picked for the preview page.
    expect(preview.locator(TITLE)).to_have_text("Privacy settings", timeout=10_000)

    page.fill("#id_texts_en_title", "Hello from the designer")
    expect(page.locator("#design-status")).to_contain_text("The draft has been saved.")
    expect(preview.locator(TITLE)).to_have_text("Hello from the designer", timeout=10_000)
    draft = Installation.objects.get(pk=installation.pk).draft
    assert draft["texts"]["en"]["title"] == "Hello from the designer"

    # The German page of the preview shows the German texts.
    page.select_option("#preview-lang", "de")
    expect(preview.locator(TITLE)).to_have_text("Datenschutz-Einstellungen")

    # A colour typed as hex: the contrast readout and the findings follow without a reload.
    page.fill("#id_theme_text", "#dddddd")
    expect(page.locator("#designer-checks")).to_contain_text("below WCAG AA (4.5:1)")
    expect(page.locator("#designer-checks")).to_contain_text("theme.text")
    assert page.input_value("input[data-colour-for=id_theme_text]") == "#dddddd"
    page.fill("#id_theme_text", "#1f2933")
    expect(page.locator("#designer-checks")).to_contain_text(
        "No findings: the draft can be published."
    )

    # The catalog filters as you type.
    page.locator("#catalog > summary").click()
    rows = page.locator(".designer-catalog > li")
    total = rows.count()
    assert total >= 40
    page.fill("#catalog-search", "google analytics")
    expect(page.locator("[data-catalog-count]")).to_have_text(re.compile(rf"^[1-3] / {total}$"))
    assert (
        page.locator(".designer-catalog > li:visible")
        .first.inner_text()
        .startswith("Google Analytics")
    )

    page.get_by_role("button", name="Publish as version 1").click()
    expect(page.locator(".portal-messages")).to_contain_text("Version 1 has been published")
    served = page.request.get(f"{live_server.url}/c/{installation.public_key}.js")
    assert served.status == 200
    assert "Hello from the designer" in served.text()
    assert '"version":1' in served.text()
    assert '"preview"' not in served.text().split(";\n", 1)[0]

    assert problems.found == []
    assert web_storage(page) == 0
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    # The preview ran on the portal's origin but stored no consent cookie there.
    assert cookies <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def test_second_layer_preview_and_viewer_reads_only(page, live_server, shop):
    a, installation = shop
    signed_in(page, live_server, a.viewer.user)
    problems = Problems(page)
    page.goto(designer_url(live_server, installation, "de"))
    assert page.locator("#design-form").count() == 0
    assert page.locator("#id_texts_de_title").is_disabled()
    preview = page.frame_locator("#designer-preview")
    expect(preview.locator(TITLE)).to_have_text("Datenschutz-Einstellungen", timeout=10_000)
    page.select_option("#preview-layer", "2")
    expect(preview.locator("[role=switch]").first).to_be_visible(timeout=10_000)
    # The viewer has no catalog, but copies the embed snippet like everyone.
    assert page.locator(".designer-catalog").count() == 0
    snippet = page.locator("#embed-code").inner_text()
    assert (
        snippet == f'<script src="{live_server.url}/c/{installation.public_key}.js" async></script>'
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.get_by_role("button", name="Kopieren").click()
    expect(page.get_by_role("button", name="Kopiert")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    assert problems.found == []
