"""The visitor's banner runtime (the committed bundle) in real Chromium on made-up origins.

Every request is answered by the test itself through `page.route`; anything it does not know is
aborted and recorded, so no test reaches the network and "no request before consent" is checked
on the complete list of what the page asked for."""

import copy
import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BUNDLE = (
    Path(__file__).resolve().parent.parent
    / "consentserve"
    / "banner"
    / "static"
    / "banner"
    / "banner.js"
)
CDN = "https://cdn.consentserve.example"
BUNDLE_URL = CDN + "/static/banner/banner.js"
ENDPOINT = CDN + "/c/abc123/consent"
SHOP = "https://shop.example.com"
VIDEO = "https://www.youtube-nocookie.com/embed/abc"

CONFIG = {
    "v": 1,
    "key": "abc123",
    "version": 3,
    "sha256": "5f2b7c1e" + "0" * 56,
    "domains": ["shop.example.com", "*.example.org"],
    "languages": ["de", "en"],
    "default_language": "de",
    "lifetime_days": 365,
    "options": {"gpc": True, "reopen_button": True, "consent_mode": True},
    "theme": {
        "background": "#ffffff",
        "text": "#1f2933",
        "accent": "#0f766e",
        "accent_text": "#ffffff",
        "radius": 8,
        "position": "bottom",
    },
    "categories": [
        {
            "id": "necessary",
            "required": True,
            "default": False,
            "label": {"de": "Notwendig", "en": "Necessary"},
            "description": {"de": "Für den Betrieb nötig.", "en": "Needed to run the site."},
        },
        {
            "id": "preferences",
            "label": {"de": "Präferenzen", "en": "Preferences"},
            "description": {"de": "Merkt sich Einstellungen.", "en": "Remembers settings."},
        },
        {
            "id": "statistics",
            "label": {"de": "Statistik", "en": "Statistics"},
            "description": {"de": "Zählt Besuche.", "en": "Counts visits."},
        },
        {
            "id": "marketing",
            "label": {"de": "Marketing", "en": "Marketing"},
            "description": {"de": "Werbung und Videos.", "en": "Ads and videos."},
        },
    ],
    "services": [
        {
            "id": "analytics",
            "category": "statistics",
            "name": "Google Analytics",
            # Catalog providers come per language; others below are one string.
            "provider": {
                "de": "Google Ireland Limited, Gordon House, Dublin 4, Irland",
                "en": "Google Ireland Limited, Gordon House, Dublin 4, Ireland",
            },
            "purpose": {"de": "Reichweitenmessung", "en": "Audience measurement"},
            "privacy_url": "https://policies.google.com/privacy",
            "cookies": [
                {"name": "_ga", "pattern": False, "lifetime": {"de": "2 Jahre", "en": "2 years"}},
                {"name": "_ga_*", "pattern": True, "lifetime": {"de": "2 Jahre", "en": "2 years"}},
                {"name": "_gid", "pattern": False, "lifetime": {"de": "1 Tag", "en": "1 day"}},
            ],
            "storage": [],
            "consent_mode": ["analytics_storage"],
            "transfer": {"de": "USA (DPF)", "en": "USA (DPF)"},
        },
        {
            "id": "youtube",
            "category": "marketing",
            "name": "YouTube",
            "provider": "Google Ireland Limited",
            "purpose": {"de": "Videos einbetten", "en": "Embedded videos"},
            "privacy_url": "https://policies.google.com/privacy",
            "cookies": [
                {
                    "name": "VISITOR_INFO1_LIVE",
                    "pattern": False,
                    "lifetime": {"de": "6 Monate", "en": "6 months"},
                }
            ],
            "storage": [
                {
                    "name": "yt-*",
                    "pattern": True,
                    "lifetime": {"de": "dauerhaft", "en": "persistent"},
                }
            ],
            "consent_mode": ["ad_storage", "ad_user_data", "ad_personalization"],
            "transfer": {"de": "USA (DPF)", "en": "USA (DPF)"},
        },
        {
            "id": "maps",
            "category": "marketing",
            "name": "Google Maps",
            "provider": "Google Ireland Limited",
            "purpose": {"de": "Karten", "en": "Maps"},
            "privacy_url": "https://policies.google.com/privacy",
            "cookies": [],
            "storage": [],
            "consent_mode": [],
            "transfer": {"de": "USA (DPF)", "en": "USA (DPF)"},
        },
        {
            "id": "chat",
            "category": "preferences",
            "name": "Chat",
            "provider": "Chat GmbH, Berlin",
            "purpose": {"de": "Kundenchat", "en": "Customer chat"},
            "privacy_url": "https://chat.example/privacy",
            "cookies": [],
            "storage": [
                {
                    "name": "chat_state",
                    "pattern": False,
                    "lifetime": {"de": "Sitzung", "en": "session"},
                }
            ],
            "consent_mode": [],
            "transfer": {"de": "keine", "en": "none"},
        },
    ],
    "texts": {
        "de": {
            "title": "Wir respektieren Ihre Privatsphäre",
            "body": "Wir nutzen Cookies und ähnliche Techniken. Sie können jederzeit widerrufen.",
            "accept_all": "Alle akzeptieren",
            "reject_all": "Alle ablehnen",
            "settings": "Einstellungen",
            "save": "Auswahl speichern",
            "privacy_label": "Datenschutzerklärung",
            "privacy_url": "https://shop.example.com/datenschutz",
            "imprint_label": "Impressum",
            "imprint_url": "https://shop.example.com/impressum",
            "reopen_label": "Datenschutz-Einstellungen",
            "services_count": "{n} Dienste",
        },
        "en": {
            "title": "We respect your privacy",
            "body": "We use cookies and similar techniques. You can withdraw at any time.",
            "accept_all": "Accept all",
            "reject_all": "Reject all",
            "settings": "Settings",
            "save": "Save selection",
            "privacy_label": "Privacy policy",
            "privacy_url": "https://shop.example.com/privacy",
            "imprint_label": "Imprint",
            "imprint_url": "https://shop.example.com/imprint",
            "reopen_label": "Privacy settings",
            "services_count": "{n} services",
        },
    },
    "consent_endpoint": "/c/abc123/consent",
}

