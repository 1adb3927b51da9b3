"""The banner runtime's per-service choices, Consent Mode from services, the preview mode, the
consent ID and the record it sends, in real Chromium (the committed bundle, served by
`page.route` as in test_banner_runtime.py)."""

import copy
import re
import time

import pytest
from test_banner_runtime import CONFIG, ENDPOINT, SHOP, VIDEO, Site

pytestmark = pytest.mark.browser

PORTAL = "https://portal.consentserve.example"
BEACON_KEYS = {
    "consent_id",
    "version",
    "sha256",
    "action",
    "categories",
    "services",
    "layer",
    "gpc",
    "language",
    "path",
    "time",
}

# One blocked script per service of the marketing category, one tagged with the category itself.
BLOCKED = """
<script type="text/plain" data-consent="analytics">window.ran.push("analytics");</script>
<script type="text/plain" data-consent="youtube">window.ran.push("youtube");</script>
<script type="text/plain" data-consent="maps">window.ran.push("maps");</script>
<script type="text/plain" data-consent="marketing">window.ran.push("marketing");</script>
"""

# Counts every read and write of document.cookie, localStorage and sessionStorage.
SPY = """(() => {
    window.__access = {cookie: 0, storage: 0};
    const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true,
        get() { if (!window.__spyOff) window.__access.cookie++; return d.get.call(this); },
        set(v) { if (!window.__spyOff) window.__access.cookie++; d.set.call(this, v); },
    });
    for (const name of ['localStorage', 'sessionStorage']) {
        const s = Object.getOwnPropertyDescriptor(window, name);
        Object.defineProperty(window, name, {
            configurable: true,
            get() { if (!window.__spyOff) window.__access.storage++; return s.get.call(this); },
        });
    }
})()"""


def _config():
    config = copy.deepcopy(CONFIG)
    # A necessary service, and two services sharing a cookie name.
    config["services"].append(
        {
            "id": "session",
            "category": "necessary",
            "name": "Shop session",
            "provider": "Shop GmbH",
            "purpose": {"de": "Warenkorb", "en": "Basket"},
            "privacy_url": "https://shop.example.com/datenschutz",
            "cookies": [
                {"name": "sid", "pattern": False, "lifetime": {"de": "1 Tag", "en": "1 day"}}
            ],
            "storage": [],
            "consent_mode": [],
            "transfer": {"de": "keine", "en": "none"},
        }
    )
    for service in config["services"]:
        if service["id"] in ("youtube", "maps"):
            service["cookies"] = [*service["cookies"], {"name": "NID", "pattern": False}]
    return config


class PathSite(Site):
    """A Site whose page is served at any path of the origin."""

    def _handle(self, route):
        url = route.request.url
        if url.startswith(self.origin + "/") and route.request.resource_type == "document":
            self.requests.append(url)
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html())
        else:
            super()._handle(route)


@pytest.fixture
def site(page):
    return Site(page, config=_config(), blocked=BLOCKED)


def _switch(site, name):
    return site.page.get_by_role("switch", name=name, exact=True)


def test_a_single_service_runs_only_its_own_scripts_and_partly_grants_its_category(site):
    site.open()
    site.button("Einstellungen").click()
    _switch(site, "Google Maps").check()
    assert _switch(site, "Marketing").is_checked()
    assert not _switch(site, "YouTube").is_checked()
    site.button("Auswahl speichern").click()
    # A script tagged with the category runs too: the category counts as granted.
    site.page.wait_for_function("window.ran.length === 2")
    site.page.wait_for_timeout(200)
    assert site.ran() == ["maps", "marketing"]
    consent = site.consent()
    assert consent["services"] == {
        "analytics": False,
        "youtube": False,
        "maps": True,
        "chat": False,
        "session": True,
    }
    assert consent["categories"] == {
        "necessary": True,
        "preferences": False,
        "statistics": False,
        "marketing": True,
    }
    # The YouTube embed stays behind its placeholder.
    assert site.page.locator("iframe").get_attribute("src") is None
    assert not any(VIDEO in url for url in site.requests)
    site.wait_for_beacons(1)
    assert site.beacons[0]["services"] == consent["services"]
    assert site.beacons[0]["action"] == "custom"
    value = site.cookies()["consentserve_consent"]["value"].replace("%7C", "|").replace("%2B", "+")
    fields = value.split("|")
    assert fields[0] == "2"
    # Only what cannot be derived: the granted service; its category and the necessary
    # service follow from it and from the configuration.
    assert fields[7:] == ["", "maps"]
    # The choice holds on the next page view and shows in the second layer.
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 2")
    assert site.ran() == ["maps", "marketing"]
    assert site.consent()["services"] == consent["services"]
    site.page.evaluate("CONSENTserve.show()")
    site.button("Einstellungen").click()
    assert _switch(site, "Google Maps").is_checked()
    assert not _switch(site, "YouTube").is_checked()
    site.clean()


