"""The portal's form for the measurement ID of Google Analytics 4 on the installation page, the
hosts a customer's Content-Security-Policy must allow once it is set, and the tracker tag and
notices for the service CONSENTserve Analytics; each role, German and English (R-B3-2)."""

import html

import pytest
from test_portal_factories import make_customer
from test_portal_installations import client_of, reloaded, settings_data, url

from consentserve.installations import services
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import default_draft

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]

GA4 = "google-analytics-4"
ROUTE = f"services/{GA4}/measurement-id/"
CSP_LINES = (
    "script-src https://*.googletagmanager.com",
    "img-src https://*.google-analytics.com https://*.googletagmanager.com",
    "connect-src https://*.google-analytics.com https://*.analytics.google.com "
    "https://*.googletagmanager.com",
)


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


def with_services(customer, *service_ids, name="Shop"):
    user = customer.owner.user
    installation = services.installation_create(
        organisation=customer.organisation, name=name, actor=user
    )
    draft = default_draft()
    for lang, texts in draft["texts"].items():
        texts["privacy_url"] = f"https://example.com/{lang}/privacy"
        texts["imprint_url"] = f"https://example.com/{lang}/imprint"
    draft["services"] = [
        catalog_service_to_config(catalog_get().get(service_id)) for service_id in service_ids
    ]
    services.draft_update(installation=installation, draft=draft, actor=user)
    services.domain_add(installation=installation, pattern="shop.example.com", actor=user)
    return installation


@pytest.fixture
def shop(a):
    return with_services(a, "youtube", GA4)


def ga4_id(installation):
    ga4 = next(s for s in reloaded(installation).draft["services"] if s["id"] == GA4)
    return ga4.get("measurement_id")


def page_of(client, installation, language="en") -> str:
    response = client.get(url(installation, language=language))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("language", "label", "help_start", "saved"),
    [
        (
            "en",
            "Measurement ID",
            "With a measurement ID, the banner loads Google's tag itself after consent",
            "The banner loads Google Analytics 4 with the measurement ID G-ABC123XYZ",
        ),
        (
            "de",
            "Mess-ID",
            "Mit einer Mess-ID lädt das Banner Googles Tag nach der Einwilligung selbst",
            "Das Banner lädt Google Analytics 4 mit der Mess-ID G-ABC123XYZ",
        ),
    ],
)
@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_set_change_and_remove_it(a, shop, role, language, label, help_start, saved):
    client = client_of(getattr(a, role))
    page = page_of(client, shop, language)
    assert f'<label for="id_measurement_id">{label}</label>' in page
    assert help_start in page
    assert '<script type="text/plain" data-consent="google-analytics-4" …>' in page
    # Only the GA4 service has the form.
    assert page.count('name="measurement_id"') == 1
    response = client.post(url(shop, ROUTE, language), {"measurement_id": "G-ABC123XYZ"})
    assert response.status_code == 302
    assert response["Location"].endswith("#services")
    assert ga4_id(shop) == "G-ABC123XYZ"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert saved in page
    assert 'value="G-ABC123XYZ"' in page
    assert client.post(url(shop, ROUTE, language), {"measurement_id": "G-NEW4567"}).status_code
    assert ga4_id(shop) == "G-NEW4567"
    response = client.post(url(shop, ROUTE, language), {"measurement_id": ""})
    assert response.status_code == 302
    assert ga4_id(shop) is None


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "G- followed by 4 to 20 letters or digits, e.g. G-ABC123XYZ."),
        ("de", "G- gefolgt von 4 bis 20 Buchstaben oder Ziffern, z. B. G-ABC123XYZ."),
    ],
)
@pytest.mark.parametrize("value", ["UA-1234-1", "G-AB", "<script>", "G-" + "A" * 30])
def test_bad_input_is_400_with_the_message_and_changes_nothing(a, shop, language, message, value):
    before = reloaded(shop).draft
    response = client_of(a.owner).post(url(shop, ROUTE, language), {"measurement_id": value})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    if value == "<script>":
        # Shown back in the field as text, never as markup.
        assert 'value="&lt;script&gt;"' in response.content.decode()
    assert reloaded(shop).draft == before


def test_other_services_and_missing_consent_mode_are_400(a, shop):
    client = client_of(a.owner)
    before = reloaded(shop).draft
    response = client.post(
        url(shop, "services/youtube/measurement-id/"), {"measurement_id": "G-ABC123XYZ"}
    )
    assert response.status_code == 400
    assert "Only Google Analytics 4 takes a measurement ID." in response.content.decode()
    assert client.post(url(shop, "services/nope/measurement-id/")).status_code == 404
    draft = reloaded(shop).draft
    draft["options"]["consent_mode"] = False
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    response = client.post(url(shop, ROUTE), {"measurement_id": "G-ABC123XYZ"})
    assert response.status_code == 400
    assert "Turn on Google Consent Mode in the settings first" in html.unescape(
        response.content.decode()
    )
    assert ga4_id(shop) is None
    assert reloaded(shop).draft["services"] == before["services"]