# Blocked content: two inline scripts and one external script (document order matters), and an
# embed. Each activated script leaves a trace in window.ran and in the dataLayer.
BLOCKED = """
<script type="text/plain" data-consent="analytics">
  window.ran.push("analytics-1"); dataLayer.push({event: "analytics-1"});
</script>
<script type="text/plain" data-consent="youtube" src="/js/youtube.js"></script>
<script type="text/plain" data-consent="analytics">window.ran.push("analytics-2");</script>
"""
EMBED = f'<iframe data-consent="youtube" data-src="{VIDEO}" title="Video"></iframe>'

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>
<script>window.ran = []; window.__CONSENTSERVE_CONFIG__ = {config};</script>
<script src="{bundle}" async></script>
{blocked}
</head><body><h1>Shop</h1>
<p><a href="#" data-consentserve-open>Cookie-Einstellungen</a></p>
{embed}
</body></html>"""


class Site:
    """A shop page with the banner, served from `origin` entirely by the test."""

    def __init__(self, page, origin=SHOP, config=None, lang="de", blocked=BLOCKED, embed=EMBED):
        self.page = page
        self.origin = origin
        self.config = copy.deepcopy(CONFIG) if config is None else config
        self.lang = lang
        self.blocked = blocked
        self.embed = embed
        self.with_bundle = True
        self.requests = []
        self.aborted = []
        self.beacons = []
        self.collector_answers = []  # the next answers of the collector: a status or "abort"
        self.problems = []
        self.dialogs = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("dialog", self._dialog)
        page.route("**/*", self._handle)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def html(self):
        config = json.dumps(self.config).replace("<", "\\u003c")
        return PAGE.format(
            lang=self.lang,
            config=config,
            bundle=BUNDLE_URL,
            blocked=self.blocked,
            embed=self.embed,
        )

    def _handle(self, route):
        request = route.request
        url = request.url
        self.requests.append(url)
        if url == self.origin + "/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html())
        elif url == BUNDLE_URL and self.with_bundle:
            route.fulfill(status=200, content_type="text/javascript", body=BUNDLE.read_bytes())
        elif url == self.origin + "/js/youtube.js":
            route.fulfill(
                status=200, content_type="text/javascript", body='window.ran.push("youtube");'
            )
        elif url == ENDPOINT and request.method == "POST":
            self.beacons.append(json.loads(request.post_data))
            # As the collector answers: the allowed origin echoed.
            answer = self.collector_answers.pop(0) if self.collector_answers else 204
            if answer == "abort":
                route.abort()
                return
            headers = {"Access-Control-Allow-Origin": self.origin}
            if answer == 503:
                headers["Retry-After"] = "1"
            route.fulfill(status=answer, headers=headers, body="")
        elif url == VIDEO:
            route.fulfill(status=200, content_type="text/html", body="<p>video</p>")
        else:
            self.aborted.append(url)
            route.abort()

    def open(self):
        self.page.goto(self.origin + "/")
        self.page.wait_for_load_state("load")
        return self

    def banner(self):
        return self.page.locator("[role=dialog]")

    def button(self, name):
        return self.page.get_by_role("button", name=name, exact=True)

    def cookies(self):
        return {c["name"]: c for c in self.page.context.cookies()}

    def ran(self):
        return self.page.evaluate("window.ran")

    def consent(self):
        return self.page.evaluate("window.CONSENTserve.getConsent()")

    def data_layer(self):
        # gtag pushes Arguments objects; other pushes are plain objects.
        return self.page.evaluate(
            "(window.dataLayer || []).map(e => e && typeof e.length === 'number'"
            " && !Array.isArray(e) ? Array.from(e) : e)"
        )

    def wait_for_beacons(self, n):
        deadline = time.monotonic() + 5
        while len(self.beacons) < n and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)
        assert len(self.beacons) >= n, self.beacons

    def clean(self):
        """No script error, console error or native dialog happened."""
        assert self.problems == []
        assert self.dialogs == []


@pytest.fixture
def site(page):
    return Site(page)


def test_before_a_choice_nothing_blocked_runs_and_no_cookie_is_set(site):
    site.open()
    banner = site.banner()
    banner.wait_for()
    assert banner.get_attribute("aria-modal") == "true"
    assert site.page.locator("#consentserve-title").inner_text() == CONFIG["texts"]["de"]["title"]
    assert "4 Dienste" in banner.inner_text()
    for label in ("Notwendig", "Präferenzen", "Statistik", "Marketing"):
        assert label in banner.inner_text()
    assert site.page.get_by_role("link", name="Impressum").get_attribute("href") == (
        "https://shop.example.com/impressum"
    )
    assert site.page.get_by_role("link", name="Datenschutzerklärung").is_visible()
    site.page.wait_for_timeout(200)
    assert site.ran() == []
    assert site.cookies() == {}
    assert site.consent() is None
    # Only the page and the bundle were requested: no blocked script, no embed, no beacon.
    assert site.requests == [SHOP + "/", BUNDLE_URL]
    assert site.page.locator("iframe").get_attribute("src") is None
    assert site.page.locator("iframe").is_hidden()
    assert (
        "YouTube (Google Ireland Limited)"
        in site.page.locator("[data-consentserve-placeholder] p").inner_text()
    )
    site.clean()


def test_accept_all_runs_blocked_scripts_in_order_and_sets_only_the_consent_cookie(site):
    site.open()
    site.page.evaluate(
        "window.changes = []; CONSENTserve.on('change', c => changes.push(c));"
        "document.addEventListener('consentserve:change', e => changes.push(e.detail))"
    )
    site.button("Alle akzeptieren").click()
    site.page.wait_for_function("window.ran.length === 3")
    assert site.ran() == ["analytics-1", "youtube", "analytics-2"]
    assert site.banner().count() == 0
    cookies = site.cookies()
    assert set(cookies) == {"consentserve_consent"}
    cookie = cookies["consentserve_consent"]
    assert cookie["path"] == "/"
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is True
    assert cookie["domain"] == "shop.example.com"
    assert abs(cookie["expires"] - (time.time() + 365 * 86400)) < 120
    consent = site.consent()
    assert consent["version"] == 3
    assert consent["gpc"] is False
    assert all(consent["categories"].values())
    assert all(consent["services"].values())
    assert len(consent["id"]) == 22
    events = site.page.evaluate("window.changes")
    assert len(events) == 2
    assert events[0] == events[1] == consent
    site.wait_for_beacons(1)
    beacon = site.beacons[0]
    assert beacon["action"] == "accept_all"
    assert beacon["layer"] == 1
    assert beacon["consent_id"] == consent["id"]
    assert beacon["version"] == 3
    assert beacon["sha256"] == CONFIG["sha256"]
    assert beacon["language"] == "de"
    assert beacon["gpc"] is False
    assert beacon["categories"]["marketing"] is True
    # The embed loads on its own once its service is consented.
    site.page.wait_for_function(f"document.querySelector('iframe').src === '{VIDEO}'")
    assert site.page.locator("[data-consentserve-placeholder]").count() == 0
    # On the next page view the decision holds: no banner, scripts run at once.
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    assert site.banner().count() == 0
    assert site.consent()["id"] == consent["id"]
    site.clean()


def test_reject_all_runs_nothing_and_sets_only_the_consent_cookie(site):
    site.open()
    site.button("Alle ablehnen").click()
    site.wait_for_beacons(1)
    site.page.wait_for_timeout(200)
    assert site.ran() == []
    assert set(site.cookies()) == {"consentserve_consent"}
    consent = site.consent()
    assert consent["categories"] == {
        "necessary": True,
        "preferences": False,
        "statistics": False,
        "marketing": False,
    }
    assert site.beacons[0]["action"] == "reject_all"
    assert not any("youtube" in url for url in site.requests)
    # The embed stays behind its placeholder; one click loads this one embed.
    site.button("Einmal laden").click()
    site.page.wait_for_function(f"document.querySelector('iframe').src === '{VIDEO}'")
    assert site.page.locator("iframe").is_visible()
    assert site.ran() == []
    site.clean()


def test_withdrawal_deletes_the_withdrawn_services_cookies_and_storage(site):
    site.open()
    site.button("Alle akzeptieren").click()
    site.page.wait_for_function("window.ran.length === 3")
    site.page.evaluate(
        """() => {
        document.cookie = "_ga=GA1.1.1; path=/; max-age=9999";
        document.cookie = "_ga_ABC123=GS1.1; path=/; max-age=9999";
        document.cookie = "_gid=GA1.2; path=/; domain=.example.com; max-age=9999";
        document.cookie = "VISITOR_INFO1_LIVE=x; path=/; max-age=9999";
        document.cookie = "cart=3; path=/; max-age=9999";
        localStorage.setItem("yt-player-quality", "hd");
        localStorage.setItem("basket", "1");
        sessionStorage.setItem("yt-remote", "1");
    }"""
    )
    assert {"_ga", "_ga_ABC123", "_gid", "VISITOR_INFO1_LIVE", "cart"} <= set(site.cookies())
    reopen = site.page.get_by_role("button", name="Datenschutz-Einstellungen")
    reopen.click()
    site.banner().wait_for()
    site.button("Alle ablehnen").click()
    assert set(site.cookies()) == {"consentserve_consent", "cart"}
    assert site.page.evaluate("Object.keys(localStorage)") == ["basket"]
    assert site.page.evaluate("Object.keys(sessionStorage)") == []
    site.wait_for_beacons(2)
    assert site.beacons[1]["action"] == "withdraw"
    assert site.beacons[1]["consent_id"] == site.beacons[0]["consent_id"]
    assert site.consent()["categories"]["statistics"] is False
    # Focus returns to the button that reopened the banner.
    assert site.page.evaluate(
        "document.querySelector('[data-consentserve]').shadowRoot.activeElement.className"
    ) == ("o")
    site.clean()


def test_any_element_with_the_data_attribute_and_the_api_reopen_the_banner(site):
    site.open()
    site.button("Alle ablehnen").click()
    assert site.banner().count() == 0
    site.page.get_by_role("link", name="Cookie-Einstellungen").click()
    site.banner().wait_for()
    assert site.page.url == SHOP + "/"
    site.button("Alle ablehnen").click()
    site.page.evaluate("CONSENTserve.show()")
    site.banner().wait_for()
    site.clean()


def test_gpc_is_recorded_as_a_rejection_without_a_banner_and_a_later_choice_wins(site):
    site.page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    site.open()
    site.wait_for_beacons(1)
    assert site.banner().count() == 0
    consent = site.consent()
    assert consent["gpc"] is True
    assert not any(v for k, v in consent["categories"].items() if k != "necessary")
    assert set(site.cookies()) == {"consentserve_consent"}
    assert site.beacons[0]["action"] == "gpc"
    assert site.beacons[0]["gpc"] is True
    assert site.ran() == []
    # GPC stays in force on the next page view.
    site.page.reload()
    site.page.wait_for_timeout(200)
    assert site.banner().count() == 0
    assert site.consent()["id"] == consent["id"]
    # An explicit later opt-in prevails.
    site.page.evaluate("CONSENTserve.show()")
    site.button("Alle akzeptieren").click()
    site.page.wait_for_function("window.ran.length === 3")
    assert site.consent()["gpc"] is False
    site.wait_for_beacons(2)
    assert site.beacons[-1]["action"] == "accept_all"
    assert site.beacons[-1]["gpc"] is True
    site.clean()


def _focused(page):
    """The element focused inside the banner's shadow root, or None when focus left it."""
    return page.evaluate(
        """() => {
        const host = document.querySelector('[data-consentserve]');
        if (document.activeElement !== host) return null;
        const el = host.shadowRoot.activeElement;
        if (!el) return null;
        const text = el.labels && el.labels.length ? el.labels[0].textContent
            : el.getAttribute('aria-label') || el.textContent;
        return {tag: el.tagName, text, role: el.getAttribute('role'),
                      outline: getComputedStyle(el).outlineStyle};
    }"""
    )


