"""R-C2-1…R-C2-5, R-D-1: the register describes Google Analytics 4 exactly as configured. Without
CONSENTSERVE_GA4_MEASUREMENT_ID the website loads nothing from Google, so the policy, the Art. 30
record and the Art. 15 report say so; with it, section C.2 describes GA4 as loaded. R-C2-4: each
release re-checks the DPF certification (`check --deploy`)."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader
from test_policy import _Page

from consentserve.privacy.checks import DPF_LIST_URL, DPF_RECHECK_DAYS, dpf_recheck_warnings
from consentserve.privacy.engine import Subject, access_report
from consentserve.privacy.engine.access import report_json
from consentserve.privacy.engine.objections import objection_targets
from consentserve.privacy.models import PolicyVersion
from consentserve.privacy.notices import collection_notice
from consentserve.privacy.policy import render_policy
from consentserve.privacy.record import processing_record, record_pdf
from consentserve.privacy.register import get_register, in_use, recipients_in_use
from consentserve.privacy.retention import retention_run

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.req("R-C2-1", "R-C2-2", "R-C2-3", "R-C2-4", "R-C2-5", "R-D-1"),
]

GA4_ID = "G-TEST123"
ON = override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID=GA4_ID)
OFF = override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID="")
LANGUAGES = ("de", "en")
NUMBERS = ["B.1", "B.2", "B.3", "C.1", "C.2", "C.3", "C.4", "D.1", "D.2"]
HEADING = {"de": "C.2 Einsatz von Google Analytics", "en": "C.2 Use of Google Analytics"}
OTHERWISE = {
    "de": "Wir setzen Google Analytics derzeit nicht ein; unsere Website lädt nichts von Google.",
    "en": "We do not currently use Google Analytics; our website loads nothing from Google.",
}
LABELS = {"de": ("Rechtsgrundlage", "Empfänger"), "en": ("Legal basis", "Recipients")}
DPF_CHECKED = get_register().recipient("google").dpf_checked


def _privacy_page(client, language: str) -> tuple[_Page, str]:
    """The website's privacy page: the policy article, parsed, and its HTML."""
    with translation.override(language):
        url = reverse("website:privacy")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    article = html[html.index('<article class="policy">') : html.index("</article>")]
    return _Page(article), article


def _numbers(page: _Page) -> list[str]:
    return [h.split(" ")[0] for h in page.heading_texts("h3") if h[1:2] == "."]


def _without_section(page: _Page, section_id: str) -> str:
    text, section = page.text(), page.text(section_id)
    assert section in text
    return text.replace(section, "")


# --- the register -----------------------------------------------------------------------------


def test_only_web_analytics_depends_on_the_measurement_id():
    reg = get_register()
    conditional = [a.id for a in reg.activities if a.in_use_if]
    assert conditional == ["web-analytics"]
    assert reg.activity("web-analytics").in_use_if.setting == "CONSENTSERVE_GA4_MEASUREMENT_ID"
    assert not reg.activity("web-analytics").stores
    with OFF:
        assert not in_use(reg.activity("web-analytics"))
        assert all(in_use(a) for a in reg.activities if a.id != "web-analytics")
        assert [r.id for r in recipients_in_use(reg)] == [
            "hosting",
            "mail",
            "payment",
            "authorities",
        ]
    with ON:
        assert in_use(reg.activity("web-analytics"))
        assert [r.id for r in recipients_in_use(reg)] == [r.id for r in reg.recipients]


# --- the privacy page -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_a_measurement_id_the_policy_says_google_analytics_is_not_used(client, language):
    with OFF:
        page, html = _privacy_page(client, language)
    # The section keeps its number and heading, and says only that nothing is loaded.
    assert page.text("web-analytics") == f"{HEADING[language]} {OTHERWISE[language]}"
    assert _numbers(page) == NUMBERS
    for label in LABELS[language]:
        assert label not in page.text("web-analytics")
    # Google appears nowhere else: not as recipient, transfer or cookie reader.
    rest = _without_section(page, "web-analytics")
    assert "Google" not in rest
    assert "Data Privacy Framework" not in page.text()
    assert "recipient-google" not in page.ids
    assert "#recipient-google" not in html
    assert "_ga" not in page.text()
    assert ("13 Monate" if language == "de" else "13 months") not in page.text()
    # The other recipients are still there.
    for recipient in ("hosting", "mail", "payment", "authorities"):
        assert f"recipient-{recipient}" in page.ids