def test_a_category_switch_sets_its_services_and_follows_them(site):
    site.open()
    site.button("Einstellungen").click()
    marketing, youtube, maps = (_switch(site, n) for n in ("Marketing", "YouTube", "Google Maps"))
    marketing.check()
    assert youtube.is_checked()
    assert maps.is_checked()
    maps.uncheck()
    assert marketing.is_checked()
    youtube.uncheck()
    assert not marketing.is_checked()
    youtube.check()
    assert marketing.is_checked()
    marketing.uncheck()
    assert not youtube.is_checked()
    assert not maps.is_checked()
    # Services of the necessary category are on and cannot be switched off.
    session = _switch(site, "Shop session")
    assert session.is_checked()
    assert session.is_disabled()
    assert _switch(site, "Notwendig").is_disabled()
    site.button("Alle ablehnen").click()
    assert site.consent()["services"]["session"] is True
    assert site.consent()["services"]["maps"] is False
    site.clean()


def test_withdrawing_one_service_deletes_only_what_no_granted_service_declares(site):
    site.open()
    site.button("Alle akzeptieren").click()
    site.page.wait_for_function("window.ran.length === 4")
    site.page.evaluate(
        """() => {
        for (const c of ["_ga=1", "VISITOR_INFO1_LIVE=x", "NID=1", "sid=1", "cart=3"])
            document.cookie = c + "; path=/; max-age=9999";
        localStorage.setItem("yt-player-quality", "hd");
        localStorage.setItem("chat_state", "open");
    }"""
    )
    site.page.evaluate("CONSENTserve.show()")
    site.button("Einstellungen").click()
    _switch(site, "YouTube").uncheck()
    site.button("Auswahl speichern").click()
    # YouTube's own cookie and storage are gone; NID is also Google Maps', which stays granted.
    assert set(site.cookies()) == {"consentserve_consent", "_ga", "NID", "sid", "cart"}
    assert site.page.evaluate("Object.keys(localStorage)") == ["chat_state"]
    site.wait_for_beacons(2)
    assert site.beacons[1]["action"] == "withdraw"
    assert site.beacons[1]["services"]["youtube"] is False
    assert site.beacons[1]["categories"]["marketing"] is True
    # Then Maps too: now NID goes as well.
    site.page.evaluate("CONSENTserve.show()")
    site.button("Einstellungen").click()
    _switch(site, "Google Maps").uncheck()
    site.button("Auswahl speichern").click()
    assert set(site.cookies()) == {"consentserve_consent", "_ga", "sid", "cart"}
    site.wait_for_beacons(3)
    assert site.beacons[2]["action"] == "withdraw"
    assert site.beacons[2]["categories"]["marketing"] is False
    site.clean()


def test_consent_mode_signals_come_from_services_of_a_custom_category(page):
    config = _config()
    config["categories"].append(
        {"id": "social", "label": {"de": "Soziale Medien", "en": "Social media"}}
    )
    config["services"].append(
        {
            "id": "pixel",
            "category": "social",
            "name": "Pixel",
            "provider": "Ads Inc.",
            "consent_mode": ["ad_storage", "security_storage"],
        }
    )
    site = Site(page, config=config, blocked=BLOCKED)
    site.open()
    site.button("Einstellungen").click()
    _switch(site, "Soziale Medien").check()
    _switch(site, "Google Analytics").check()
    site.button("Auswahl speichern").click()
    site.wait_for_beacons(1)
    update = site.data_layer()[3]
    assert update == [
        "consent",
        "update",
        {
            "ad_storage": "granted",
            "analytics_storage": "granted",
            "ad_user_data": "denied",
            "ad_personalization": "denied",
            "functionality_storage": "denied",
            "personalization_storage": "denied",
        },
    ]
    # A standard category granted through one of its services grants its signals.
    site.page.evaluate("CONSENTserve.show()")
    site.button("Einstellungen").click()
    _switch(site, "Soziale Medien").uncheck()
    _switch(site, "Google Maps").check()
    site.button("Auswahl speichern").click()
    update = site.data_layer()[-1]
    assert update[2]["ad_storage"] == update[2]["ad_user_data"] == "granted"
    assert update[2]["functionality_storage"] == "denied"
    site.clean()