def _tab_to(page, text, tag=None):
    for _ in range(40):
        focused = _focused(page)
        if focused["text"] == text and tag in (None, focused["tag"]):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {text!r}")


def test_keyboard_only_through_both_layers(site):
    page = site.page
    site.open()
    site.banner().wait_for()
    # Focus starts on the dialog itself, with no choice preselected.
    assert page.evaluate(
        "document.querySelector('[data-consentserve]').shadowRoot.activeElement.getAttribute('role')"
    ) == ("dialog")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused is not None, "focus left the dialog"
        assert focused["outline"] != "none"
        seen.append(focused["text"])
    # Five focusable elements: three buttons, two links; Tab cycles through them.
    assert seen[:5] == [
        "Einstellungen",
        "Alle akzeptieren",
        "Alle ablehnen",
        "Datenschutzerklärung",
        "Impressum",
    ]
    assert seen[5:10] == seen[:5]
    for _ in range(7):
        page.keyboard.press("Shift+Tab")
        assert _focused(page) is not None, "focus left the dialog"
    page.keyboard.press("Escape")
    assert site.banner().is_visible()
    assert site.cookies() == {}
    _tab_to(page, "Einstellungen")
    page.keyboard.press("Enter")
    switches = page.locator("[role=switch]")
    switches.first.wait_for()
    # One switch per category and one per service, each with its own accessible name.
    assert switches.count() == 8
    assert switches.nth(0).is_checked()
    assert switches.nth(0).is_disabled()
    assert not any(switches.nth(i).is_checked() for i in range(1, 8))
    assert page.locator("details").count() == 4
    _tab_to(page, "Statistik")
    page.keyboard.press("Space")
    statistics = page.get_by_role("switch", name="Statistik", exact=True)
    assert statistics.is_checked()
    assert page.get_by_role("switch", name="Google Analytics").is_checked()
    # A service's details open from the keyboard too.
    _tab_to(page, "Google Analytics", "SUMMARY")
    page.keyboard.press("Enter")
    details = site.banner().inner_text()
    assert "_ga_* – 2 Jahre" in details
    assert "Google Ireland Limited, Gordon House, Dublin 4, Irland" in details
    _tab_to(page, "Auswahl speichern")
    page.keyboard.press("Enter")
    page.wait_for_function("window.ran.length === 2")
    assert site.ran() == ["analytics-1", "analytics-2"]
    consent = site.consent()
    assert consent["categories"]["statistics"] is True
    assert consent["categories"]["marketing"] is False
    assert consent["services"] == {
        "analytics": True,
        "youtube": False,
        "maps": False,
        "chat": False,
    }
    site.wait_for_beacons(1)
    assert site.beacons[0]["action"] == "custom"
    assert site.beacons[0]["layer"] == 2
    # Reopened, the second layer shows the earlier choice.
    page.evaluate("CONSENTserve.show()")
    site.button("Einstellungen").click()
    assert page.get_by_role("switch", name="Statistik", exact=True).is_checked()
    assert page.get_by_role("switch", name="Google Analytics").is_checked()
    assert not page.get_by_role("switch", name="Marketing", exact=True).is_checked()
    assert not page.get_by_role("switch", name="YouTube").is_checked()
    site.clean()


