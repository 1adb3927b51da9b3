"""Issue 7, part 3: analytics for customers' installations. The switch in the installation's
settings (managers only), the ingest taking events only while it is on and only from the
installation's domains, the tracker tag on the installation page, and the portal's dashboard
with the installation's own numbers (viewers read; another organisation 404)."""

import functools
import json
import sqlite3
import threading
import time
from contextlib import closing
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from support import free_port
from test_analytics_ingest import CHROME, _inner
from test_collector_ingest import run
from test_collector_server import CollectorServer
from test_installations_linter import lint_clean_draft
from test_portal_factories import make_customer

from consentserve.analytics import writer as writer_module
from consentserve.analytics.asgi import analytics_app
from consentserve.analytics.models import AnalyticsDaily, AnalyticsEvent
from consentserve.analytics.visitors import salt_forget
from consentserve.analytics.writer import Incoming, store
from consentserve.collector.published import loader_close
from consentserve.collector.testing import asgi_request
from consentserve.installations import services
from consentserve.installations.models import Installation

ORIGIN = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _fresh_writer():
    writer_module.writer_reset()
    salt_forget()
    yield
    writer_module.writer_reset()
    salt_forget()
    loader_close()


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


def published(customer, name="Shop", domain="shop.example.com") -> Installation:
    user = customer.owner.user
    installation = services.installation_create(
        organisation=customer.organisation, name=name, actor=user
    )
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=user)
    services.domain_add(installation=installation, pattern=domain, actor=user)
    services.publish(installation, actor=user)
    return installation


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(installation, path="", language="en") -> str:
    org = installation.organisation_id
    return f"/{language}/portal/o/{org}/installations/{installation.pk}/{path}"


def settings_data(installation, **changes) -> dict:
    draft = installation.draft
    data = {
        "name": installation.name,
        "languages": draft["languages"],
        "default_language": draft["default_language"],
        "lifetime_days": str(draft["lifetime_days"]),
        "consent_retention_years": "3",
    }
    return data | changes


def switch(installation, on: bool) -> None:
    Installation.objects.filter(pk=installation.pk).update(analytics_enabled=on)


def incoming(installation, path="/", ip="141.0.144.0") -> Incoming:
    return Incoming(
        installation_id=installation.pk,
        ip=ip,
        user_agent="Firefox",
        kind="pageview",
        path=path,
        referrer="",
        screen="l",
        language="de",
        browser="Firefox",
        os="Linux",
        device="desktop",
    )


