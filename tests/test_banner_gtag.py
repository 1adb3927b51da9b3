"""Google Analytics 4 loaded by the banner from its measurement ID (REQUIREMENTS C.2, T2), in real
Chromium on made-up origins. The page embeds only the loader's answer (`answer_body`, exactly
what `GET /c/KEY.js` sends); every request is recorded and anything the test does not serve is
aborted, so "no request to Google before consent" is checked on the complete network log.

Google's tag is stood in for by a script that, like the real one, reads the dataLayer it finds
and sets `_ga` and `_ga_<container>`."""

import copy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_banner_runtime import CONFIG

from consentserve.banner.loader import answer_body

pytestmark = [pytest.mark.browser, pytest.mark.req("R-C2-1")]

STATIC = Path(__file__).resolve().parent.parent / "consentserve" / "banner" / "static" / "banner"
CDN = "https://cdn.consentserve.example"
LOADER_URL = CDN + "/c/abc123.js"
ADDON_URL = CDN + "/static/banner/ga4.js"
SHOP = "https://shop.example.com"
MEASUREMENT_ID = "G-ABC1234"
GTAG_URL = f"https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}"
# R-C2-1 names these; any other Google host would be as bad.
GOOGLE = re.compile(
    r"(^|\.)(google-analytics\.com|googletagmanager\.com|doubleclick\.net|google\.[a-z.]+|gstatic\.com)$"
)


def fake_gtag(container: str) -> str:
    """Google's tag as far as the tests need it: what it found in the dataLayer, and its cookies."""
    return (
        "window.gtagSaw = window.dataLayer.map(function (e) { return Array.from(e); });"
        'document.cookie = "_ga=GA1.1.1234.5678; path=/";'
        f'document.cookie = "_ga_{container}=GS1.1.5678; path=/";'
    )


PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Shop</title>
<script src="{loader}" async></script>
</head><body><h1>Shop</h1><p><a href="#" data-consentserve-open>Cookie-Einstellungen</a></p>
</body></html>"""


def ga4_config(**changes):
    """The runtime tests' configuration with Google Analytics 4 (by measurement ID) and a
    cookieless statistics service next to it."""
    config = copy.deepcopy(CONFIG)
    ga4 = config["services"][0]
    ga4.update(id="google-analytics-4", name="Google Analytics 4", measurement_id=MEASUREMENT_ID)
    config["services"].append(
        {
            **copy.deepcopy(ga4),
            "id": "own-analytics",
            "name": "Eigene Statistik",
            "provider": None,
            "cookies": [],
            "consent_mode": [],
        }
    )
    del config["services"][-1]["measurement_id"]
    config.update(changes)
    return config


class Shop:
    def __init__(self, page, config):
        self.page = page
        self.config = config
        self.requests = []
        self.problems = []
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.route("**/*", self._handle)

    def _handle(self, route):
        url = route.request.url
        self.requests.append(url)
        if url == SHOP + "/":
            body = PAGE.format(loader=LOADER_URL)
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
        elif url == LOADER_URL:
            route.fulfill(status=200, content_type="text/javascript", body=answer_body(self.config))
        elif url == ADDON_URL:
            body = (STATIC / "ga4.js").read_bytes()
            route.fulfill(status=200, content_type="text/javascript", body=body)
        elif url == GTAG_URL:
            route.fulfill(status=200, content_type="text/javascript", body=fake_gtag("ABC1234"))
        elif url.startswith(CDN + "/c/abc123/consent"):
            route.fulfill(status=204, body="")
        else:
            route.abort()

    def open(self):
        self.requests.clear()
        self.page.goto(SHOP + "/")
        self.page.wait_for_load_state("load")
        self.page.wait_for_function("window.CONSENTserve !== undefined")
        return self

    def google_requests(self):
        return [u for u in self.requests if GOOGLE.search(urlsplit(u).hostname or "")]

    def click(self, name):
        self.page.get_by_role("button", name=name, exact=True).click()

    def wait_for_tag(self):
        self.page.wait_for_function("window.gtagSaw !== undefined", timeout=5000)

    def data_layer(self):
        return self.page.evaluate(
            "(window.dataLayer || []).map(e => Array.isArray(e) || !e || typeof e.length !== "
            "'number' ? e : Array.from(e))"
        )

    def cookie_names(self):
        return {c["name"] for c in self.page.context.cookies()}

    def settle(self):
        # Long enough for a script that was going to load to be requested.
        self.page.wait_for_timeout(300)


@pytest.fixture
def shop(page):
    return Shop(page, ga4_config())


def commands(layer, name):
    return [e for e in layer if isinstance(e, list) and e[:1] == [name]]


def test_ignored_banner_nothing_goes_to_google(shop):
    shop.open()
    shop.page.locator("[role=dialog]").wait_for()
    shop.settle()
    assert shop.google_requests() == []
    assert ADDON_URL not in shop.requests
    assert shop.cookie_names() == set()
    layer = shop.data_layer()
    # Consent Mode's defaults are there, Google's configuration is not.
    [default] = commands(layer, "consent")
    assert default[1] == "default"
    assert default[2]["analytics_storage"] == "denied"
    assert commands(layer, "config") == []
    assert commands(layer, "js") == []
    # The tag waits in the page, blocked, for its service.
    blocked = shop.page.locator('script[type="text/plain"][data-measurement-id]')
    assert blocked.get_attribute("data-consent") == "google-analytics-4"
    assert shop.problems == []


def test_rejected_nothing_goes_to_google_now_or_on_the_next_page(shop):
    shop.open()
    shop.click("Alle ablehnen")
    shop.settle()
    shop.open()
    shop.settle()
    assert shop.page.locator("[role=dialog]").count() == 0
    assert shop.google_requests() == []
    assert shop.cookie_names() == {"consentserve_consent"}
    assert shop.problems == []


def test_consent_loads_google_tag_after_consent_modes_update(shop):
    shop.open()
    shop.settle()
    assert shop.google_requests() == []
    shop.click("Alle akzeptieren")
    shop.wait_for_tag()
    assert shop.google_requests() == [GTAG_URL]
    saw = shop.page.evaluate("window.gtagSaw")
    names = [entry[0] + ":" + str(entry[1]) for entry in saw if entry[0] in ("consent", "js")]
    assert names[0] == "consent:default"
    assert names.index("consent:update") < next(
        i for i, n in enumerate(names) if n.startswith("js")
    )
    update = next(e for e in saw if e[:2] == ["consent", "update"])
    assert update[2]["analytics_storage"] == "granted"
    [config] = [e for e in saw if e[0] == "config"]
    assert config[1] == MEASUREMENT_ID
    assert config[2] == {
        "cookie_expires": 34214400,
        "allow_google_signals": False,
        "allow_ad_personalization_signals": False,
    }
    assert shop.page.evaluate(f"window['ga-disable-{MEASUREMENT_ID}']") is False
    assert {"_ga", "_ga_ABC1234"} <= shop.cookie_names()
    assert shop.problems == []


def test_a_stored_consent_loads_the_tag_on_the_next_page_without_the_banner(shop):
    shop.open()
    shop.click("Alle akzeptieren")
    shop.wait_for_tag()
    shop.open()
    shop.wait_for_tag()
    assert shop.page.locator("[role=dialog]").count() == 0
    assert shop.google_requests() == [GTAG_URL]


def test_withdrawal_updates_consent_mode_deletes_the_cookies_and_stops_the_tag(shop):
    shop.open()
    shop.click("Alle akzeptieren")
    shop.wait_for_tag()
    assert {"_ga", "_ga_ABC1234"} <= shop.cookie_names()
    shop.page.get_by_role("link", name="Cookie-Einstellungen").click()
    shop.click("Alle ablehnen")
    shop.settle()
    last_update = commands(shop.data_layer(), "consent")[-1]
    assert last_update[1] == "update"
    assert last_update[2]["analytics_storage"] == "denied"
    assert shop.cookie_names() == {"consentserve_consent"}
    # The tag already in the page is switched off; the next page does not load it.
    assert shop.page.evaluate(f"window['ga-disable-{MEASUREMENT_ID}']") is True
    shop.open()
    shop.settle()
    assert shop.google_requests() == []
    assert shop.problems == []


def test_consent_to_another_statistics_service_does_not_load_google(shop):
    shop.open()
    shop.click("Einstellungen")
    shop.page.get_by_role("switch", name="Eigene Statistik").check()
    shop.page.get_by_role("button", name="Auswahl speichern").click()
    shop.settle()
    consent = shop.page.evaluate("CONSENTserve.getConsent()")
    assert consent["services"]["own-analytics"] is True
    assert consent["categories"]["statistics"] is True
    assert consent["services"]["google-analytics-4"] is False
    assert shop.google_requests() == []
    assert ADDON_URL not in shop.requests


def test_the_portal_preview_never_loads_google(page):
    shop = Shop(page, ga4_config(preview=True, domains=[]))
    shop.open()
    shop.click("Alle akzeptieren")
    shop.settle()
    assert shop.google_requests() == []
    assert ADDON_URL not in shop.requests


def test_on_a_foreign_host_nothing_is_loaded(page):
    shop = Shop(page, ga4_config(domains=["other.example"]))
    shop.page.goto(SHOP + "/")
    shop.page.wait_for_load_state("load")
    shop.settle()
    assert shop.page.evaluate("window.CONSENTserve") is None
    assert shop.google_requests() == []
    assert ADDON_URL not in shop.requests


def test_without_a_measurement_id_the_answer_is_the_plain_banner(page):
    config = ga4_config()
    del config["services"][0]["measurement_id"]
    shop = Shop(page, config)
    shop.open()
    shop.click("Alle akzeptieren")
    shop.settle()
    assert shop.page.locator("script[data-measurement-id]").count() == 0
    assert shop.google_requests() == []
    assert json.loads(shop.page.evaluate("JSON.stringify(CONSENTserve.getConsent().services)"))[
        "google-analytics-4"
    ]