def test_a_new_version_with_another_service_asks_again_but_new_wording_does_not(site):
    site.open()
    site.button("Alle akzeptieren").click()
    site.wait_for_beacons(1)
    first_id = site.consent()["id"]
    site.config["version"] = 4
    site.config["texts"]["de"]["title"] = "Neuer Titel"
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    assert site.banner().count() == 0
    site.config["version"] = 5
    site.config["services"].append(
        {
            "id": "pixel",
            "category": "marketing",
            "name": "Pixel",
            "provider": "Ads Inc.",
            "purpose": {"de": "Werbung", "en": "Ads"},
            "privacy_url": "https://ads.example/privacy",
        }
    )
    site.page.reload()
    site.banner().wait_for()
    assert "5 Dienste" in site.banner().inner_text()
    site.page.wait_for_timeout(200)
    assert site.ran() == []
    assert site.consent() is None
    site.button("Alle ablehnen").click()
    assert site.consent()["version"] == 5
    assert site.consent()["id"] == first_id
    site.clean()


def test_the_banner_asks_again_after_the_lifetime(site):
    site.open()
    site.button("Alle akzeptieren").click()
    cookie = site.cookies()["consentserve_consent"]
    fields = cookie["value"].replace("%7C", "|").replace("%2B", "+").split("|")
    stamp = int(fields[5], 36)
    # Move the decision (milliseconds) 366 days into the past; the cookie itself stays.
    fields[5] = _base36(stamp - 366 * 86400 * 1000)
    cookie["value"] = "|".join(fields)
    site.page.context.add_cookies([cookie])
    site.page.reload()
    site.banner().wait_for()
    assert site.consent() is None
    # 364 days are still within the lifetime.
    fields[5] = _base36(stamp - 364 * 86400 * 1000)
    cookie["value"] = "|".join(fields)
    site.page.context.add_cookies([cookie])
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    assert site.banner().count() == 0
    site.clean()


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


