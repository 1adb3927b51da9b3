"""Issue 5, the consent log in the portal: the table per installation and across the
organisation, filters, keyset pages (no row twice, none missing), roles, German and English,
the proof page with the exact version shown (and a warning when the hashes differ), its
preview script and its JSON download."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from test_consent_log_factories import START, make_records, published, record_values, republish
from test_portal_factories import make_customer

from consentserve.collector.log_selectors import Cursor
from consentserve.collector.models import ConsentRecord
from consentserve.installations.config import sha256_hex

pytestmark = pytest.mark.django_db


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


@pytest.fixture
def shop(a):
    return published(a)


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def log_url(installation, language="en") -> str:
    org = installation.organisation_id
    return f"/{language}/portal/o/{org}/installations/{installation.pk}/consents/"


def org_log_url(customer, language="en") -> str:
    return f"/{language}/portal/o/{customer.organisation.pk}/consents/"


def proof_url(record, path="", language="en") -> str:
    org = record.installation.organisation_id
    return (
        f"/{language}/portal/o/{org}/installations/{record.installation_id}/consents/"
        f"{record.pk}/{path}"
    )


def record_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r"/consents/(\d+)/\"", html)]


def all_pages(client, url, query="") -> list[list[int]]:
    pages = []
    next_url = url + query
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(record_ids(html))
        older = re.search(r'href="(\?[^"]*after=[^"]*)" rel="next"', html)
        next_url = url + older[1].replace("&amp;", "&") if older else None
    return pages


# --- the table --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de"])
def test_empty_log_explains_when_records_appear(a, shop, language):
    installation, _version = shop
    text = client_of(a.viewer).get(log_url(installation, language)).content.decode()
    if language == "en":
        assert "No consent records yet." in text
        assert "once the banner is published" in text
    else:
        assert "Noch keine Einwilligungsnachweise." in text
        assert "sobald das Banner veröffentlicht" in text
    assert "<table" not in text


def test_viewer_reads_the_log_newest_first_with_every_column(a, shop):
    installation, version = shop
    records = make_records(installation, version, 5)
    response = client_of(a.viewer).get(log_url(installation))
    assert response.status_code == 200
    html = response.content.decode()
    newest_first = sorted(records, key=lambda r: (r.created_at, r.pk), reverse=True)
    assert record_ids(html) == [r.pk for r in newest_first]
    assert '<th scope="col">Consent ID</th>' in html
    assert "<caption" in html
    first = records[0]
    assert first.consent_id[:8] + "…" in html
    assert f'data-copy-text="{first.consent_id}"' in html
    assert "accept all" in html
    assert "reject all" in html
    assert "Chrome / Windows" in html
    assert "https://shop.example.com/page/0" in html
    # Granted categories by their labels in the page's language.
    assert "<td>Necessary, Statistics</td>" in html  # custom
    assert "<td>Necessary, Preferences, Statistics, Marketing</td>" in html  # accept all
    assert "style=" not in html
    assert "<script>" not in html


def test_the_organisation_log_shows_every_installation_and_the_nav_links_to_it(a, shop):
    installation, version = shop
    other, other_version = published(a, name="Blog")
    make_records(installation, version, 2)
    make_records(other, other_version, 3, first=10)
    client = client_of(a.viewer)
    html = client.get(org_log_url(a)).content.decode()
    assert len(record_ids(html)) == 5
    assert ">Blog<" in html
    assert ">Shop<" in html
    assert f'href="/en/portal/o/{a.organisation.pk}/consents/" aria-current="page"' in html
    only_blog = client.get(org_log_url(a) + f"?installation={other.pk}").content.decode()
    assert len(record_ids(only_blog)) == 3


def test_filters_narrow_by_time_action_version_language_and_consent_id(a, shop):
    installation, version = shop
    records = make_records(installation, version, 30)
    second = republish(installation, a)
    later = make_records(installation, second, 6, first=30)
    client = client_of(a.viewer)
    url = log_url(installation)

    def shown(query):
        response = client.get(url + query)
        assert response.status_code == 200, response.content[:500]
        return set(record_ids(response.content.decode()))

    everything = records + later
    assert shown("?action=custom") == {r.pk for r in everything if r.action == "custom"}
    assert shown("?language=de") == {r.pk for r in everything if r.language == "de"}
    assert shown("?version=2") == {r.pk for r in later}
    assert shown(f"?consent_id={records[7].consent_id}") == {records[7].pk}
    day = (START + timedelta(days=0)).date().isoformat()
    assert shown(f"?date_from={day}&date_to={day}") == {r.pk for r in everything}
    assert shown("?date_to=2026-02-28") == set()
    combined = shown("?action=reject_all&language=en&version=1")
    assert combined == {r.pk for r in records if r.action == "reject_all" and r.language == "en"}


@pytest.mark.parametrize(
    "query",
    [
        "?consent_id=short",
        "?version=abc",
        "?version=0",
        "?action=everything",
        "?language=fr",
        "?date_from=2026-13-01",
        "?date_from=2026-03-02&date_to=2026-03-01",
        "?after=not-a-cursor",
    ],
)
def test_bad_filters_get_400_with_a_message(a, shop, query):
    installation, _version = shop
    response = client_of(a.viewer).get(log_url(installation) + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please check your details" in html or "not valid" in html


def test_keyset_pages_show_every_record_once_also_with_ties_and_filters(a, shop):
    installation, version = shop
    records = make_records(installation, version, 137)  # three share each created_at
    client = client_of(a.viewer)
    pages = all_pages(client, log_url(installation))
    assert [len(page) for page in pages] == [50, 50, 37]
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == 137
    expected = sorted(records, key=lambda r: (r.created_at, r.pk), reverse=True)
    assert seen == [r.pk for r in expected]
    # With a filter, too: the cursor keeps it.
    custom = all_pages(client, log_url(installation), "?action=custom")
    assert [pk for page in custom for pk in page] == [
        r.pk for r in expected if r.action == "custom"
    ]


def test_organisation_pages_merge_installations_without_gaps(a, shop):
    installation, version = shop
    other, other_version = published(a, name="Blog")
    records = make_records(installation, version, 70) + make_records(
        other, other_version, 55, first=3
    )
    pages = all_pages(client_of(a.viewer), org_log_url(a))
    seen = [pk for page in pages for pk in page]
    expected = sorted(records, key=lambda r: (r.created_at, r.pk), reverse=True)
    assert seen == [r.pk for r in expected]
    assert [len(page) for page in pages] == [50, 50, 25]


def test_newer_pages_lead_back_without_gaps(a, shop):
    installation, version = shop
    make_records(installation, version, 120)
    client = client_of(a.viewer)
    url = log_url(installation)
    first = client.get(url).content.decode()
    older = re.search(r'href="(\?after=[^"]*)" rel="next"', first)[1]
    second = client.get(url + older).content.decode()
    third_link = re.search(r'href="(\?after=[^"]*)" rel="next"', second)[1]
    third = client.get(url + third_link).content.decode()
    back = re.search(r'href="(\?before=[^"]*)" rel="prev"', third)[1]
    assert record_ids(client.get(url + back).content.decode()) == record_ids(second)
    back_again = re.search(r'href="(\?before=[^"]*)" rel="prev"', second)[1]
    assert record_ids(client.get(url + back_again).content.decode()) == record_ids(first)
    assert 'rel="prev"' not in first


def test_a_page_is_one_range_query_not_an_offset(a, shop):
    installation, version = shop
    make_records(installation, version, 60)
    client = client_of(a.viewer)
    page = client.get(log_url(installation)).content.decode()
    older = re.search(r'href="(\?after=[^"]*)" rel="next"', page)[1]
    with CaptureQueriesContext(connection) as queries:
        client.get(log_url(installation) + older)
    sql = " ".join(
        q["sql"] for q in queries.captured_queries if "collector_consentrecord" in q["sql"]
    )
    assert "OFFSET" not in sql.upper()
    assert "LIMIT 51" in sql.upper()


def test_cursor_round_trip_and_refusals():
    cursor = Cursor(START, 42)
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ("", "x" * 200, "bm90IGEgY3Vyc29y", "MjAyNi0wMy0wMVQwOTowMDowMHwtMQ"):
        with pytest.raises(ValueError, match="not a cursor"):
            Cursor.decode(bad)


# --- the proof page ---------------------------------------------------------------------------


def test_proof_page_shows_the_record_and_the_version_texts_in_its_language(a, shop):
    installation, version = shop
    [record] = make_records(installation, version, 1, first=1)  # language en
    second = republish(installation, a, title="A later title")
    assert second.number == 2
    response = client_of(a.viewer).get(proof_url(record))
    assert response.status_code == 200
    html = response.content.decode()
    config = version.config
    assert config["texts"]["en"]["title"] in html
    assert config["texts"]["en"]["body"][:40] in html
    assert "A later title" not in html  # never the newer version or the draft
    assert "Version 1" in html or "version 1" in html
    assert config["sha256"] in html
    assert version.sha256 in html
    assert record.consent_id in html
    assert record.ip in html
    assert "Verified" in html
    assert "Warning" not in html
    assert "YouTube" in html
    assert f"{proof_url(record)}preview/" in html
    assert f"{proof_url(record)}proof.json" in html


def test_proof_page_in_german_shows_the_german_texts(a, shop):
    installation, version = shop
    [record] = make_records(installation, version, 1, first=0)  # language de
    html = client_of(a.viewer).get(proof_url(record, language="de")).content.decode()
    assert version.config["texts"]["de"]["title"] in html
    assert "Nachweis der Einwilligung" in html


def test_proof_page_warns_when_the_record_names_other_texts(a, shop):
    installation, version = shop
    record = ConsentRecord.objects.create(
        **record_values(installation, version, 2, sha256="0" * 64)
    )
    html = client_of(a.viewer).get(proof_url(record)).content.decode()
    assert "Warning: this record and the version do not match." in html
    assert "is not that of the texts of this version" in html
    assert "Verified" not in html
    document = json.loads(client_of(a.viewer).get(proof_url(record, "proof.json")).content)
    assert document["checks"]["texts_match"] is False


def test_proof_download_holds_record_version_config_and_hashes(a, shop):
    installation, version = shop
    [record] = make_records(installation, version, 1)
    response = client_of(a.viewer).get(proof_url(record, "proof.json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["record"]["consent_id"] == record.consent_id
    assert document["record"]["choices"] == record.choices
    assert document["record"]["version"] == 1
    assert document["version"]["config"] == version.config
    assert document["version"]["sha256"] == version.sha256 == sha256_hex(version.config)
    assert document["checks"]["texts_match"] is True
    assert document["checks"]["config_intact"] is True


def test_preview_serves_the_records_version_in_preview_mode_never_the_draft(a, shop):
    installation, version = shop
    [record] = make_records(installation, version, 1, first=1)
    republish(installation, a, title="Newer title")
    client = client_of(a.viewer)
    page = client.get(proof_url(record, "preview/"))
    assert page.status_code == 200
    assert page["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"]
    assert '<html lang="en">' in page.content.decode()
    script = client.get(proof_url(record, "preview.js"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    config_text = script.content.decode().split(";\n", 1)[0]
    config = json.loads(config_text.removeprefix("window.__CONSENTSERVE_CONFIG__="))
    assert config["preview"] is True
    assert config["version"] == 1
    assert config["texts"]["en"]["title"] == version.config["texts"]["en"]["title"]
    layer_two = client.get(proof_url(record, "preview.js") + "?layer=2").content.decode()
    assert '"preview_layer":2' in layer_two


def test_record_of_another_installation_in_the_url_is_404(a, shop):
    installation, version = shop
    other, other_version = published(a, name="Blog")
    [record] = make_records(other, other_version, 1)
    org = a.organisation.pk
    url = f"/en/portal/o/{org}/installations/{installation.pk}/consents/{record.pk}/"
    client = client_of(a.owner)
    for suffix in ("", "proof.json", "preview/", "preview.js"):
        assert client.get(url + suffix).status_code == 404


def test_post_is_not_allowed_on_the_log(a, shop):
    installation, _version = shop
    assert client_of(a.owner).post(log_url(installation)).status_code == 405
