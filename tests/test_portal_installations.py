"""The portal's installation pages and designer (issue: portal designer): the list, creating an
installation, settings, domains, categories, services, texts and theme, the preview script,
publishing, versions with a diff, the embed snippet; for each role, in German and English, with
each form's success and error path (R-B3-2 for roles)."""

import re

import lxml.html
import pytest
from django.test import Client
from test_installations_linter import lint_clean_draft
from test_portal_factories import make_customer

from consentserve.installations import services
from consentserve.installations.config import MAX_LIFETIME_DAYS
from consentserve.installations.models import Installation
from consentserve.portal.config_diff import config_diff

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


@pytest.fixture
def shop(a):
    """An installation of A that passes the linter, with one domain and nothing published."""
    user = a.owner.user
    installation = services.installation_create(
        organisation=a.organisation, name="Shop", actor=user
    )
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=user)
    services.domain_add(installation=installation, pattern="shop.example.com", actor=user)
    return installation


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def url(installation, path="", language="en") -> str:
    org = installation.organisation_id
    return f"/{language}/portal/o/{org}/installations/{installation.pk}/{path}"


def reloaded(installation) -> Installation:
    return Installation.objects.get(pk=installation.pk)


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de"])
def test_empty_list_says_what_to_do(a, language):
    text = client_of(a.owner).get(f"/{language}/portal/o/{a.organisation.pk}/installations/")
    text = text.content.decode()
    if language == "en":
        assert "No installations yet." in text
        assert "give it a name and the domain" in text
        assert "New installation" in text
    else:
        assert "Noch keine Installationen." in text
        assert "Neue Installation" in text


def test_viewer_sees_the_list_without_the_form(a, shop):
    text = client_of(a.viewer).get(f"/en/portal/o/{a.organisation.pk}/installations/").content
    text = text.decode()
    assert "Shop" in text
    assert "shop.example.com" in text
    assert "not yet published" in text
    assert "installations/new/" not in text


def test_list_shows_newest_version_and_unpublished_changes(a, shop):
    services.publish(shop, actor=a.owner.user)
    list_url = f"/en/portal/o/{a.organisation.pk}/installations/"
    text = client_of(a.admin).get(list_url).content.decode()
    assert "Version 1 of" in text
    assert re.search(r"Unpublished changes.*?<td>no</td>", text, re.S)
    draft = reloaded(shop).draft
    draft["texts"]["en"]["title"] = "Changed"
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    text = client_of(a.admin).get(list_url).content.decode()
    assert '<span class="badge">yes</span>' in text


def test_create_installation_with_its_first_domain(a):
    response = client_of(a.admin).post(
        f"/en/portal/o/{a.organisation.pk}/installations/new/",
        {"name": "Blog", "domain": "*.Blog.Example.org"},
    )
    installation = Installation.objects.get(name="Blog")
    assert response.status_code == 302
    assert response["Location"] == url(installation)
    assert list(installation.domains.values_list("pattern", flat=True)) == ["*.blog.example.org"]


@pytest.mark.parametrize("domain", ["not a domain", "localhost", "https://x.example.com/", "*"])
def test_create_refuses_a_bad_domain_and_creates_nothing(a, domain):
    response = client_of(a.owner).post(
        f"/en/portal/o/{a.organisation.pk}/installations/new/", {"name": "Blog", "domain": domain}
    )
    assert response.status_code == 422
    assert "Enter a host name such as example.com" in response.content.decode()
    assert not Installation.objects.exists()


# --- the installation page --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "viewer"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_installation_page_renders_for_every_role(a, shop, role, language):
    response = client_of(getattr(a, role)).get(url(shop, language=language))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'<html lang="{language}">' in text
    assert text.count("<h1") == 1
    assert "<iframe" in text
    assert "/preview/?lang=" in text
    assert f"/c/{shop.public_key}.js&quot; async&gt;&lt;/script&gt;" in text
    manage = role != "viewer"
    assert ('<form id="design-form"' in text) is manage
    assert ('method="post"' in text.split("portal-main", 1)[1]) is manage
    if language == "de":
        assert "Texte und Gestaltung" in text
    else:
        assert "Texts and design" in text


