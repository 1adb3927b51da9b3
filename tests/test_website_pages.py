"""The public website: pages in German and English, translated URLs, the language choice that is
the only thing setting the language cookie (R-C1-3), no cookies on plain pages (R-C1-1), the
imprint from the register (R-A-1) and friendly error pages."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from consentserve.privacy.register import get_register
from consentserve.website import selectors, views

pytestmark = pytest.mark.req("R-A-1", "R-C1-1", "R-C1-3")

PAGES = ["home", "features", "pricing", "quote", "quote-thanks", "imprint", "privacy"]
PLAIN_PAGES = [name for name in PAGES if name != "quote"]
URLS = {
    "de": {
        "home": "/de/",
        "features": "/de/funktionen/",
        "pricing": "/de/preise/",
        "quote": "/de/angebot/",
        "quote-thanks": "/de/angebot/danke/",
        "imprint": "/de/impressum/",
        "privacy": "/de/datenschutz/",
    },
    "en": {
        "home": "/en/",
        "features": "/en/features/",
        "pricing": "/en/pricing/",
        "quote": "/en/quote/",
        "quote-thanks": "/en/quote/thanks/",
        "imprint": "/en/imprint/",
        "privacy": "/en/privacy/",
    },
}


def _url(name, language, **kwargs):
    with translation.override(language):
        return reverse(f"website:{name}", kwargs=kwargs or None)


def test_urls_are_translated_r_c1_3():
    for language, urls in URLS.items():
        assert {name: _url(name, language) for name in PAGES} == urls
    assert _url("privacy-version", "de", number=2) == "/de/datenschutz/v2/"
    assert _url("privacy-version", "en", number=2) == "/en/privacy/v2/"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_in_its_language_r_c1_3(client, name, language):
    response = client.get(URLS[language][name])
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert html.count("<h1") == 1
    assert 'id="main"' in html
    assert 'class="skip-link"' in html


@pytest.mark.django_db
def test_pages_point_search_engines_to_the_other_language_r_c1_3(client):
    html = client.get("/de/preise/").content.decode()
    assert '<link rel="alternate" hreflang="en" href="/en/pricing/">' in html
    assert '<link rel="alternate" hreflang="de" href="/de/preise/">' in html


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [("de-DE,de;q=0.9,en;q=0.8", "/de/"), ("en-GB,en;q=0.9", "/en/"), ("fr-FR", "/de/")],
)
def test_root_redirects_by_accept_language_without_a_cookie_r_c1_3(
    client, accept_language, expected
):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 302
    assert response["Location"] == expected
    assert not response.cookies


@pytest.mark.django_db
def test_language_cookie_is_set_only_by_the_explicit_choice_r_c1_3(client, settings):
    response = client.get("/de/preise/", HTTP_ACCEPT_LANGUAGE="de")
    assert not response.cookies
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies

    response = client.get("/lang/en/", {"next": "/de/preise/?ref=nav"})
    assert response.status_code == 302
    assert response["Location"] == "/en/pricing/?ref=nav"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] <= 365 * 24 * 3600  # at most 12 months
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "no-cache" in response["Cache-Control"]

    # From now on the choice wins over Accept-Language.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Location"] == "/en/"


@pytest.mark.django_db
def test_language_switch_translates_back_to_german_r_c1_3(client):
    response = client.get("/lang/de/", {"next": "/en/quote/thanks/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == "/de/angebot/danke/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/de/"])
def test_language_switch_never_redirects_to_another_site_r_c1_3(client, target):
    response = client.get("/lang/en/", {"next": target})
    assert response["Location"] == "/"


def test_unknown_language_falls_back_to_the_default_r_c1_3(client, settings):
    response = client.get("/lang/xx/", {"next": "/en/pricing/"})
    assert response["Location"] == "/de/preise/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == settings.LANGUAGE_CODE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "note"),
    [
        ("/de/preise/", "Ihre Wahl wird 12 Monate lang in einem Cookie gespeichert."),
        ("/en/pricing/", "Your choice is remembered in a cookie for 12 months."),
    ],
)
def test_language_switch_says_the_choice_is_remembered_r_c1_3(client, url, note):
    html = client.get(url).content.decode()
    other = "en" if url.startswith("/de/") else "de"
    assert f'href="/lang/{other}/?next={url}"' in html
    assert f'title="{note}"' in html  # on the switch in the header
    assert f"{note}</p>" in html  # and visible beside it in the footer


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("name", PLAIN_PAGES)
def test_plain_pages_set_no_cookie_r_c1_1(client, name, language):
    response = client.get(URLS[language][name])
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_error_pages_set_no_cookie_r_c1_1(client):
    response = client.get("/de/gibt-es-nicht/")
    assert response.status_code == 404
    assert not response.cookies


@pytest.mark.django_db
def test_quote_form_sets_only_the_strictly_necessary_csrf_cookie_r_c1_1(client, settings):
    response = client.get("/de/angebot/")
    assert set(response.cookies) == {settings.CSRF_COOKIE_NAME}
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_imprint_renders_the_controller_from_the_register_r_a_1(client):
    controller = get_register().data["controller"]
    html = client.get("/de/impressum/").content.decode()
    for key in ("name", "street", "postcode", "city", "phone", "email", "privacy_email"):
        assert str(controller[key]) in html
    assert "§ 5 DDG" in html
    # Nothing the register does not hold is made up.
    for invented in ("Geschäftsführung", "Registergericht", "Umsatzsteuer-Identifikationsnummer"):
        assert invented not in html


@pytest.mark.django_db
def test_imprint_shows_legal_details_once_the_register_has_them_r_a_1(client, monkeypatch):
    class Register:
        data = {
            "controller": {
                **get_register().data["controller"],
                "managing_directors": "Erika Beispiel",
                "register_court": "Amtsgericht Bad Hersfeld",
                "register_number": "HRB 0000",
                "vat_id": "DE000000000",
            }
        }

    monkeypatch.setattr(selectors, "get_register", Register)
    html = client.get("/en/imprint/").content.decode()
    assert "Represented by the managing directors: Erika Beispiel" in html
    for value in ("Amtsgericht Bad Hersfeld", "HRB 0000", "DE000000000"):
        assert value in html


@pytest.mark.django_db
def test_pricing_shows_net_monthly_prices_in_the_visitors_language(client):
    assert "19 €" in client.get("/de/preise/").content.decode()
    html = client.get("/en/pricing/").content.decode()
    assert "€19" in html
    assert "plus VAT" in html
    assert 'href="/en/quote/?plan=business"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/de/gibt-es-nicht/", "Diese Seite haben wir nicht gefunden"),
        ("/en/does-not-exist/", "We could not find this page"),
    ],
)
def test_not_found_page_is_friendly_and_translated(client, url, text):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert text in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    ("handler", "status", "text"),
    [
        (views.bad_request, 400, "Wir konnten diese Anfrage nicht verarbeiten"),
        (views.forbidden, 403, "Sie haben keinen Zugriff auf diese Seite"),
        (views.server_error, 500, "Bei uns ist etwas schiefgelaufen"),
    ],
)
def test_error_handlers_render_friendly_translated_pages(handler, status, text):
    request = RequestFactory().get("/de/")
    with translation.override("de"):
        response = handler(request)
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    assert '<html lang="de">' in html