def test_the_second_layer_shows_the_consent_id_once_there_is_one(site):
    site.open()
    site.button("Einstellungen").click()
    assert "Einwilligungs-ID" not in site.banner().inner_text()
    assert site.page.locator("[role=dialog] code").count() == 0
    site.button("Alle ablehnen").click()
    site.page.evaluate("CONSENTserve.show()")
    site.button("Einstellungen").click()
    consent_id = site.consent()["id"]
    assert f"Ihre Einwilligungs-ID: {consent_id}" in site.banner().inner_text()
    code = site.page.locator("[role=dialog] code")
    assert code.inner_text() == consent_id
    assert code.evaluate("e => getComputedStyle(e).userSelect") == "all"
    site.clean()


def test_the_consent_id_label_follows_the_language(page):
    site = Site(page, config=_config(), blocked=BLOCKED, lang="en")
    site.open()
    site.button("Reject all").click()
    site.page.evaluate("CONSENTserve.show()")
    site.button("Settings").click()
    assert f"Your consent ID: {site.consent()['id']}" in site.banner().inner_text()
    site.clean()


def test_the_record_has_exactly_the_agreed_keys_and_each_decision_its_own_time(page):
    site = PathSite(page, config=_config(), blocked=BLOCKED)
    bodies = []
    page.on(
        "request",
        lambda r: r.url == ENDPOINT and bodies.append((r.headers.get("content-type"), r.post_data)),
    )
    site.page.goto(SHOP + "/shop/cart?utm_source=x&email=a@b.example#top")
    site.banner().wait_for()
    before = int(time.time() * 1000)
    # Two decisions within the same task: usually within one millisecond.
    site.page.evaluate(
        """() => {
        const root = document.querySelector('[data-consentserve]').shadowRoot;
        const press = text => Array.from(root.querySelectorAll('button'))
            .find(b => b.textContent === text).click();
        press('Alle akzeptieren');
        CONSENTserve.show();
        press('Alle ablehnen');
    }"""
    )
    site.wait_for_beacons(2)
    first, second = site.beacons
    for beacon in (first, second):
        assert set(beacon) == BEACON_KEYS
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", beacon["consent_id"])
        assert type(beacon["version"]) is int
        assert beacon["version"] == 3
        assert re.fullmatch(r"[0-9a-f]{64}", beacon["sha256"])
        assert beacon["sha256"] == CONFIG["sha256"]
        assert set(beacon["categories"]) == {c["id"] for c in site.config["categories"]}
        assert set(beacon["services"]) == {s["id"] for s in site.config["services"]}
        assert all(type(v) is bool for v in beacon["categories"].values())
        assert all(type(v) is bool for v in beacon["services"].values())
        assert beacon["layer"] == 1
        assert beacon["gpc"] is False
        assert beacon["language"] == "de"
        assert beacon["path"] == "/shop/cart"
        assert type(beacon["time"]) is int
        assert before <= beacon["time"] <= int(time.time() * 1000) + 5
    assert (first["action"], second["action"]) == ("accept_all", "withdraw")
    assert first["consent_id"] == second["consent_id"]
    assert second["time"] > first["time"]
    # The cookie keeps the time of the last decision, to the millisecond.
    value = site.cookies()["consentserve_consent"]["value"].replace("%7C", "|")
    assert int(value.split("|")[5], 36) == second["time"]
    assert site.consent()["time"] == _iso(second["time"])
    # Sent as text, so the browser needs no preflight.
    assert len(bodies) == 2
    assert all(kind.startswith("text/plain") for kind, _ in bodies)
    site.clean()


def _iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def test_the_record_stays_small_with_50_services(page):
    config = _config()
    config["services"] = [
        {
            "id": f"service-with-a-rather-long-id-{i:02d}",
            "category": ("statistics", "marketing", "preferences")[i % 3],
            "name": f"Service {i}",
            "provider": "Provider",
        }
        for i in range(50)
    ]
    site = Site(page, config=config, blocked="", embed="")
    sizes = []
    page.on("request", lambda r: r.url == ENDPOINT and sizes.append(len(r.post_data_buffer)))
    site.open()
    site.button("Alle akzeptieren").click()
    site.wait_for_beacons(1)
    assert len(site.beacons[0]["services"]) == 50
    print(f"record with 50 services: {sizes[0]} bytes")
    assert sizes[0] < 4096
    site.clean()


