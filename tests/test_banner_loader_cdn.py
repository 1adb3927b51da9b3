"""Issue 22 (deliverable 4): the loader ready for a CDN. Compressed per Accept-Encoding with an
ETag per encoding, one copy for every language, compressed once per version for every
process (stored in the database)."""

import gzip

import brotli
import pytest
from test_banner_loader import admin as admin_fixture
from test_banner_loader import installation as installation_fixture

from consentserve.banner import encodings, loader
from consentserve.banner.models import CompiledLoader
from consentserve.installations import services

pytestmark = pytest.mark.django_db
admin = admin_fixture
installation = installation_fixture


@pytest.fixture
def url(installation, admin):
    services.publish(installation, actor=admin)
    return f"/c/{installation.public_key}.js"


def _assert_cdn_headers(response):
    assert response["Vary"] == "Accept-Encoding"
    assert "Content-Language" not in response
    assert "stale-while-revalidate=" in response["Cache-Control"]
    assert response["Cache-Control"].startswith("public, max-age=300")


@pytest.mark.parametrize(
    ("accept", "encoding", "decompress"),
    [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("br", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("", None, None),
        ("identity", None, None),
        ("deflate", None, None),
    ],
)
def test_the_answer_is_compressed_as_the_request_accepts(client, url, accept, encoding, decompress):
    plain = client.get(url).content
    headers = {"HTTP_ACCEPT_ENCODING": accept} if accept else {}
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9", **headers)
    assert response.status_code == 200
    _assert_cdn_headers(response)
    assert response.get("Content-Encoding") == encoding
    body = response.content
    if decompress is None:
        assert body == plain
    else:
        assert len(body) < len(plain) / 2
        assert decompress(body) == plain
    assert int(response["Content-Length"]) == len(body)


def test_each_encoding_has_its_own_etag_and_revalidates_with_it(client, url):
    etags = {
        accept: client.get(url, HTTP_ACCEPT_ENCODING=accept)["ETag"]
        for accept in ("br", "gzip", "identity")
    }
    assert len(set(etags.values())) == 3
    assert all(etag.startswith('"') for etag in etags.values())  # strong validators
    again = client.get(url, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etags["br"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etags["br"]
    _assert_cdn_headers(again)
    # A gzip copy does not validate the brotli representation.
    other = client.get(url, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etags["gzip"])
    assert other.status_code == 200
    assert other["Content-Encoding"] == "br"


@pytest.mark.parametrize("language", ["de", "en", "fr-FR,fr;q=0.8"])
def test_no_answer_varies_by_language(client, url, language):
    for path in (url, "/c/nokey.js"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, HTTP_ACCEPT_ENCODING="br")
        assert "Accept-Language" not in response.get("Vary", "")
        assert "Content-Language" not in response
    # The rest of the site still varies by language.
    assert "Accept-Language" in client.get("/api/v1/installations").get("Vary", "")


def test_a_version_is_compressed_once_and_served_to_later_processes_from_the_database(
    client, url, installation, admin
):
    first = client.get(url, HTTP_ACCEPT_ENCODING="br")
    stored = CompiledLoader.objects.get(public_key=installation.public_key)
    assert (stored.number, stored.build) == (1, loader.build())
    assert bytes(stored.br) == first.content
    # A process that starts now finds the stored answer and compresses nothing.
    loader._compiled.cache_clear()
    CompiledLoader.objects.filter(pk=stored.pk).update(br=b"stored")
    assert client.get(url, HTTP_ACCEPT_ENCODING="br").content == b"stored"
    # A new version replaces the stored answer of the one before.
    services.publish(installation, actor=admin)
    assert client.get(url, HTTP_ACCEPT_ENCODING="br").content != b"stored"
    assert list(
        CompiledLoader.objects.filter(public_key=installation.public_key).values_list(
            "number", flat=True
        )
    ) == [2]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("*", "br"),
        ("*;q=0", "identity"),
        ("*, br;q=0", "gzip"),
        ("GZIP", "gzip"),
        ("br;q=abc, gzip", "gzip"),
        (",,;", "identity"),
    ],
)
def test_negotiation(header, expected):
    assert encodings.negotiate(header) == expected