def test_embed_snippet_is_absolute_with_instructions(a, shop):
    text = client_of(a.viewer).get(url(shop)).content.decode()
    assert f"&lt;script src=&quot;http://testserver/c/{shop.public_key}.js&quot; async&gt;" in text
    assert '&lt;script type="text/plain" data-consent="SERVICE_ID"' in text
    assert "data-consentserve-open" in text
    assert "CONSENTserve.show()" in text
    assert "CONSENTserve.getConsent()" in text
    assert "Nothing is shown to visitors until a version is published" in text


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Put this line into the <head> of every page"),
        ("de", "Fügen Sie diese Zeile in den <head> jeder Seite ein"),
    ],
)
def test_embed_instructions_name_the_head_element_visibly(a, shop, language, sentence):
    """A literal `<head>` in a translated string reached the page as markup and vanished."""
    html = client_of(a.viewer).get(url(shop, language=language)).content.decode()
    embed = lxml.html.fromstring(html).get_element_by_id("embed")
    assert sentence in " ".join(embed.text_content().split())


def test_page_shows_findings_and_contrast(a, shop):
    text = client_of(a.viewer).get(url(shop)).content.decode()
    assert "No findings: the draft can be published." in text
    assert "meets WCAG AA (4.5:1)" in text
    draft = reloaded(shop).draft
    draft["texts"]["de"]["reject_all"] = ""
    draft["theme"]["text"] = "#cccccc"
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    text = client_of(a.viewer).get(url(shop)).content.decode()
    assert "below WCAG AA (4.5:1)" in text
    assert "1.61:1" in text
    assert "texts.de.reject_all" in text
    assert "2 findings" in text


# --- settings and domains ----------------------------------------------------------------------


def settings_data(**changes):
    data = {
        "name": "Shop 2",
        "languages": ["de", "en"],
        "default_language": "en",
        "lifetime_days": "180",
        "consent_retention_years": "7",
        "gpc": "on",
        "consent_mode": "on",
    }
    return data | changes


def test_settings_are_saved(a, shop):
    response = client_of(a.admin).post(url(shop, "settings/"), settings_data())
    assert response.status_code == 302
    shop = reloaded(shop)
    assert shop.name == "Shop 2"
    assert shop.draft["default_language"] == "en"
    assert shop.draft["lifetime_days"] == 180
    assert shop.draft["options"] == {"gpc": True, "reopen_button": False, "consent_mode": True}
    # Not part of the banner: in force at once, without publishing.
    assert shop.consent_retention_years == 7


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lifetime_days": str(MAX_LIFETIME_DAYS + 1)}, "less than or equal to 730"),
        ({"lifetime_days": "0"}, "greater than or equal to 1"),
        ({"consent_retention_years": "0"}, "greater than or equal to 1"),
        ({"consent_retention_years": "11"}, "less than or equal to 10"),
        ({"languages": ["de"], "default_language": "en"}, "Choose one of the languages offered."),
        ({"languages": []}, "This field is required."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_settings_errors(a, shop, changes, message):
    before = reloaded(shop).draft
    response = client_of(a.owner).post(url(shop, "settings/"), settings_data(**changes))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert reloaded(shop).draft == before
    assert reloaded(shop).name == "Shop"
    assert reloaded(shop).consent_retention_years == 3


def test_domains_are_added_and_removed(a, shop):
    client = client_of(a.admin)
    assert client.post(url(shop, "domains/"), {"pattern": "*.Example.NET"}).status_code == 302
    assert sorted(shop.domains.values_list("pattern", flat=True)) == [
        "*.example.net",
        "shop.example.com",
    ]
    domain = shop.domains.get(pattern="*.example.net")
    assert client.post(url(shop, f"domains/{domain.pk}/remove/")).status_code == 302
    assert list(shop.domains.values_list("pattern", flat=True)) == ["shop.example.com"]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("bad domain", "Enter a host name such as example.com"),
        ("shop.example.com", "This domain is already listed."),
        ("", "This field is required."),
    ],
)
def test_domain_errors(a, shop, pattern, message):
    response = client_of(a.admin).post(url(shop, "domains/"), {"pattern": pattern})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert shop.domains.count() == 1


