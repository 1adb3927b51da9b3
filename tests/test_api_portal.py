"""The portal's "API" pages: the list of keys for every member, creating (the secret shown
exactly once) and revoking for owners and admins only."""

import re

import pytest
from django.test import Client
from test_api_factories import api_client, make_key
from test_portal_factories import make_customer

from consentserve.api.keys import secret_digest
from consentserve.api.models import ApiKey

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"cs_[A-Za-z0-9_-]{40}")


@pytest.fixture
def customer():
    return make_customer("a", "Alpha GmbH")


def signed_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def urls(customer, api_key=None):
    base = f"/en/portal/o/{customer.organisation.pk}/api/"
    return {
        "list": base,
        "new": base + "new/",
        "revoke": f"{base}{api_key.pk}/revoke/" if api_key else None,
    }


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_create_a_key_and_see_its_secret_once(customer, role):
    client = signed_in(getattr(customer, role))
    response = client.post(urls(customer)["new"], {"name": "Data warehouse"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    [secret] = set(SECRET.findall(html))
    api_key = ApiKey.objects.get()
    assert api_key.name == "Data warehouse"
    assert api_key.secret_sha256 == secret_digest(secret)
    assert api_key.created_by == getattr(customer, role).user
    assert 'data-copy="api-secret"' in html
    assert "<script>" not in html  # the copy button's script is a static file
    # The list shows the prefix, never the secret again.
    listing = client.get(urls(customer)["list"]).content.decode()
    assert "Data warehouse" in listing
    assert f"cs_{secret[3:11]}…" in listing
    assert secret not in listing
    assert not SECRET.search(listing)
    # And the secret works.
    assert api_client(secret).get("/api/v1/installations").status_code == 200


def test_viewers_see_the_list_without_secrets_or_forms(customer):
    api_key, secret = make_key(customer)
    client = signed_in(customer.viewer)
    response = client.get(urls(customer)["list"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "ERP" in html
    assert f"cs_{api_key.prefix}…" in html
    assert secret not in html
    assert urls(customer)["new"] not in html
    assert "/revoke/" not in html


def test_viewers_may_neither_create_nor_revoke(customer):
    api_key, _secret = make_key(customer)
    client = signed_in(customer.viewer)
    assert client.post(urls(customer)["new"], {"name": "Mine"}).status_code == 403
    assert client.get(urls(customer, api_key)["revoke"]).status_code == 403
    assert client.post(urls(customer, api_key)["revoke"]).status_code == 403
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().revoked_at is None


def test_revoking_asks_first_then_locks_the_key_out(customer):
    api_key, secret = make_key(customer)
    client = signed_in(customer.admin)
    page = client.get(urls(customer, api_key)["revoke"])
    assert page.status_code == 200
    assert "ERP" in page.content.decode()
    assert ApiKey.objects.get().revoked_at is None
    response = client.post(urls(customer, api_key)["revoke"])
    assert response.status_code == 302
    assert response["Location"] == urls(customer)["list"]
    assert ApiKey.objects.get().revoked_at is not None
    assert api_client(secret).get("/api/v1/installations").status_code == 401
    listing = client.get(urls(customer)["list"]).content.decode()
    assert "revoked on" in listing
    assert "/revoke/" not in listing


def test_a_key_needs_a_name(customer):
    client = signed_in(customer.owner)
    response = client.post(urls(customer)["new"], {"name": "   "})
    assert response.status_code == 422
    assert ApiKey.objects.count() == 0
    assert not SECRET.search(response.content.decode())


def test_the_navigation_leads_to_the_api_page(customer):
    html = signed_in(customer.viewer).get(f"/en/portal/o/{customer.organisation.pk}/").content
    assert urls(customer)["list"].encode() in html
    page = signed_in(customer.viewer).get(urls(customer)["list"]).content.decode()
    assert 'aria-current="page">API</a>' in page


def test_the_german_page(customer):
    client = signed_in(customer.owner)
    response = client.get(f"/de/portal/o/{customer.organisation.pk}/api/")
    assert response.status_code == 200
    assert "API-Schlüssel" in response.content.decode()
