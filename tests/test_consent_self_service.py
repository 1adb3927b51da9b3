"""Issue 5, the visitor's own page (Art. 15, 7(3)): `/c/<key>/records/<consent_id>/` shows the
history of one consent ID in the visitor's language and withdraws; unknown IDs and keys look
the same (404), requests are limited per network (429), a withdrawal from another site is
refused (403), the page sets no cookie and keeps the ID out of caches and referrers."""

import pytest
from django.test import Client, override_settings
from test_consent_log_factories import make_records, published, republish
from test_portal_factories import make_customer

from consentserve.collector.models import ConsentDailyStat, ConsentRecord

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


@pytest.fixture
def shop():
    a = make_customer("a", "Alpha GmbH")
    installation, version = published(a, domain="shop.example.com")
    return a, installation, version


def page_url(installation, consent_id) -> str:
    return f"/c/{installation.public_key}/records/{consent_id}/"


def visitor(language="en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR="198.51.100.23")


def test_history_in_english_newest_first_without_cookies(shop):
    a, installation, version = shop
    [first] = make_records(installation, version, 1, first=0)  # accept_all
    make_records(installation, version, 1, first=1, consent_id=first.consent_id)  # reject_all
    client = visitor("en")
    response = client.get(page_url(installation, first.consent_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Your consent decisions" in html
    assert "shop.example.com" in html
    assert first.consent_id in html
    assert html.index("reject all") < html.index("accept all")  # newest first
    assert "Statistics" in html
    assert "YouTube" in html
    assert version.config["sha256"][:12] in html
    assert '<th scope="col">' in html
    assert "<caption>" in html
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" not in html
    assert response.cookies == {}
    assert client.cookies == {}
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_history_in_german_from_accept_language(shop):
    _a, installation, version = shop
    [record] = make_records(installation, version, 1)
    html = visitor("de-DE,de;q=0.9").get(page_url(installation, record.consent_id)).content
    html = html.decode()
    assert '<html lang="de">' in html
    assert "Ihre Einwilligungsentscheidungen" in html
    assert "Einwilligung widerrufen" in html


def test_withdrawing_stores_a_record_and_the_history_shows_it(shop):
    a, installation, version = shop
    [record] = make_records(installation, version, 1, first=0)
    second = republish(installation, a)
    client = visitor("en")
    url = page_url(installation, record.consent_id)
    response = client.post(
        url,
        HTTP_ORIGIN=HOST,
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    )
    assert response.status_code == 303
    assert response["Location"] == url + "?withdrawn=1"
    withdrawal = ConsentRecord.objects.filter(consent_id=record.consent_id).latest("created_at")
    assert withdrawal.pk != record.pk
    assert withdrawal.action == "withdraw"
    assert withdrawal.version == second  # the newest version
    assert withdrawal.sha256 == second.config["sha256"]
    required = {c["id"] for c in second.config["categories"] if c["required"]}
    assert withdrawal.choices["categories"] == {
        c["id"]: c["id"] in required for c in second.config["categories"]
    }
    assert set(withdrawal.choices["services"].values()) == {False}
    assert withdrawal.layer == 0
    assert withdrawal.language == "en"
    assert withdrawal.ip == "198.51.100.0"
    assert (withdrawal.browser, withdrawal.os) == ("Firefox", "Linux")
    assert withdrawal.origin == HOST
    assert withdrawal.path == url
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Your consent has been withdrawn." in html
    assert "privacy settings" in html
    assert html.index("withdrawal") < html.index("accept all")
    assert client.cookies == {}


def test_a_referer_of_this_host_is_enough_without_origin(shop):
    _a, installation, version = shop
    [record] = make_records(installation, version, 1)
    url = page_url(installation, record.consent_id)
    response = visitor().post(url, HTTP_REFERER=HOST + url)
    assert response.status_code == 303
    assert ConsentRecord.objects.filter(action="withdraw").count() == 1


def test_a_withdrawal_is_counted_in_the_statistics(shop):
    _a, installation, version = shop
    [record] = make_records(installation, version, 1, first=0)
    response = visitor("en").post(page_url(installation, record.consent_id), HTTP_ORIGIN=HOST)
    assert response.status_code == 303
    # The factory writes records around the writer, so only the withdrawal is counted.
    stats = ConsentDailyStat.objects.filter(installation=installation)
    assert [(s.decisions, s.withdraw) for s in stats] == [(1, 1)]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/c/page"},
        {},
    ],
)
def test_a_withdrawal_from_another_site_is_refused(shop, headers):
    _a, installation, version = shop
    [record] = make_records(installation, version, 1)
    response = visitor().post(page_url(installation, record.consent_id), **headers)
    assert response.status_code == 403
    assert b"Nothing has been changed" in response.content
    assert ConsentRecord.objects.count() == 1


def test_unknown_ids_and_keys_get_the_same_404(shop):
    a, installation, version = shop
    [record] = make_records(installation, version, 1)
    other, _ = published(make_customer("b", "Beta AG"), name="Other")
    client = visitor()
    pages = set()
    for url in (
        page_url(installation, "A" * 22),  # well-formed, never issued
        page_url(installation, "short"),
        page_url(installation, record.consent_id + "x"),
        page_url(other, record.consent_id),  # the ID of another installation
        f"/c/unknown-key/records/{record.consent_id}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "no-store" in response["Cache-Control"]
        pages.add(response.content)
        assert client.post(url, HTTP_ORIGIN=HOST).status_code == 404
    assert len(pages) == 1
    assert ConsentRecord.objects.count() == 1
    assert client.cookies == {}


def test_other_methods_are_405(shop):
    _a, installation, version = shop
    [record] = make_records(installation, version, 1)
    assert visitor().put(page_url(installation, record.consent_id)).status_code == 405


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_requests_are_limited_per_network(shop):
    _a, installation, version = shop
    [record] = make_records(installation, version, 1)
    from consentserve.collector.self_service import REQUESTS_PER_MINUTE

    client = visitor()
    statuses = [
        client.get(page_url(installation, f"{i:022d}")).status_code
        for i in range(REQUESTS_PER_MINUTE)
    ]
    assert set(statuses) == {404}
    # Guessing used up the network's budget; the real ID waits too.
    response = client.get(page_url(installation, record.consent_id))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert b"Too many requests" in response.content
    # Another address of the same /24 shares the limit; another network does not.
    same_net = Client(REMOTE_ADDR="198.51.100.99")
    assert same_net.get(page_url(installation, record.consent_id)).status_code == 429
    other_net = Client(REMOTE_ADDR="192.0.2.1")
    assert other_net.get(page_url(installation, record.consent_id)).status_code == 200


def test_the_route_does_not_collide_with_the_banner_loader(shop):
    _a, installation, _version = shop
    response = Client().get(f"/c/{installation.public_key}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