# --- categories and services -----------------------------------------------------------------


CATEGORY = {
    "category_id": "social-media",
    "label_de": "Soziale Medien",
    "label_en": "Social media",
    "description_de": "Teilen-Knöpfe.",
    "description_en": "Share buttons.",
}


def test_custom_category_is_added_and_removed(a, shop):
    client = client_of(a.owner)
    assert client.post(url(shop, "categories/"), CATEGORY).status_code == 302
    category = reloaded(shop).draft["categories"][-1]
    assert category["id"] == "social-media"
    assert (category["required"], category["default"]) == (False, False)
    assert category["label"] == {"de": "Soziale Medien", "en": "Social media"}
    assert client.post(url(shop, "categories/social-media/remove/")).status_code == 302
    assert "social-media" not in [c["id"] for c in reloaded(shop).draft["categories"]]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category_id": "Not valid!"}, "Use lower-case letters"),
        ({"category_id": "statistics"}, "already has a category with this ID"),
        ({"label_en": ""}, "This field is required."),
    ],
)
def test_custom_category_errors(a, shop, changes, message):
    response = client_of(a.owner).post(url(shop, "categories/"), CATEGORY | changes)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert len(reloaded(shop).draft["categories"]) == 4


def test_necessary_and_categories_with_services_are_not_removed(a, shop):
    client = client_of(a.owner)
    response = client.post(url(shop, "categories/necessary/remove/"))
    assert response.status_code == 409
    assert "The category &#x27;necessary&#x27; cannot be removed" in response.content.decode()
    # The clean draft has YouTube in marketing.
    response = client.post(url(shop, "categories/marketing/remove/"))
    assert response.status_code == 409
    assert "The category still has services (YouTube)" in response.content.decode()
    assert len(reloaded(shop).draft["categories"]) == 4
    response = client.post(url(shop, "categories/preferences/remove/"))
    assert response.status_code == 302


def test_catalog_lists_every_service_with_its_facts(a, shop):
    text = client_of(a.owner).get(url(shop)).content.decode()
    assert text.count('data-category="') >= 40
    assert "Google Analytics 4" in text
    assert "Google Ireland Limited" in text
    assert "_ga_*" in text
    assert "EU-US Data Privacy Framework" in text


def test_catalog_service_is_added_in_its_category_or_another(a, shop):
    client = client_of(a.owner)
    response = client.post(url(shop, "services/catalog/"), {"service_id": "google-analytics-4"})
    assert response.status_code == 302
    added = reloaded(shop).draft["services"][-1]
    assert (added["id"], added["category"]) == ("google-analytics-4", "statistics")
    response = client.post(
        url(shop, "services/catalog/"), {"service_id": "hotjar", "category": "marketing"}
    )
    assert response.status_code == 302
    assert reloaded(shop).draft["services"][-1]["category"] == "marketing"
    # Twice is refused.
    response = client.post(url(shop, "services/catalog/"), {"service_id": "google-analytics-4"})
    assert response.status_code == 422
    assert "Google Analytics 4 is already in this banner." in response.content.decode()
    response = client.post(url(shop, "services/catalog/"), {"service_id": "no-such-service"})
    assert response.status_code == 422
    assert "The catalog has no service no-such-service." in response.content.decode()


def test_service_is_moved_and_removed(a, shop):
    client = client_of(a.admin)
    response = client.post(url(shop, "services/youtube/category/"), {"category": "preferences"})
    assert response.status_code == 302
    services_ = {s["id"]: s["category"] for s in reloaded(shop).draft["services"]}
    assert services_["youtube"] == "preferences"
    response = client.post(url(shop, "services/youtube/category/"), {"category": "nope"})
    assert response.status_code == 422
    assert client.post(url(shop, "services/youtube/remove/")).status_code == 302
    assert "youtube" not in [s["id"] for s in reloaded(shop).draft["services"]]
    assert client.post(url(shop, "services/youtube/remove/")).status_code == 404