def test_an_old_or_broken_cookie_means_asking_again(site):
    site.page.context.add_cookies(
        [
            {
                "name": "consentserve_consent",
                "value": "1%7CAAAAAAAAAAAAAAAAAAAAAA%7C3%7C5f2b7c1e%7Cabc%7Csa0000%7C0%7Cmarketing",
                "url": SHOP,
            }
        ]
    )
    site.open()
    site.banner().wait_for()
    assert site.consent() is None
    site.page.context.add_cookies(
        [{"name": "consentserve_consent", "value": "2%7Cgarbage%7C%E0%A4%A", "url": SHOP}]
    )
    site.page.reload()
    site.banner().wait_for()
    site.page.wait_for_timeout(100)
    assert site.ran() == []
    site.button("Alle ablehnen").click()
    assert site.cookies()["consentserve_consent"]["value"].startswith("2%7C")
    site.clean()


def _preview(config, layer=None):
    config = copy.deepcopy(config)
    config["preview"] = True
    if layer:
        config["preview_layer"] = layer
    return config


def test_the_preview_ignores_the_origin_stores_and_sends_nothing_and_shows_again(page):
    page.add_init_script(SPY)
    site = Site(page, origin=PORTAL, config=_preview(_config()), blocked=BLOCKED)
    site.open()
    site.banner().wait_for()
    # Opened at once, without taking the focus from the page around it.
    assert page.evaluate("document.activeElement === document.body")
    site.button("Alle akzeptieren").click()
    assert site.banner().count() == 0
    site.banner().wait_for(timeout=3000)
    site.button("Einstellungen").click()
    assert _switch(site, "YouTube").is_checked()
    # The consent ID the visitor would see, here only in memory.
    assert site.page.locator("[role=dialog] code").inner_text() == site.consent()["id"]
    site.button("Alle ablehnen").click()
    site.page.wait_for_timeout(300)
    assert page.evaluate("window.__access") == {"cookie": 0, "storage": 0}
    assert site.cookies() == {}
    assert ENDPOINT not in site.requests
    assert site.beacons == []
    assert site.ran() == []
    assert page.evaluate("typeof window.dataLayer") == "undefined"
    assert site.page.locator("[data-consentserve-placeholder]").count() == 0
    assert site.page.locator("iframe").get_attribute("src") is None
    site.clean()


def test_the_spy_sees_a_normal_page_use_the_cookie(page):
    # The same page without preview reads and writes the cookie: the spy above can fail.
    page.add_init_script(SPY)
    site = Site(page, config=_config(), blocked=BLOCKED)
    site.open()
    site.button("Alle akzeptieren").click()
    assert page.evaluate("window.__access.cookie") > 0
    site.clean()


def test_the_preview_ignores_a_stored_choice_and_can_open_on_the_second_layer(page):
    site = Site(page, config=_config(), blocked=BLOCKED)
    site.open()
    site.button("Alle akzeptieren").click()
    site.page.wait_for_function("window.ran.length === 4")
    site.config = _preview(site.config, layer=2)
    page.reload()
    site.banner().wait_for()
    # The stored choice is neither read nor applied: every switch is off, nothing runs.
    assert page.get_by_role("switch").count() == 9
    assert not _switch(site, "YouTube").is_checked()
    page.wait_for_timeout(200)
    assert site.ran() == []
    assert site.consent() is None
    site.button("Auswahl speichern").click()
    _switch(site, "YouTube").wait_for(timeout=3000)
    assert len(site.beacons) == 1
    site.clean()


def test_decisions_in_the_same_millisecond_get_distinct_times(site):
    # A frozen clock: every decision happens "at once".
    site.page.add_init_script("Date.now = () => 1767225600000")
    site.open()
    site.button("Alle akzeptieren").click()
    for name in ("Alle ablehnen", "Alle akzeptieren"):
        site.page.evaluate("CONSENTserve.show()")
        site.button(name).click()
    site.wait_for_beacons(3)
    times = [b["time"] for b in site.beacons]
    assert times == [1767225600000, 1767225600001, 1767225600002]
    site.clean()


def test_a_category_without_services_keeps_its_own_switch(page):
    config = _config()
    config["categories"].append({"id": "comfort", "label": {"de": "Komfort", "en": "Comfort"}})
    blocked = (
        BLOCKED + '<script type="text/plain" data-consent="comfort">ran.push("comfort")</script>'
    )
    site = Site(page, config=config, blocked=blocked)
    site.open()
    site.button("Einstellungen").click()
    _switch(site, "Komfort").check()
    site.button("Auswahl speichern").click()
    site.page.wait_for_function("window.ran.length === 1")
    assert site.ran() == ["comfort"]
    value = site.cookies()["consentserve_consent"]["value"].replace("%7C", "|")
    assert value.split("|")[7:] == ["comfort", ""]
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 1")
    assert site.consent()["categories"]["comfort"] is True
    assert not any(site.consent()["services"][s] for s in ("analytics", "youtube", "maps"))
    site.clean()