@pytest.mark.parametrize(
    ("origin", "runs"),
    [
        ("https://evil.example.net", False),
        ("https://example.org", False),
        ("https://shop.example.com.evil.net", False),
        ("https://www.shop.example.com", False),
        ("https://www.example.org", True),
        ("https://a.b.example.org", True),
    ],
)
def test_the_banner_runs_only_on_its_domains(page, origin, runs):
    site = Site(page, origin=origin)
    site.open()
    page.wait_for_timeout(300)
    assert (site.banner().count() == 1) is runs
    assert page.evaluate("typeof window.CONSENTserve") == ("object" if runs else "undefined")
    if not runs:
        # Nothing at all happens: no element, no dataLayer, no cookie, no request.
        assert page.evaluate("document.querySelectorAll('[data-consentserve]').length") == 0
        assert page.evaluate("typeof window.dataLayer") == "undefined"
        assert site.cookies() == {}
        assert site.requests == [origin + "/", BUNDLE_URL]
        assert site.ran() == []
    site.clean()


XSS = [
    '<img src=x onerror="window.__xss=1">',
    '"><script>window.__xss=1</script>',
    "</style><svg onload=window.__xss=1>",
    "javascript:window.__xss=1",
    "{n}<iframe src=javascript:window.__xss=1>",
]