CUSTOM = {
    "name": "Shop Chat",
    "provider": "Chat GmbH, Hauptstraße 2, 10115 Berlin",
    "category": "preferences",
    "purpose_de": "Kundenchat.",
    "purpose_en": "Customer chat.",
    "transfer_de": "Keine Übermittlung in Drittländer.",
    "transfer_en": "No transfer to third countries.",
    "privacy_url": "https://chat.example/privacy",
    "cookies": "chat_id | 1 Jahr | 1 year\nchat_* | Sitzung | session\n",
}


def test_custom_service_is_added(a, shop):
    response = client_of(a.owner).post(url(shop, "services/custom/"), CUSTOM)
    assert response.status_code == 302
    service = reloaded(shop).draft["services"][-1]
    assert service["id"] == "custom-shop-chat"
    assert service["category"] == "preferences"
    assert service["cookies"] == [
        {"name": "chat_id", "pattern": False, "lifetime": {"de": "1 Jahr", "en": "1 year"}},
        {"name": "chat_*", "pattern": True, "lifetime": {"de": "Sitzung", "en": "session"}},
    ]
    # A second one of the same name gets its own ID.
    client_of(a.owner).post(url(shop, "services/custom/"), CUSTOM)
    assert reloaded(shop).draft["services"][-1]["id"] == "custom-shop-chat-2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"purpose_en": ""}, "This field is required."),
        ({"category": "unknown"}, "Select a valid choice."),
        ({"privacy_url": "ftp://chat.example/"}, "Enter a web address starting with https://."),
        ({"privacy_url": "not a url"}, "Enter a valid URL."),
        ({"cookies": "chat_id | 1 Jahr"}, "Line 1: write the name, the lifetime in German"),
    ],
)
def test_custom_service_errors(a, shop, changes, message):
    response = client_of(a.owner).post(url(shop, "services/custom/"), CUSTOM | changes)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert len(reloaded(shop).draft["services"]) == 2


# --- texts and theme ---------------------------------------------------------------------------