def test_consent_mode_cannot_be_turned_off_while_an_id_is_set(a, shop):
    client = client_of(a.owner)
    client.post(url(shop, ROUTE), {"measurement_id": "G-ABC123XYZ"})
    data = settings_data(name="Renamed")
    data.pop("consent_mode", None)
    response = client.post(url(shop, "settings/"), data)
    assert response.status_code == 422
    assert "must be on while the banner loads Google Analytics" in response.content.decode()
    assert reloaded(shop).draft["options"]["consent_mode"] is True
    assert reloaded(shop).name == "Shop"


def test_viewers_read_it_and_get_403(a, shop):
    services.draft_service_measurement_id_set(
        installation=shop, service_id=GA4, measurement_id="G-ABC123XYZ", actor=a.owner.user
    )
    client = client_of(a.viewer)
    page = page_of(client, shop)
    assert 'name="measurement_id"' not in page
    assert "Measurement ID: " in page
    assert "G-ABC123XYZ" in page
    response = client.post(url(shop, ROUTE), {"measurement_id": ""})
    assert response.status_code == 403
    assert ga4_id(shop) == "G-ABC123XYZ"


def test_another_organisations_installation_is_404(a, shop):
    b = make_customer("b", "Beta AG")
    response = client_of(b.owner).post(
        f"/en/portal/o/{a.organisation.pk}/installations/{shop.pk}/{ROUTE}",
        {"measurement_id": "G-ABC123XYZ"},
    )
    assert response.status_code == 404
    response = client_of(b.owner).post(
        f"/en/portal/o/{b.organisation.pk}/installations/{shop.pk}/{ROUTE}",
        {"measurement_id": "G-ABC123XYZ"},
    )
    assert response.status_code == 404
    assert ga4_id(shop) is None


@pytest.mark.parametrize(
    ("language", "intro"),
    [
        ("en", "If your pages send a Content-Security-Policy, it must allow Google's hosts:"),
        ("de", "Wenn Ihre Seiten eine Content-Security-Policy senden, muss sie Googles Hosts"),
    ],
)
def test_embed_section_names_the_csp_hosts_once_an_id_is_set(a, shop, language, intro):
    client = client_of(a.viewer)
    page = page_of(client, shop, language)
    assert intro not in page
    assert "googletagmanager" not in page
    services.draft_service_measurement_id_set(
        installation=shop, service_id=GA4, measurement_id="G-ABC123XYZ", actor=a.owner.user
    )
    embed = page_of(client, shop, language).split('id="embed"')[1]
    assert intro in embed
    assert "G-ABC123XYZ" in embed
    for line in CSP_LINES:
        assert f"<code>{line}</code>" in embed


# --- the tracker's service --------------------------------------------------------------------


def analytics_on(customer, installation):
    services.analytics_set(installation=installation, enabled=True, actor=customer.owner.user)


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("en", "Add the service CONSENTserve Analytics from the catalog to your banner"),
        ("de", "Fügen Sie Ihrem Banner den Dienst CONSENTserve Analytics aus dem Katalog hinzu"),
    ],
)
def test_tag_follows_the_category_until_the_service_is_added(a, shop, language, notice):
    analytics_on(a, shop)
    client = client_of(a.owner)
    page = page_of(client, shop, language)
    assert f'data-consent="statistics" data-key="{shop.public_key}"' in page
    assert notice in page
    analytics = html.unescape(client.get(url(shop, "analytics/", language)).content.decode())
    assert notice in analytics
    response = client.post(
        url(shop, "services/catalog/", language), {"service_id": "consentserve-analytics"}
    )
    assert response.status_code == 302
    page = page_of(client, shop, language)
    assert f'data-consent="consentserve-analytics" data-key="{shop.public_key}"' in page
    assert notice not in page
    # Not published yet: the banner visitors get does not know the service.
    unpublished = {
        "en": "The tag names the service CONSENTserve Analytics: publish the banner with it",
        "de": "Das Tag nennt den Dienst CONSENTserve Analytics: Veröffentlichen Sie das Banner",
    }[language]
    assert unpublished in page
    services.publish(shop, actor=a.owner.user)
    page = page_of(client, shop, language)
    assert unpublished not in page
    analytics = html.unescape(client.get(url(shop, "analytics/", language)).content.decode())
    assert notice not in analytics


def test_without_category_and_service_the_notice_says_to_add_the_service(a):
    shop = with_services(a, "youtube")
    draft = reloaded(shop).draft
    draft["categories"] = [c for c in draft["categories"] if c["id"] != "statistics"]
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    analytics_on(a, shop)
    page = page_of(client_of(a.owner), shop)
    assert (
        "This banner has neither the service CONSENTserve Analytics nor a category with the ID "
        "statistics" in page
    )