@pytest.mark.parametrize(
    ("language", "needles", "months"),
    [
        (
            "de",
            ["Google Ireland Limited, Gordon House", "Google LLC", "2 Monaten", "§ 25 Abs. 1"],
            "13 Monate",
        ),
        (
            "en",
            ["Google Ireland Limited, Gordon House", "Google LLC", "2 months", "Section 25(1)"],
            "13 months",
        ),
    ],
)
def test_with_a_measurement_id_the_policy_describes_ga4_r_c2_4(client, language, needles, months):
    with ON:
        page, html = _privacy_page(client, language)
    section = page.text("web-analytics")
    assert section.startswith(HEADING[language])
    assert OTHERWISE[language] not in page.text()
    assert _numbers(page) == NUMBERS
    for needle in [*needles, "Data Privacy Framework", *LABELS[language]]:
        assert needle in section, needle
    # The DPF transfer to Google LLC, in the section and among the recipients.
    assert re.search(r"Google Ireland Limited: [^<]*Google LLC[^<]*Data Privacy Framework", html)
    assert "Google LLC" in page.text("recipient-google")
    assert "Data Privacy Framework" in page.text("recipient-google")
    for cookie in ("_ga", "_ga_&lt;container-id&gt;"):
        assert re.search(rf"<code>{cookie}</code></th><td>[^<]*</td><td>{months}</td>", html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_withdrawal_text_matches_what_the_banner_does_r_c2_5(language):
    with ON:
        text = _Page(render_policy(language)).text("web-analytics")
    needles = {
        "de": [
            "Widerruf mit",
            "_ga und _ga_<container-id> auf allen Domains",
            "für die geöffnete Seite ab",
            "personalisierte Werbung",
        ],
        "en": [
            "of your withdrawal",
            "_ga and _ga_<container-id> on every domain",
            "off for the open page",
            "personalised advertising",
        ],
    }[language]
    for needle in needles:
        assert needle in text


def test_a_changed_setting_gives_a_new_version_on_the_next_publish_r_reg_4(client):
    with OFF:
        call_command("privacy_publish_policy")
        call_command("privacy_publish_policy")
    first = PolicyVersion.objects.get()
    assert OTHERWISE["de"] in first.html_de
    assert "Google Ireland" not in first.html_de
    with ON:
        call_command("privacy_publish_policy")
        call_command("privacy_publish_policy")
        page, _html = _privacy_page(client, "en")
    first, second = PolicyVersion.objects.order_by("number")
    assert second.number == 2
    assert second.content_sha256 != first.content_sha256
    assert second.register_sha256 == first.register_sha256  # same register, other setting
    assert "Google Ireland Limited" in second.html_de
    assert OTHERWISE["en"] not in second.html_en
    assert "Google LLC" in page.text("web-analytics")
    with OFF:
        call_command("privacy_publish_policy")
    assert PolicyVersion.objects.order_by("number").last().content_sha256 == first.content_sha256


# --- the Art. 30 record and the Art. 15 report ------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_record_marks_web_analytics_as_not_in_use(language):
    with OFF:
        record = processing_record(language)
    entries = {a["id"]: a for a in record["activities"]}
    analytics = entries.pop("web-analytics")
    assert analytics["in_use"] is False
    assert analytics["not_in_use"] == OTHERWISE[language]
    assert analytics["in_use_if_setting"] == "CONSENTSERVE_GA4_MEASUREMENT_ID"
    assert all(a["in_use"] and not a["not_in_use"] for a in entries.values())
    with ON:
        record = processing_record(language)
    analytics = next(a for a in record["activities"] if a["id"] == "web-analytics")
    assert analytics["in_use"] is True
    assert analytics["not_in_use"] == ""
    assert "Google LLC" in analytics["third_country_transfers"][0]["transfer"]


def test_the_record_pdf_says_not_in_use():
    with OFF:
        pdf = record_pdf("de")
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Einsatz von Google Analytics (nicht im Einsatz)" in text
    assert "CONSENTSERVE_GA4_MEASUREMENT_ID" in text


def test_the_access_report_does_not_mention_web_analytics_while_not_in_use(django_user_model):
    user = django_user_model.objects.create_user(email="mara@example.com", password="x")
    subject = Subject.for_user(user)
    with OFF:
        for language in LANGUAGES:
            report = access_report(subject, language=language)
            ids = [a.id for a in report.activities] + [u.id for u in report.unlinked]
            assert "web-analytics" not in ids
            assert "access-logs" in ids
            assert "Google" not in report_json(report).decode()
    with ON:
        report = access_report(subject, language="en")
    assert "web-analytics" in [u.id for u in report.unlinked]


def test_other_consumers_of_the_register_keep_working_without_the_setting():
    with OFF:
        assert retention_run(dry_run=True)
        assert collection_notice("quote-requests", language="de").purposes
        assert "web-analytics" not in [t.id for t in objection_targets(language="de")]


# --- R-C2-4: the DPF certification, re-checked for each release -------------------------------


def test_google_has_the_date_of_its_last_dpf_check():
    assert isinstance(DPF_CHECKED, date)
    assert [r.id for r in get_register().recipients if r.dpf_checked] == ["google"]


def _warnings(day: date) -> list:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        return [m for m in run_checks(include_deployment_checks=True) if m.id == "privacy.W001"]


def test_a_stale_dpf_check_warns_under_check_deploy_only_r_c2_4():
    due = DPF_CHECKED + timedelta(days=DPF_RECHECK_DAYS + 1)
    with ON:
        assert _warnings(DPF_CHECKED) == []
        assert _warnings(DPF_CHECKED + timedelta(days=DPF_RECHECK_DAYS)) == []
        (warning,) = _warnings(due)
        assert warning.level == 30  # a Warning, never an Error
        assert "recipient google (Google Ireland Limited)" in warning.msg
        assert str(DPF_RECHECK_DAYS + 1) in warning.msg
        assert DPF_LIST_URL in warning.hint
        at = datetime(due.year, due.month, due.day, 12, tzinfo=UTC)
        with time_machine.travel(at, tick=False):
            assert "privacy.W001" not in [m.id for m in run_checks()]
        # A date of the check in the future is a typo.
        assert len(_warnings(DPF_CHECKED - timedelta(days=1))) == 1
    # Without Google Analytics nothing goes to Google, so its certification does not matter.
    with OFF:
        assert _warnings(due) == []
        assert dpf_recheck_warnings(due) == []
