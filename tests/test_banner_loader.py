"""Issue 4: the loader `/c/<key>.js` (configuration and runtime in one response) and the
operator's own banner on the website."""

import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from support import with_second_factor
from test_installations_linter import lint_clean_draft
from test_installations_publish import _member
from test_portal_factories import make_customer

from consentserve.accounts.models import Membership, Organisation
from consentserve.banner.loader import BUNDLE, CACHE_CONTROL
from consentserve.installations import services
from consentserve.installations.models import Installation, PublishedVersion
from consentserve.privacy import access_log

pytestmark = pytest.mark.django_db

PREFIX = "window.__CONSENTSERVE_CONFIG__="


@pytest.fixture
def admin():
    organisation = Organisation.objects.create(
        name="Beispiel GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
    )
    return _member(organisation, "admin@example.com", Membership.Role.ADMIN)


@pytest.fixture
def installation(admin):
    organisation = admin.memberships.get().organisation
    installation = services.installation_create(organisation=organisation, name="Shop", actor=admin)
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=admin)
    services.domain_add(installation=installation, pattern="example.com", actor=admin)
    return installation


def _config(body: bytes) -> dict:
    text = body.decode()
    assert text.startswith(PREFIX)
    return json.loads(text[len(PREFIX) : text.index(";\n")])


def test_loader_serves_the_newest_config_and_the_bundle_in_one_response(
    client, installation, admin
):
    version = services.publish(installation, actor=admin)
    response = client.get(f"/c/{installation.public_key}.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert _config(response.content) == version.config
    assert response.content.endswith(BUNDLE.read_bytes())
    assert response["Cache-Control"] == CACHE_CONTROL
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    # Visitors of customers' sites are not in the website's access log (activity B.1).
    assert access_log.flush() == 0


def test_loader_answers_304_to_its_etag(client, installation, admin):
    services.publish(installation, actor=admin)
    url = f"/c/{installation.public_key}.js"
    etag = client.get(url)["ETag"]
    assert etag.startswith('"')  # a strong validator: no W/ prefix
    again = client.get(url, HTTP_IF_NONE_MATCH=f'"other", {etag}')
    assert again.status_code == 304
    assert again.content == b""
    assert (again["ETag"], again["Cache-Control"]) == (etag, CACHE_CONTROL)
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_new_publish_is_served_at_once_with_a_new_etag(client, installation, admin):
    services.publish(installation, actor=admin)
    url = f"/c/{installation.public_key}.js"
    first = client.get(url)
    draft = installation.draft
    draft["texts"]["en"]["title"] = "Your privacy"
    services.draft_update(installation=installation, draft=draft, actor=admin)
    services.publish(installation, actor=admin)
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    config = _config(second.content)
    assert (config["version"], config["texts"]["en"]["title"]) == (2, "Your privacy")


def test_banner_texts_cannot_end_the_script(client, installation, admin):
    draft = installation.draft
    draft["texts"]["en"]["title"] = "</script><script>alert(1)</script> & <!-- \u2028\u2029"
    services.draft_update(installation=installation, draft=draft, actor=admin)
    services.publish(installation, actor=admin)
    response = client.get(f"/c/{installation.public_key}.js")
    head = response.content.decode().split(";\n", 1)[0]
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in head
    assert _config(response.content)["texts"]["en"]["title"] == draft["texts"]["en"]["title"]


@pytest.mark.parametrize(
    "key", ["nokey", "../x", "..%2Fx", "a/b", "x" * 300, "k\u00fcy", "%00", "", "a.b", " "]
)
def test_unknown_or_malformed_keys_are_a_javascript_404(client, installation, key):
    response = client.get(f"/c/{key}.js")
    assert response.status_code == 404
    if key and "/" not in key:
        assert response["Content-Type"] == "application/javascript; charset=utf-8"
        assert response["Cache-Control"] == "no-store"
        assert response.content.startswith(b"/*")
    assert response.cookies == {}


def test_an_installation_without_a_published_version_is_a_404(client, installation):
    response = client.get(f"/c/{installation.public_key}.js")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_operator_banner_command_is_idempotent_and_publishes_only_changes(client):
    call_command("installations_operator_banner", stdout=None)
    call_command("installations_operator_banner", stdout=None)
    installation = Installation.objects.get(public_key="consentserve")
    assert installation.organisation.name == "Multimedia Internet Services GmbH"
    assert PublishedVersion.objects.filter(installation=installation).count() == 1
    config = _config(client.get("/c/consentserve.js").content)
    assert [c["id"] for c in config["categories"]] == ["necessary", "statistics"]
    # The tracker's own service; Google Analytics only with a measurement ID (that setting's
    # tests: tests/test_operator_banner_services.py).
    assert [s["id"] for s in config["services"]] == ["consentserve-analytics"]
    assert "localhost" in config["domains"]
    assert config["texts"]["de"]["privacy_url"] == "/de/datenschutz/"
    assert config["texts"]["en"]["imprint_url"] == "/en/imprint/"


def test_operator_banner_refuses_a_key_of_a_customers_installation(installation):
    original = installation.draft
    with (
        override_settings(CONSENTSERVE_OPERATOR_INSTALLATION=installation.public_key),
        pytest.raises(ValueError, match="customer"),
    ):
        call_command("installations_operator_banner", stdout=None)
    installation.refresh_from_db()
    assert installation.draft == original
    assert installation.organisation.name == "Beispiel GmbH"


def test_website_embeds_the_operator_banner_only_when_published(client):
    page = client.get("/en/").content.decode()
    assert "/c/consentserve.js" not in page
    assert "data-consentserve-open" not in page
    call_command("installations_operator_banner", stdout=None)
    page = client.get("/en/").content.decode()
    assert '<script src="/c/consentserve.js" async></script>' in page
    assert "data-consentserve-open" in page
    assert "Privacy settings" in page
    # Error pages render without the database, so they do without the banner.
    assert "/c/consentserve.js" not in client.get("/en/no-such-page/").content.decode()


def test_sign_in_portal_and_privacy_centre_embed_the_operator_banner_the_back_office_not(
    client, django_user_model
):
    call_command("installations_operator_banner", stdout=None)
    embed = '<script src="/c/consentserve.js" async></script>'
    assert embed in client.get("/en/account/login/").content.decode()
    customer = make_customer("a", "Alpha GmbH")
    client.force_login(customer.owner.user)
    for path in (
        f"/en/portal/o/{customer.organisation.pk}/",
        f"/de/portal/o/{customer.organisation.pk}/installations/",
        "/en/portal/privacy/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert embed in response.content.decode(), path
    staff = django_user_model.objects.create_superuser(email="staff@example.com", password="x")
    with_second_factor(staff)
    client.force_login(staff)
    admin_page = client.get("/backoffice/")
    assert admin_page.status_code == 200
    assert "/c/consentserve.js" not in admin_page.content.decode()


@override_settings(CONSENTSERVE_OPERATOR_INSTALLATION="")
def test_website_without_an_operator_key_has_no_banner(client):
    assert "data-consentserve-open" not in client.get("/de/").content.decode()