def test_design_autosave_saves_and_answers_with_findings(a, shop):
    response = client_of(a.admin).post(
        url(shop, "design/"),
        {"texts_en_title": "Cookies?", "theme_accent": "#FFEE00"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "designer-saved"
    text = response.content.decode()
    assert "The draft has been saved." in text
    assert 'id="designer-checks" class="designer-checks" hx-swap-oob="true"' in text
    # Yellow under white button text fails the contrast rule; the finding says where.
    assert "below WCAG AA (4.5:1)" in text
    assert "theme.accent_text" in text
    draft = reloaded(shop).draft
    assert draft["texts"]["en"]["title"] == "Cookies?"
    assert draft["theme"]["accent"] == "#ffee00"
    # Fields that were not sent keep their value.
    assert draft["texts"]["de"]["title"] == "Datenschutz-Einstellungen"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"theme_background": "white"}, "theme_background", "Enter a colour such as #0f766e."),
        ({"theme_radius": "40"}, "theme_radius", "less than or equal to 32"),
        ({"theme_position": "left"}, "theme_position", "Select a valid choice."),
        ({"texts_en_title": "x" * 2001}, "texts_en_title", "at most 2000 characters"),
    ],
)
def test_design_errors_are_not_saved_and_shown_at_the_field(a, shop, data, field, message):
    before = reloaded(shop).draft
    response = client_of(a.admin).post(url(shop, "design/"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "HX-Trigger" not in response
    text = response.content.decode()
    assert re.search(rf'id="error-{field}" hx-swap-oob="true">[^<]*{re.escape(message)}', text)
    assert reloaded(shop).draft == before


def test_design_without_htmx_redirects_or_shows_the_page(a, shop):
    client = client_of(a.admin)
    response = client.post(url(shop, "design/"), {"texts_de_title": "Hallo"})
    assert response.status_code == 302
    assert response["Location"].endswith("#design")
    response = client.post(url(shop, "design/"), {"theme_text": "#12"})
    assert response.status_code == 422
    assert "Enter a colour such as #0f766e." in response.content.decode()


# --- preview ----------------------------------------------------------------------------------


def test_preview_script_is_the_draft_in_preview_mode_with_the_runtime(a, shop):
    draft = reloaded(shop).draft
    draft["texts"]["de"]["title"] = "Entwurf </script>"
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    response = client_of(a.viewer).get(url(shop, "preview.js"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert body.startswith("window.__CONSENTSERVE_CONFIG__={")
    assert '"preview":true' in body
    assert '"version":0' in body
    assert "Entwurf \\u003c/script\\u003e" in body
    assert '"preview_layer"' not in body
    assert (
        '"preview_layer":2'
        in client_of(a.viewer).get(url(shop, "preview.js?layer=2")).content.decode()
    )


def test_preview_page_may_be_framed_by_the_portal_only(a, shop):
    response = client_of(a.viewer).get(url(shop, "preview/?lang=en&layer=2"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    text = response.content.decode()
    assert '<html lang="en">' in text
    assert f'src="{url(shop, "preview.js")}?layer=2"' in text
    assert "<script>" not in text
    # A language the banner does not offer falls back to its default language.
    text = client_of(a.viewer).get(url(shop, "preview/?lang=fr")).content.decode()
    assert '<html lang="de">' in text
    # Every other portal page still refuses to be framed.
    assert client_of(a.viewer).get(url(shop))["X-Frame-Options"] == "DENY"


# --- publish, versions, diff ----------------------------------------------------------------


def test_publish_is_refused_with_every_finding(a, shop):
    draft = reloaded(shop).draft
    draft["texts"]["en"]["reject_all"] = ""
    draft["texts"]["de"]["privacy_url"] = ""
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    response = client_of(a.admin).post(url(shop, "publish/"))
    assert response.status_code == 409
    text = response.content.decode()
    assert "Not published: please fix these points first." in text
    assert "(texts.en.reject_all)" in text
    assert "(texts.de.privacy_url)" in text
    assert not shop.versions.exists()


def test_publish_succeeds_and_says_the_version(a, shop):
    client = client_of(a.admin)
    response = client.post(url(shop, "publish/"), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Version 1 has been published" in text
    assert shop.versions.get().number == 1
    loader = Client().get(f"/c/{shop.public_key}.js")
    assert loader.status_code == 200
    # Browsers keep the loader for its max-age: the message says how long, never "now".
    max_age = int(re.search(r"max-age=(\d+)", loader["Cache-Control"])[1])
    assert f"get it within {max_age // 60} minutes" in text
    assert "get it now" not in text


def publish_with_title(a, shop, title):
    draft = reloaded(shop).draft
    draft["texts"]["en"]["title"] = title
    services.draft_update(installation=shop, draft=draft, actor=a.owner.user)
    return services.publish(reloaded(shop), actor=a.owner.user)


def test_versions_are_listed_and_shown_read_only(a, shop):
    first = publish_with_title(a, shop, "First")
    text = client_of(a.viewer).get(url(shop)).content.decode()
    assert "Version 1" in text
    assert first.sha256[:12] in text
    response = client_of(a.viewer).get(url(shop, "versions/1/"))
    assert response.status_code == 200
    text = response.content.decode()
    assert first.sha256 in text
    assert "&quot;title&quot;: &quot;First&quot;" in text
    assert client_of(a.viewer).get(url(shop, "versions/2/")).status_code == 404


def test_diff_shows_a_changed_text(a, shop):
    publish_with_title(a, shop, "First")
    publish_with_title(a, shop, "Second")
    client = client_of(a.viewer)
    text = client.get(url(shop, "diff/?from=1&to=2")).content.decode()
    assert "texts.en.title</span>:\n    &#x27;First&#x27; → &#x27;Second&#x27;" in text
    services.draft_service_add_from_catalog(
        installation=reloaded(shop), service_id="google-analytics-4", actor=a.owner.user
    )
    text = client.get(url(shop, "diff/?from=2&to=draft")).content.decode()
    assert "+ Google Analytics 4" in text
    assert "texts.en.title" not in text
    response = client.get(url(shop, "diff/?from=7&to=draft"))
    assert response.status_code == 400
    assert "Choose two of the versions listed, or the draft." in response.content.decode()


def test_config_diff_names_paths_and_entries():
    old = lint_clean_draft()
    new = lint_clean_draft()
    new["texts"]["de"]["title"] = "B"
    new["services"].pop(0)
    new["languages"] = ["de"]
    new["theme"]["radius"] = 0
    lines = [(c.kind, c.path, c.old, c.new) for c in config_diff(old, new)]
    assert ("changed", "texts.de.title", "'Datenschutz-Einstellungen'", "'B'") in lines
    assert ("removed", "services", "YouTube", "") in lines
    assert ("removed", "languages", "en", "") in lines
    assert ("changed", "theme.radius", "8", "0") in lines
    assert len(lines) == 4
    assert config_diff(old, lint_clean_draft()) == []


# --- roles ------------------------------------------------------------------------------------


POSTS = [
    "settings/",
    "domains/",
    "domains/{domain}/remove/",
    "categories/",
    "categories/preferences/remove/",
    "services/catalog/",
    "services/custom/",
    "services/youtube/remove/",
    "services/youtube/category/",
    "services/youtube/measurement-id/",
    "design/",
    "publish/",
    "scans/new/",
]


def test_viewer_gets_403_on_every_post_and_nothing_changes(a, shop):
    client = client_of(a.viewer)
    before = (reloaded(shop).draft, reloaded(shop).name, shop.domains.count())
    domain = shop.domains.get().pk
    for path in POSTS:
        response = client.post(url(shop, path.format(domain=domain)), settings_data() | CUSTOM)
        assert response.status_code == 403, path
        assert "This needs the role Admin or higher." in response.content.decode(), path
    response = client.post(
        f"/en/portal/o/{a.organisation.pk}/installations/new/", {"name": "X", "domain": "x.com"}
    )
    assert response.status_code == 403
    assert (reloaded(shop).draft, reloaded(shop).name, shop.domains.count()) == before
    assert not shop.versions.exists()
    assert Installation.objects.count() == 1


def test_every_post_route_is_covered_by_the_role_test():
    from consentserve.portal import urls

    names = {p.name for p in urls.urlpatterns if p.name and p.name.startswith("installation-")}
    read_only = {"installation-checks", "installation-preview", "installation-preview-script"}
    read_only |= {"installation-version", "installation-diff", "installation-create"}
    read_only |= {"installation-statistics", "installation-statistics-csv"}
    read_only |= {"installation-analytics"}
    read_only |= {"installation-scans", "installation-scan", "installation-scan-report"}
    read_only |= {"installation-scan-screenshot"}
    assert len(names - read_only) == len(POSTS)


def test_checks_fragment_for_the_live_panel(a, shop):
    response = client_of(a.viewer).get(url(shop, "checks/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith('<div id="designer-checks"')
    assert "14.76:1" in text  # #1f2933 on white
    assert "No findings" in text


def test_draft_services_refuse_viewers(a, shop):
    from django.core.exceptions import PermissionDenied

    viewer = a.viewer.user
    calls = [
        lambda: services.installation_rename(installation=shop, name="X", actor=viewer),
        lambda: services.draft_category_remove(
            installation=shop, category_id="preferences", actor=viewer
        ),
        lambda: services.draft_service_remove(
            installation=shop, service_id="youtube", actor=viewer
        ),
        lambda: services.draft_service_add_from_catalog(
            installation=shop, service_id="hotjar", actor=viewer
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert reloaded(shop).draft == lint_clean_draft()


def test_list_queries_do_not_grow_with_installations(a, django_assert_max_num_queries):
    user = a.owner.user
    for n in range(4):
        installation = services.installation_create(
            organisation=a.organisation, name=f"Site {n}", actor=user
        )
        services.draft_update(installation=installation, draft=lint_clean_draft(), actor=user)
        services.domain_add(installation=installation, pattern=f"s{n}.example.com", actor=user)
        services.publish(installation, actor=user)
    client = client_of(a.owner)
    list_url = f"/en/portal/o/{a.organisation.pk}/installations/"
    with django_assert_max_num_queries(9):
        text = client.get(list_url).content.decode()
    assert text.count("Version 1 of") == 4