# --- the switch --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_managers_turn_analytics_on_and_off_in_the_settings(a):
    shop = published(a)
    assert not shop.analytics_enabled  # off by default
    page = client_of(a.admin).get(url(shop)).content.decode()
    assert 'name="analytics_enabled"' in page
    assert 'data-consent="statistics"' not in page  # no tracker tag while off

    response = client_of(a.admin).post(
        url(shop, "settings/"), settings_data(shop, analytics_enabled="on")
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.analytics_enabled
    page = client_of(a.admin).get(url(shop)).content.decode()
    tag = (
        f"&lt;script type=&quot;text/plain&quot; data-consent=&quot;statistics&quot; "
        f"data-key=&quot;{shop.public_key}&quot; "
        "src=&quot;http://testserver/static/analytics/tracker.js&quot;&gt;&lt;/script&gt;"
    )
    assert tag in page
    assert "only after the visitor consented to statistics" in page
    assert url(shop, "analytics/") in page

    response = client_of(a.owner).post(url(shop, "settings/"), settings_data(shop))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert not shop.analytics_enabled


@pytest.mark.django_db
def test_viewers_cannot_switch_analytics(a):
    shop = published(a)
    response = client_of(a.viewer).post(
        url(shop, "settings/"), settings_data(shop, analytics_enabled="on")
    )
    assert response.status_code == 403
    shop.refresh_from_db()
    assert not shop.analytics_enabled
    page = client_of(a.viewer).get(url(shop)).content.decode()
    assert "Website analytics" in page
    assert 'name="analytics_enabled"' not in page


@pytest.mark.django_db
def test_the_tag_shows_in_german(a):
    shop = published(a)
    switch(shop, True)
    page = client_of(a.owner).get(url(shop, language="de")).content.decode()
    assert "nachdem der Besucher im Banner dieser Installation in Statistik eingewilligt" in page
    assert "Website-Analyse" in page


# --- the ingest ---------------------------------------------------------------------------------


def post(app, key, *, origin=ORIGIN, path="/preise/"):
    body = {"type": "pageview", "path": path, "referrer": "", "screen": "l", "language": "de"}
    headers = {"Content-Type": "text/plain;charset=UTF-8", "User-Agent": CHROME, "Origin": origin}
    request = asgi_request(
        app,
        "POST",
        f"/a/{key}/event",
        body=json.dumps(body).encode(),
        headers=headers,
        client=("141.0.144.226", 1),
    )
    return run(request)


@pytest.mark.django_db(transaction=True)
def test_the_ingest_refuses_installations_with_analytics_off(a):
    shop = published(a)
    response = post(analytics_app(_inner), shop.public_key)
    assert response.status == 404, response.body
    assert json.loads(response.body)["error"] == "unknown_installation"
    assert not AnalyticsEvent.objects.exists()
    assert not AnalyticsDaily.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_ingest_takes_events_of_installations_with_analytics_on(a):
    shop = published(a)
    switch(shop, True)
    app = analytics_app(_inner)
    response = post(app, shop.public_key)
    assert response.status == 204, response.body
    assert response.headers["access-control-allow-origin"] == ORIGIN
    stored = AnalyticsEvent.objects.get()
    assert (stored.installation_id, stored.path) == (shop.pk, "/preise/")
    # Only from the installation's own domains.
    response = post(app, shop.public_key, origin="https://elsewhere.example.net")
    assert response.status == 403
    assert json.loads(response.body)["error"] == "origin_not_allowed"
    assert AnalyticsEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_turning_analytics_off_stops_the_ingest(a, settings):
    settings.CONSENTSERVE_COLLECTOR_CACHE_SECONDS = 0  # no cached switch between the requests
    shop = published(a)
    switch(shop, True)
    app = analytics_app(_inner)
    assert post(app, shop.public_key).status == 204
    switch(shop, False)
    assert post(app, shop.public_key).status == 404
    assert AnalyticsEvent.objects.count() == 1


# --- the portal's dashboard ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_the_installations_own_numbers(a):
    shop = published(a)
    other = published(a, name="Blog", domain="blog.example.com")
    switch(shop, True)
    switch(other, True)
    store([incoming(shop, "/preise/"), incoming(shop, "/kontakt/", ip="141.0.145.0")])
    store([incoming(other, f"/blog/{n}/", ip=f"141.0.{n}.0") for n in range(5)])
    for member in (a.viewer, a.owner):
        response = client_of(member).get(url(shop, "analytics/"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "/preise/" in page
        assert "/kontakt/" in page
        assert "/blog/" not in page
        totals = page.split('class="analytics-totals"')[1].split("</ul>")[0]
        assert "<strong>2</strong>Visitors" in totals
        assert "<strong>2</strong>Page views" in totals
        assert "analytics-off" not in page


@pytest.mark.django_db
def test_the_dashboard_says_when_analytics_is_off(a):
    shop = published(a)
    page = client_of(a.viewer).get(url(shop, "analytics/")).content.decode()
    assert "Website analytics is off for this installation." in page
    assert url(shop) + "#settings" in page
    page = client_of(a.owner).get(url(shop, "analytics/", language="de")).content.decode()
    assert "Website-Analyse ist für diese Installation ausgeschaltet." in page


@pytest.mark.django_db
def test_the_dashboard_of_another_organisation_is_404(a):
    b = make_customer("b", "Beta AG")
    theirs = published(b, domain="shop.b.example")
    switch(theirs, True)
    store([incoming(theirs, "/geheim/")])
    org = a.organisation.pk
    response = client_of(a.owner).get(f"/en/portal/o/{org}/installations/{theirs.pk}/analytics/")
    assert response.status_code == 404
    assert b"/geheim/" not in response.content
    assert client_of(a.owner).get(url(theirs, "analytics/")).status_code == 404


@pytest.mark.django_db
def test_a_bad_period_is_explained(a):
    shop = published(a)
    response = client_of(a.viewer).get(url(shop, "analytics/") + "?date_from=2026-01-01")
    assert response.status_code == 400
    assert "Please give the end of the period too." in response.content.decode()


@pytest.mark.django_db
def test_the_statistics_page_links_to_the_dashboard(a):
    shop = published(a)
    page = client_of(a.viewer).get(url(shop, "statistics/")).content.decode()
    assert url(shop, "analytics/") in page


# --- a customer's website in real Chromium ------------------------------------------------------

CUSTOMER_SETUP = """
from consentserve.installations.models import Domain, Installation
from consentserve.installations.services import publish_by_operator
shop = Installation.objects.get(name="Shop")
Domain.objects.create(installation=shop, pattern="localhost")
publish_by_operator(shop)
Installation.objects.filter(pk=shop.pk).update(analytics_enabled={on})
"""


# Google Analytics 4 and CONSENTserve Analytics side by side in the category statistics.
SERVICES_SETUP = """
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.models import Installation
shop = Installation.objects.get(name="Shop")
draft = shop.draft
for service_id in ("google-analytics-4", "consentserve-analytics"):
    draft["services"].append(catalog_service_to_config(catalog_get().get(service_id)))
Installation.objects.filter(pk=shop.pk).update(draft=draft)
"""


class CustomerSite:
    """The customer's own page on another origin (http://localhost:PORT), with the banner's
    embed line and the tracker tag as the installation page shows them."""

    def __init__(self, root, server, consent="statistics"):
        base = f"http://127.0.0.1:{server.port}"
        html = (
            '<!doctype html><html lang="en"><head><title>Shop</title>'
            f'<script src="{base}/c/{server.key}.js" async></script>'
            f'<script type="text/plain" data-consent="{consent}" data-key="{server.key}" '
            f'src="{base}/static/analytics/tracker.js"></script>'
            "</head><body><p>Shop</p></body></html>"
        )
        for name in ("index.html", "kontakt.html"):
            (root / name).write_text(html)
        handler = functools.partial(QuietHandler, directory=str(root))
        self.http = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.url = f"http://localhost:{self.http.server_port}/"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def stop(self):
        self.http.shutdown()
        self.http.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def customer_website(tmp_path, on: bool, *, services=False):
    setup = CUSTOMER_SETUP.format(on=on)
    if services:
        setup = SERVICES_SETUP + setup
    server = CollectorServer(tmp_path, ["manage", "shell", "-c", setup])
    root = tmp_path / "site"
    root.mkdir()
    consent = "consentserve-analytics" if services else "statistics"
    return server, CustomerSite(root, server, consent)


def stored_paths(server) -> list[tuple]:
    with closing(sqlite3.connect(server.db_path)) as db:
        return db.execute("SELECT kind, path FROM analytics_analyticsevent ORDER BY id").fetchall()


def wait_for_events(page, server, answers: list, count: int) -> None:
    """Until `count` events are stored or answered (a refused one is answered but not stored)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(stored_paths(server)) >= count or len(answers) >= count:
            return
        page.wait_for_timeout(100)  # lets Playwright deliver the responses seen


@pytest.mark.browser
@pytest.mark.parametrize("on", [True, False])
def test_a_customers_site_counts_after_consent_only_while_switched_on(tmp_path, page, on):
    server, site = customer_website(tmp_path, on)
    try:
        answers = []
        page.on(
            "response",
            lambda r: answers.append(r.status) if "/a/" in r.url else None,
        )
        page.goto(site.url)
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        page.wait_for_timeout(300)
        assert answers == []  # nothing before consent
        dialog.get_by_role("button", name="Accept all").click()
        dialog.wait_for(state="hidden")
        wait_for_events(page, server, answers, 1)
        page.goto(site.url + "kontakt.html")
        wait_for_events(page, server, answers, 3 if on else 2)
        if on:
            assert stored_paths(server) == [
                ("pageview", "/"),
                ("exit", "/"),
                ("pageview", "/kontakt.html"),
            ]
        else:
            # The tracker runs after consent, but the ingest refuses the installation's events.
            assert answers
            assert set(answers) == {404}, answers
            assert stored_paths(server) == []
    finally:
        site.stop()
        server.stop()


@pytest.mark.browser
def test_consent_to_google_analytics_alone_does_not_run_the_tracker(tmp_path, page):
    """With GA4 and CONSENTserve Analytics in statistics, consenting to GA4 grants the category
    but the tracker's tag names its own service: no event until that service is granted, and
    none after it is taken back while GA4 (and so the category) stays granted."""
    server, site = customer_website(tmp_path, True, services=True)
    try:
        answers = []
        page.on("response", lambda r: answers.append(r.status) if "/a/" in r.url else None)
        page.goto(site.url)
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="Settings").click()
        page.get_by_role("switch", name="Google Analytics 4", exact=True).check()
        assert page.get_by_role("switch", name="Statistics", exact=True).is_checked()
        assert not page.get_by_role(
            "switch", name="CONSENTserve Analytics", exact=True
        ).is_checked()
        page.get_by_role("button", name="Save selection").click()
        dialog.wait_for(state="hidden")
        consent = page.evaluate("CONSENTserve.getConsent()")
        assert consent["categories"]["statistics"] is True
        assert consent["services"]["google-analytics-4"] is True
        assert consent["services"]["consentserve-analytics"] is False
        page.goto(site.url + "kontakt.html")
        page.wait_for_timeout(800)
        assert answers == []
        assert stored_paths(server) == []
        # Granting the tracker's own service starts it, on this page at once.
        page.evaluate("CONSENTserve.show()")
        dialog.get_by_role("button", name="Settings").click()
        page.get_by_role("switch", name="CONSENTserve Analytics", exact=True).check()
        page.get_by_role("button", name="Save selection").click()
        wait_for_events(page, server, answers, 1)
        assert stored_paths(server) == [("pageview", "/kontakt.html")]
        # Taking back only the tracker's service, Google Analytics still granted (and with it
        # the category): the tracker running on this page sends nothing more, not even its exit.
        page.evaluate("CONSENTserve.show()")
        dialog.get_by_role("button", name="Settings").click()
        page.get_by_role("switch", name="CONSENTserve Analytics", exact=True).uncheck()
        page.get_by_role("button", name="Save selection").click()
        dialog.wait_for(state="hidden")
        consent = page.evaluate("CONSENTserve.getConsent()")
        assert consent["categories"]["statistics"] is True
        assert consent["services"]["consentserve-analytics"] is False
        page.goto(site.url)
        page.wait_for_timeout(800)
        assert stored_paths(server) == [("pageview", "/kontakt.html")]
        assert len(answers) == 1
    finally:
        site.stop()
        server.stop()
