"""Issues 5 and 22, exports of the consent log in the portal: a viewer asks for an export of one
installation with the log's filters; it is written in the background in the API's format
(tests/test_export_jobs.py covers the job itself: memory, ranges, expiry, retention), and the
exports page shows its progress and the download link."""

import gzip
from datetime import UTC, datetime

import pytest
from django.test import Client
from test_consent_log_factories import make_records, published
from test_portal_factories import make_customer

from consentserve.api.export import COLUMNS
from consentserve.api.models import ConsentExport
from consentserve.collector.models import ConsentRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_storage(tmp_path, settings):
    settings.STORAGES = settings.STORAGES | {
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports"), "base_url": None},
        }
    }


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


def exports_url(customer) -> str:
    return f"/en/portal/o/{customer.organisation.pk}/consents/exports/"


def request_export(client, customer, capture, **data):
    with capture(execute=True):
        response = client.post(exports_url(customer), data)
    return response


def downloaded(job: ConsentExport) -> bytes:
    from consentserve.api import export_jobs

    response = Client().get(export_jobs.download_path(job))
    assert response.status_code == 200
    return gzip.decompress(b"".join(response.streaming_content))


def test_a_viewer_exports_an_installation_with_the_log_filters(
    a, shop, django_capture_on_commit_callbacks
):
    installation, version = shop
    other, other_version = published(a, name="Blog")
    make_records(installation, version, 40)
    make_records(other, other_version, 10, first=100)
    client = client_of(a.viewer)  # everyone in the organisation may export
    log = client.get(f"/en/portal/o/{a.organisation.pk}/installations/{installation.pk}/consents/")
    assert b'name="format" value="csv"' in log.content
    response = request_export(
        client,
        a,
        django_capture_on_commit_callbacks,
        installation=installation.pk,
        action="custom",
        language="de",
        format="csv",
    )
    assert response.status_code == 302
    assert response["Location"] == exports_url(a)
    job = ConsentExport.objects.get()
    assert (job.installation, job.state, job.requested_by) == (installation, "done", a.viewer.user)
    assert job.filters == {"action": "custom", "language": "de"}
    lines = downloaded(job).decode().splitlines()
    assert lines[0] == ",".join(COLUMNS)  # the API's columns
    expected = ConsentRecord.objects.filter(
        installation=installation, action="custom", language="de"
    ).order_by("created_at", "pk")
    assert [int(line.split(",")[0]) for line in lines[1:]] == [r.pk for r in expected]
    page = client.get(exports_url(a))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Ready: {expected.count()} records" in body
    assert "/exports/" in body
    assert "Download" in body
    assert "hx-trigger" not in body  # nothing running: the page does not poll


def test_the_organisation_log_exports_the_chosen_installation_by_whole_days(
    a, shop, django_capture_on_commit_callbacks
):
    installation, version = shop
    make_records(installation, version, 5)
    client = client_of(a.viewer)
    log = client.get(f"/en/portal/o/{a.organisation.pk}/consents/")
    assert b'name="installation" required' in log.content
    request_export(
        client,
        a,
        django_capture_on_commit_callbacks,
        installation=installation.pk,
        date_from="2026-03-01",
        date_to="2026-03-31",
        format="jsonl",
    )
    job = ConsentExport.objects.get()
    # Whole days in the site's time zone (CET in March), as the log shows them.
    assert job.filters == {"from": "2026-02-28T23:00:00Z", "to": "2026-03-31T22:00:00Z"}
    assert datetime(2026, 3, 1, 9, tzinfo=UTC) > datetime.fromisoformat(job.filters["from"])
    assert len(downloaded(job).splitlines()) == 5


def test_bad_export_requests_get_400_with_a_message(a, shop, django_capture_on_commit_callbacks):
    installation, _version = shop
    client = client_of(a.viewer)
    cases = [
        ({"installation": installation.pk, "version": "x", "format": "csv"}, b"Version"),
        ({"installation": installation.pk, "format": "xlsx"}, b"CSV or JSON Lines"),
        ({"format": "csv"}, b"Choose the installation"),
    ]
    for data, message in cases:
        response = request_export(client, a, django_capture_on_commit_callbacks, **data)
        assert response.status_code == 400
        assert message in response.content
    assert not ConsentExport.objects.exists()


def test_another_organisations_installation_cannot_be_exported(
    a, shop, django_capture_on_commit_callbacks
):
    installation, _version = shop
    b = make_customer("b", "Beta GmbH")
    response = request_export(
        client_of(b.owner),
        b,
        django_capture_on_commit_callbacks,
        installation=installation.pk,
        format="csv",
    )
    assert response.status_code == 400  # not one of b's installations: not a choice
    assert not ConsentExport.objects.exists()
    request_export(
        client_of(a.viewer),
        a,
        django_capture_on_commit_callbacks,
        installation=installation.pk,
        format="csv",
    )
    assert b"Shop" not in client_of(b.owner).get(exports_url(b)).content
    assert client_of(b.owner).get(exports_url(a)).status_code == 404


def test_the_exports_page_polls_while_an_export_is_running(a, shop):
    installation, _version = shop
    ConsentExport.objects.create(
        installation=installation, format="csv", state="running", rows_total=200, rows_done=50
    )
    body = client_of(a.viewer).get(exports_url(a)).content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert 'value="25"' in body
    assert "50 of 200" in body
