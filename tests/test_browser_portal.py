"""The portal in real Chromium: every page in German and English loads without console errors,
failed requests or Content-Security-Policy violations and leaves nothing in web storage
(R-C1-1); changing a member's role through htmx updates the table row in place and announces the
change (R-B3-2)."""

import pytest
from django.conf import settings
from django.test import Client
from test_browser_pages import Problems
from test_portal_factories import make_customer, make_user

from consentserve.accounts.models import Membership

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("R-B3-2", "R-C1-1"),
]


def signed_in(page, live_server, user):
    """The browser context gets the session of `user`, signed in through the test client."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def web_storage(page) -> int:
    return page.evaluate("localStorage.length + sessionStorage.length")


def portal_paths(customer, language):
    org = f"/{language}/portal/o/{customer.organisation.pk}/"
    return [
        org,
        org + "installations/",
        org + "team/",
        org + f"team/{customer.viewer.pk}/remove/",
        org + "team/transfer/",
        org + "account/",
        org + "payment/",
        org + "payment/replace/",
        org + "invoices/",
    ]


def test_every_portal_page_loads_cleanly_in_both_languages_r_c1_1(page, live_server):
    a = make_customer("a", "Alpha GmbH")
    signed_in(page, live_server, a.owner.user)
    problems = Problems(page)
    for language in ("de", "en"):
        response = page.goto(f"{live_server.url}/{language}/portal/")
        assert response.status == 200
        assert page.url.endswith(f"/{language}/portal/o/{a.organisation.pk}/")
        for path in portal_paths(a, language):
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("h1").count() == 1, path
            # htmx is loaded from our own origin and configured by portal.js.
            assert page.evaluate("window.htmx.config.includeIndicatorStyles") is False, path
            assert web_storage(page) == 0, path
    assert problems.found == []
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert cookies <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def test_invitation_page_and_leaving_load_cleanly(page, live_server):
    a = make_customer("a", "Alpha GmbH")
    newcomer = make_user("newcomer@example.net")
    signed_in(page, live_server, newcomer)
    problems = Problems(page)
    for language in ("de", "en"):
        response = page.goto(f"{live_server.url}/{language}/portal/invitations/{a.token}/")
        assert response.status == 200
        assert page.locator("h1").count() == 1
    page.get_by_role("button", name="Accept invitation").click()
    page.wait_for_url(f"**/en/portal/o/{a.organisation.pk}/")
    assert "Welcome to Alpha GmbH" in page.locator(".portal-messages").inner_text()
    page.goto(f"{live_server.url}/en/portal/o/{a.organisation.pk}/leave/")
    page.get_by_role("button", name="Leave organisation").click()
    page.wait_for_url("**/en/portal/")
    assert "You do not belong to an organisation yet" in page.locator("h1").inner_text()
    assert problems.found == []


def test_changing_a_role_through_htmx_updates_the_row_r_b3_2(page, live_server):
    a = make_customer("a", "Alpha GmbH")
    signed_in(page, live_server, a.owner.user)
    problems = Problems(page)
    page.goto(f"{live_server.url}/de/portal/o/{a.organisation.pk}/team/")
    page.select_option(f"#role-{a.viewer.pk}", "admin")
    with page.expect_response(lambda r: r.url.endswith(f"/team/{a.viewer.pk}/role/")) as info:
        page.click(f"#role-submit-{a.viewer.pk}")
    assert info.value.status == 200
    status = page.locator("#team-status")
    status.get_by_text("Viewer Alpha GmbH ist jetzt Administrator.").wait_for()
    assert status.get_attribute("role") == "status"
    # The row was swapped in place: no navigation, the new role selected.
    assert page.url.endswith(f"/de/portal/o/{a.organisation.pk}/team/")
    assert page.locator(f"#role-{a.viewer.pk}").input_value() == "admin"
    assert Membership.objects.get(pk=a.viewer.pk).role == "admin"
    assert web_storage(page) == 0
    assert problems.found == []


def test_header_leads_into_the_portal_once_signed_in(page, live_server):
    a = make_customer("a", "Alpha GmbH")
    page.goto(f"{live_server.url}/en/")
    assert page.locator(".site-header").get_by_role("link", name="Sign in").count() == 1
    signed_in(page, live_server, a.viewer.user)
    page.goto(f"{live_server.url}/en/")
    page.locator(".site-header").get_by_role("link", name="Portal").click()
    page.wait_for_url(f"**/en/portal/o/{a.organisation.pk}/")
