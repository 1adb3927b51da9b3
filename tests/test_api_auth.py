"""The customer API's keys (issue 5, item 5): who gets in, what they see, how often."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from test_api_factories import api_client, make_key, published
from test_portal_factories import make_customer

from consentserve.api import services as api_services
from consentserve.api.keys import secret_digest
from consentserve.api.models import ApiKey

pytestmark = pytest.mark.django_db

UNAUTHORIZED = {"detail": "Unauthorized"}


@pytest.fixture
def alpha():
    customer = make_customer("a", "Alpha GmbH")
    customer.installation, customer.version = published(customer)
    customer.key, customer.secret = make_key(customer)
    return customer


@pytest.fixture
def beta():
    customer = make_customer("b", "Beta AG")
    customer.installation, customer.version = published(customer)
    customer.key, customer.secret = make_key(customer)
    return customer


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_key_in_either_header_opens_the_api(alpha, header):
    response = api_client(alpha.secret, header).get("/api/v1/installations")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [alpha.installation.pk]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer cs_wrong"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "not-even-the-shape"},
        {"X-API-Key": "cs_" + "x" * 500},
    ],
)
def test_missing_or_wrong_keys_get_the_same_401(alpha, headers):
    for url in ("/api/v1/installations", f"/api/v1/installations/{alpha.installation.pk}"):
        response = Client(headers=headers).get(url)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED


def test_a_revoked_key_gets_the_same_401_as_one_that_never_existed(alpha):
    client = api_client(alpha.secret)
    assert client.get("/api/v1/installations").status_code == 200
    api_services.api_key_revoke(api_key=alpha.key, revoked_by=alpha.admin.user)
    response = client.get("/api/v1/installations")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_a_key_sees_only_its_own_organisation(alpha, beta):
    client = api_client(alpha.secret)
    assert [i["name"] for i in client.get("/api/v1/installations").json()] == ["Shop"]
    assert "b.example" not in client.get("/api/v1/installations").content.decode()
    theirs = beta.installation.pk
    for path in (
        "",
        "/versions",
        "/versions/1",
        "/consents",
        "/consents/export",
        "/consents/export?format=jsonl",
        "/statistics",
    ):
        path, _, query = path.partition("?")
        url = f"/api/v1/installations/{theirs}{path}" + (f"?{query}" if query else "")
        made_up = f"/api/v1/installations/{theirs + 1000}{path}" + (f"?{query}" if query else "")
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not Found"}
        assert client.get(made_up).json() == response.json()


def test_the_secret_is_stored_only_as_its_hash(alpha):
    stored = ApiKey.objects.get()
    assert stored.secret_sha256 == secret_digest(alpha.secret)
    assert alpha.secret.startswith("cs_")
    assert len(alpha.secret) == 43
    assert stored.prefix == alpha.secret[3:11]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apikey")
        row = cursor.fetchone()
    assert not any(alpha.secret in str(value) for value in row)
    assert alpha.secret[11:] not in str(row)


def test_last_used_is_written_at_most_once_a_minute(alpha):
    client = api_client(alpha.secret)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.get("/api/v1/installations")
        first = ApiKey.objects.get().last_used_at
        assert first == timezone.now()
        traveller.shift(timedelta(seconds=30))
        client.get("/api/v1/installations")
        assert ApiKey.objects.get().last_used_at == first
        traveller.shift(timedelta(seconds=31))
        client.get("/api/v1/installations")
        assert ApiKey.objects.get().last_used_at == timezone.now()


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    CONSENTSERVE_API_RATE=3,
)
def test_more_than_the_limit_a_minute_gets_429_with_retry_after(alpha, beta):
    from django.core.cache import cache

    cache.clear()
    client = api_client(alpha.secret)
    assert [client.get("/api/v1/installations").status_code for _ in range(3)] == [200] * 3
    response = client.get("/api/v1/installations")
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests."}
    assert 1 <= int(response["Retry-After"]) <= 60
    # The limit is per key: another organisation's key is not slowed down.
    assert api_client(beta.secret).get("/api/v1/installations").status_code == 200
    # Without a valid key the answer stays 401, whatever the count.
    assert Client().get("/api/v1/installations").status_code == 401
    cache.clear()


def test_keys_are_read_only(alpha):
    client = api_client(alpha.secret)
    for method in (client.post, client.put, client.patch, client.delete):
        response = method("/api/v1/installations")
        assert response.status_code == 405
    assert ApiKey.objects.count() == 1


def test_revoked_keys_go_30_days_after_revocation_active_ones_stay(alpha):
    from consentserve.privacy.retention import retention_run

    _old_key, _ = make_key(alpha, name="Old")
    now = timezone.now()
    ApiKey.objects.filter(name="Old").update(revoked_at=now - timedelta(days=31))
    ApiKey.objects.filter(name="ERP").update(revoked_at=None)
    recent, _ = make_key(alpha, name="Recent")
    api_services.api_key_revoke(api_key=recent, revoked_by=alpha.owner.user)
    retention_run(now=now)
    assert sorted(ApiKey.objects.values_list("name", flat=True)) == ["ERP", "Recent"]
    retention_run(now=now + timedelta(days=31))
    assert list(ApiKey.objects.values_list("name", flat=True)) == ["ERP"]
