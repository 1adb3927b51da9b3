"""Issue 18 in the portal: a scan per installation (owners and admins, only the installation's
own domains, never a private address), its results grouped by service with one click to add a
found service to the draft, the screenshots and the leak report as PDF in German and English;
monthly re-scans mail the owners when anything changed; results are kept 13 months and
screenshots 3 months (register activity website-scans)."""

import io
import socket
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from test_installations_linter import lint_clean_draft
from test_portal_factories import make_customer

from consentserve.installations import services as installation_services
from consentserve.privacy.retention import retention_run
from consentserve.scanner.facade import Scan, ScanSchedule, ScanScreenshot, schedules_run
from consentserve.scanner.services import fingerprint, scan_execute

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    from PIL import Image  # WeasyPrint's own dependency

    out = io.BytesIO()
    Image.new("RGB", (64, 40), (15, 118, 110)).save(out, "JPEG")
    return out.getvalue()


JPEG = _jpeg()


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


@pytest.fixture
def shop(a):
    user = a.owner.user
    installation = installation_services.installation_create(
        organisation=a.organisation, name="Shop", actor=user
    )
    installation_services.draft_update(
        installation=installation, draft=lint_clean_draft(), actor=user
    )
    for pattern in ("shop.example.com", "metadata.google.internal"):
        installation_services.domain_add(installation=installation, pattern=pattern, actor=user)
    return installation


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def scans_url(installation, path="", language="en") -> str:
    org = installation.organisation_id
    return f"/{language}/portal/o/{org}/installations/{installation.pk}/scans/{path}"


REPORT = {
    "url": "https://shop.example.com/",
    "banner": True,
    "states_need_banner": False,
    "scanner": "consentserve-scanner/0.1.0",
    "pages": [{"url": "https://shop.example.com/", "states": {}}],
    "services": [
        {
            "key": "catalog:posthog",
            "name": "PostHog",
            "category": "statistics",
            "source": "catalog",
            "catalog_id": "posthog",
            "items": [
                {"kind": "cookie", "name": "ph_k_posthog", "states": ["no_choice", "accept"]},
                {"kind": "request", "name": "eu.i.posthog.com/e/", "states": ["accept"]},
            ],
        }
    ],
    "unclassified": [{"kind": "request", "name": "cdn.unknown.example/x.js", "states": []}],
    "leaks": [
        {
            "page": "https://shop.example.com/",
            "state": "no_choice",
            "kind": "cookie",
            "item": "ph_k_posthog",
            "service": "PostHog",
            "service_key": "catalog:posthog",
            "category": "statistics",
            "ms": 412,
            "request": "https://eu.i.posthog.com/flags/",
            "initiator": "https://shop.example.com/vendor/posthog.js",
            "screenshot": "000-no_choice.jpg",
        }
    ],
    "refused": [],
    "truncated": "",
}


def _done_scan(installation, **fields):
    scan = Scan.objects.create(
        installation=installation,
        url="https://shop.example.com/",
        status=Scan.Status.DONE,
        report=REPORT,
        fingerprint=fingerprint(REPORT),
        scanner_version=REPORT["scanner"],
        finished_at=timezone.now(),
        **fields,
    )
    ScanScreenshot.objects.create(scan=scan, name="000-no_choice.jpg", image=JPEG)
    return scan


