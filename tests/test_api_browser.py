"""The API's docs page and the portal's API pages in real Chromium, under the site's
Content-Security-Policy: no console errors (a blocked script or style is one), the copy button
copies the secret."""

import pytest
from test_api_factories import published
from test_browser_pages import Problems
from test_browser_portal import signed_in
from test_portal_factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_swagger_ui_from_our_own_files(page, live_server):
    problems = Problems(page)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    # Every operation of the API: the read routes and the two of the export jobs.
    assert page.locator(".opblock-summary-path").count() == 9
    assert problems.found == []


def test_the_api_pages_work_and_the_secret_is_copied(page, live_server):
    customer = make_customer("a", "Alpha GmbH")
    published(customer)
    signed_in(page, live_server, customer.owner.user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    problems = Problems(page)
    page.goto(f"{live_server.url}/en/portal/o/{customer.organisation.pk}/api/")
    page.fill("#id_name", "Warehouse")
    page.click("text=Create API key")
    secret = page.input_value("#api-secret")
    assert secret.startswith("cs_")
    page.click("button[data-copy]")
    page.wait_for_selector("#api-secret-status:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.click("text=Done")
    assert secret not in page.content()
    page.click("text=Revoke")
    page.click("button:has-text('Revoke API key')")
    assert "revoked on" in page.content()
    assert problems.found == []