def _poison(value, payload):
    """Every customer-editable string of the configuration replaced with the payload."""
    if isinstance(value, dict):
        return {
            k: (
                v
                if k in ("id", "category", "v", "key", "consent_endpoint")
                else _poison(v, payload)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_poison(v, payload) for v in value]
    if isinstance(value, str):
        return payload
    return value


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_in_customer_texts_never_execute(page, payload):
    config = copy.deepcopy(CONFIG)
    for key in ("texts", "categories", "services", "theme"):
        config[key] = _poison(config[key], payload)
    site = Site(page, config=config)
    site.open()
    site.banner().wait_for()
    assert payload in site.banner().inner_text()
    site.page.locator("[role=dialog] button").first.click()
    site.page.locator("[role=switch]").first.wait_for()
    for summary in site.page.locator("summary").all():
        summary.click()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    hrefs = page.evaluate(
        "Array.from(document.querySelector('[data-consentserve]').shadowRoot"
        ".querySelectorAll('a')).map(a => a.getAttribute('href'))"
    )
    assert all(h is None or h.startswith("https://") for h in hrefs)
    assert not any(url.endswith("/x") for url in site.requests)
    assert site.dialogs == []
    assert site.problems == []


def test_consent_mode_default_comes_before_any_tag_and_update_follows_each_choice(site):
    site.open()
    site.banner().wait_for()
    layer = site.data_layer()
    assert layer == [
        [
            "consent",
            "default",
            {
                "ad_storage": "denied",
                "analytics_storage": "denied",
                "ad_user_data": "denied",
                "ad_personalization": "denied",
                "functionality_storage": "denied",
                "personalization_storage": "denied",
                "security_storage": "granted",
                "wait_for_update": 500,
            },
        ],
        ["set", "ads_data_redaction", True],
        ["set", "url_passthrough", False],
    ]
    site.button("Einstellungen").click()
    site.page.get_by_role("switch", name="Statistik", exact=True).check()
    site.button("Auswahl speichern").click()
    site.page.wait_for_function("window.ran.length === 2")
    layer = site.data_layer()
    assert layer[3] == [
        "consent",
        "update",
        {
            "analytics_storage": "granted",
            "ad_storage": "denied",
            "ad_user_data": "denied",
            "ad_personalization": "denied",
            "functionality_storage": "denied",
            "personalization_storage": "denied",
        },
    ]
    assert layer[4] == {"event": "analytics-1"}
    site.page.evaluate("CONSENTserve.show()")
    site.button("Alle akzeptieren").click()
    update = site.data_layer()[5]
    assert update[:2] == ["consent", "update"]
    assert set(update[2].values()) == {"granted"}
    # A returning visitor: default first, then the stored choice, then the tags.
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    layer = site.data_layer()
    assert [e[:2] if isinstance(e, list) else e for e in layer[:5]] == [
        ["consent", "default"],
        ["set", "ads_data_redaction"],
        ["set", "url_passthrough"],
        ["consent", "update"],
        {"event": "analytics-1"},
    ]
    site.clean()


STYLE = """els => els.map(e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return {tag: e.tagName, cls: e.className, font: [s.fontSize, s.fontWeight, s.fontFamily],
            padding: s.padding, color: s.color, background: s.backgroundColor, border: s.border,
            radius: s.borderRadius, width: Math.round(r.width), height: Math.round(r.height)};
})"""


@pytest.mark.parametrize("lang", ["de", "en"])
def test_accept_reject_and_settings_are_equally_prominent(page, lang):
    site = Site(page, lang=lang)
    site.open()
    site.banner().wait_for()
    styles = site.page.locator("[role=dialog] button").evaluate_all(STYLE)
    assert len(styles) == 3
    assert styles[0] == styles[1] == styles[2]
    texts = CONFIG["texts"][lang]
    assert site.page.locator("[role=dialog] button").all_inner_texts() == [
        texts["settings"],
        texts["accept_all"],
        texts["reject_all"],
    ]
    site.button(texts["settings"]).click()
    site.page.locator("[role=switch]").first.wait_for()
    styles = site.page.locator("[role=dialog] button").evaluate_all(STYLE)
    assert len(styles) == 3
    assert styles[0] == styles[1] == styles[2]
    site.clean()


COUNT_NODES = """() => {
    const count = node => {
        let n = 1;
        for (const child of node.childNodes) n += count(child);
        if (node.shadowRoot) n += count(node.shadowRoot) - 1;
        return n;
    };
    return count(document);
}"""


def test_the_first_layer_adds_at_most_40_dom_nodes_and_no_page_element_gets_inline_style(page):
    # The benchmark's configuration: three categories, four services, no embed on the page.
    config = copy.deepcopy(CONFIG)
    config["categories"] = config["categories"][:1] + config["categories"][2:]
    for service in config["services"]:
        if service["category"] == "preferences":
            service["category"] = "statistics"
    site = Site(page, config=config, embed="")
    site.with_bundle = False
    site.open()
    without = page.evaluate(COUNT_NODES)
    site.with_bundle = True
    site.page.reload()
    site.banner().wait_for()
    added = page.evaluate(COUNT_NODES) - without
    print(f"DOM nodes added before interaction: {added}")
    assert 0 < added <= 40, added
    assert page.evaluate("document.querySelectorAll('[style]').length") == 0
    # The banner is fixed in place, so the page does not move under it.
    assert page.evaluate("getComputedStyle(document.querySelector('[data-consentserve]')).display")
    position = page.locator("[role=dialog]").evaluate("e => getComputedStyle(e).position")
    assert position == "fixed"
    # The second layer appears only on request.
    assert page.locator("[role=switch]").count() == 0
    site.aborted = [url for url in site.aborted if url != BUNDLE_URL]
    assert site.aborted == []


def test_the_english_page_gets_english_texts_and_unknown_languages_the_default(page):
    site = Site(page, lang="en-GB")
    site.open()
    assert "We respect your privacy" in site.banner().inner_text()
    assert "4 services" in site.banner().inner_text()
    site.lang = "fr"
    page.reload()
    assert "Wir respektieren Ihre Privatsphäre" in site.banner().inner_text()
    site.clean()


# Counts reads of document.cookie, which wait for the browser's cookie store on the main thread.
COOKIE_READS = """(() => {
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    window.cookieReads = 0;
    Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true,
        get() { window.cookieReads++; return cookie.get.call(this); },
        set(value) { cookie.set.call(this, value); },
    });
})();"""


def test_start_up_reads_the_stored_choice_without_blocking_the_page(site):
    site.page.add_init_script(COOKIE_READS)
    site.open()
    site.banner().wait_for()
    assert site.page.evaluate("window.cookieReads") == 0
    site.button("Alle akzeptieren").click()
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    assert site.banner().count() == 0
    assert site.consent()["services"]["analytics"] is True
    assert site.page.evaluate("window.cookieReads") == 0
    site.clean()


# The Cookie Store API answering late (its answer must then change nothing), or missing.
LATE_STORE = """(() => {
    const get = CookieStore.prototype.get;
    CookieStore.prototype.get = function (...args) {
        return get.apply(this, args).then(v => new Promise(r => setTimeout(() => r(v), 300)));
    };
})();"""
NO_STORE = "Object.defineProperty(window, 'cookieStore', {value: undefined, configurable: true});"


@pytest.mark.parametrize("store", [LATE_STORE, NO_STORE], ids=["late", "missing"])
def test_the_api_knows_the_stored_choice_as_soon_as_the_bundle_has_run(site, store):
    site.open()
    site.button("Alle akzeptieren").click()
    consent_id = site.consent()["id"]
    site.page.add_init_script(store)
    html = site.html
    site.html = lambda: html().replace(
        " async></script>", ' async onload="window.early = CONSENTserve.getConsent()"></script>'
    )
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    site.page.wait_for_timeout(500)
    assert site.page.evaluate("window.early && window.early.id") == consent_id
    assert site.banner().count() == 0
    # The stored choice is applied once: one update, each blocked script run once.
    updates = [
        e for e in site.data_layer() if isinstance(e, list) and e[:2] == ["consent", "update"]
    ]
    assert len(updates) == 1
    assert site.ran() == ["analytics-1", "youtube", "analytics-2"]
    site.clean()