def _dns(monkeypatch, answer):
    """The name server's answer for shop.example.com (this machine reaches no outside DNS)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "shop.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.0.0.7"])
def test_the_portal_refuses_a_domain_that_resolves_to_a_private_address(
    a, shop, monkeypatch, address
):
    _dns(monkeypatch, address)
    response = client_of(a.owner).post(
        scans_url(shop, "new/"), {"url": "https://shop.example.com/"}
    )
    assert response.status_code == 400
    assert f"non-public address ({address})" in response.content.decode()
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://metadata.google.internal/computeMetadata/v1/", "not a public host"),
        ("http://169.254.169.254/latest/meta-data/", "Only addresses on the domains"),
        ("http://127.0.0.1/", "Only addresses on the domains"),
        ("http://localhost:8000/", "Only addresses on the domains"),
        ("https://elsewhere.example.org/", "Only addresses on the domains"),
        ("ftp://shop.example.com/", "Only addresses on the domains"),
    ],
)
def test_the_portal_refuses_private_and_foreign_addresses_with_a_message(a, shop, url, message):
    response = client_of(a.owner).post(scans_url(shop, "new/"), {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Scan.objects.exists()


def test_a_viewer_may_not_start_a_scan_but_sees_the_results(a, shop):
    response = client_of(a.viewer).post(
        scans_url(shop, "new/"), {"url": "https://shop.example.com/"}
    )
    assert response.status_code == 403
    scan = _done_scan(shop)
    page = client_of(a.viewer).get(scans_url(shop))
    assert page.status_code == 200
    assert 'name="url"' not in page.content.decode()
    assert client_of(a.viewer).get(scans_url(shop, f"{scan.pk}/")).status_code == 200


def test_an_admin_starts_a_scan_which_the_worker_runs(
    a, shop, monkeypatch, django_capture_on_commit_callbacks
):
    _dns(monkeypatch, "93.184.216.34")
    calls = []
    monkeypatch.setattr("consentserve.scanner.services._enqueue", calls.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(a.admin).post(
            scans_url(shop, "new/"), {"url": "https://shop.example.com/"}
        )
    assert response.status_code == 302
    scan = Scan.objects.get()
    assert (scan.status, scan.url, scan.requested_by) == (
        "queued",
        "https://shop.example.com/",
        a.admin.user,
    )
    assert calls == [scan.pk]
    schedule = ScanSchedule.objects.get(installation=shop)
    assert schedule.next_at > timezone.now() + timedelta(days=29)
    # A second scan while one is under way is refused.
    again = client_of(a.admin).post(scans_url(shop, "new/"), {"url": "https://shop.example.com/"})
    assert again.status_code == 400
    assert "already under way" in again.content.decode()


@pytest.mark.parametrize("language", ["en", "de"])
def test_results_are_grouped_by_service_with_what_the_banner_lacks(a, shop, language):
    scan = _done_scan(shop)
    text = client_of(a.owner).get(scans_url(shop, f"{scan.pk}/", language)).content.decode()
    assert "PostHog" in text
    assert "ph_k_posthog" in text
    assert "cdn.unknown.example/x.js" in text
    assert "412" in text
    # PostHog is not in the draft: one click adds the catalog service.
    assert 'name="service_id" value="posthog"' in text
    assert (
        "Found but not in the banner" if language == "en" else "Gefunden, aber nicht im Banner"
    ) in text
    shot = client_of(a.owner).get(scans_url(shop, f"{scan.pk}/screenshots/000-no_choice.jpg"))
    assert shot["Content-Type"] == "image/jpeg"
    assert shot.content == JPEG


def test_one_click_adds_the_found_service_to_the_draft(a, shop):
    _done_scan(shop)
    org = shop.organisation_id
    response = client_of(a.owner).post(
        f"/en/portal/o/{org}/installations/{shop.pk}/services/catalog/",
        {"service_id": "posthog", "category": ""},
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert "posthog" in [s["id"] for s in shop.draft["services"]]


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["leak report", "1 leak found", "no choice"]), ("de", ["Leck", "keine Entscheidung"])],
)
def test_the_leak_report_renders_as_pdf_in_both_languages(a, shop, language, words):
    scan = _done_scan(shop)
    response = client_of(a.viewer).get(scans_url(shop, f"{scan.pk}/report.pdf", language))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    # The screenshot of the page and state with the leak is the evidence.
    assert sum(len(p.images) for p in pdf.pages) == 1
    text = " ".join(text.split())
    for word in [*words, "consentserve-scanner/0.1.0", "ph_k_posthog", "shop.example.com"]:
        assert word.lower() in text.lower(), word


def test_a_scheduled_scan_that_changed_mails_the_owners(a, shop, smtp, monkeypatch):
    previous = _done_scan(shop)
    previous.created_at = timezone.now() - timedelta(days=31)
    previous.save()
    ScanSchedule.objects.create(
        installation=shop, url=previous.url, next_at=timezone.now() - timedelta(minutes=1)
    )
    changed = {**REPORT, "leaks": []}
    monkeypatch.setattr("consentserve.scanner.services._enqueue", lambda pk: None)
    monkeypatch.setattr("consentserve.scanner.services.scan_site", lambda url, **kw: changed)
    queued = schedules_run()
    assert len(queued) == 1
    assert queued[0].scheduled is True
    scan = scan_execute(queued[0].pk)
    assert scan.status == "done"
    assert scan.fingerprint != previous.fingerprint
    mails = smtp.to(a.owner.user.email)
    assert len(mails) == 1
    assert "Shop" in mails[0]["Subject"]
    body = mails[0].get_content()
    assert "0 items set or sent without consent" in body
    assert "Elemente ohne Einwilligung" in body
    # The same result again: no mail.
    ScanSchedule.objects.filter(installation=shop).update(next_at=timezone.now())
    again = schedules_run()
    scan_execute(again[0].pk)
    assert len(smtp.to(a.owner.user.email)) == 1


def test_screenshots_go_after_3_months_and_results_after_13_months(shop):
    scan = _done_scan(shop)
    with time_machine.travel(timezone.now() + timedelta(days=88)):
        retention_run()
        assert ScanScreenshot.objects.filter(scan=scan).exists()
    with time_machine.travel(timezone.now() + timedelta(days=93)):
        retention_run()
        assert not ScanScreenshot.objects.filter(scan=scan).exists()
        assert Scan.objects.filter(pk=scan.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(days=393)):
        retention_run()
        assert Scan.objects.filter(pk=scan.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        retention_run()
        assert not Scan.objects.filter(pk=scan.pk).exists()
