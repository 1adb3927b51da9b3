"""R-REG-3: the privacy policy is rendered from the register in German and English, covers every
section of the seed, and fixes each seed defect of REQUIREMENTS section 0."""

import re
from collections import Counter
from functools import cache
from html.parser import HTMLParser

import pytest
import yaml
from django.test import override_settings

from consentserve.privacy.policy import render_policy
from consentserve.privacy.register import REGISTER_PATH, parse_register

pytestmark = pytest.mark.req("R-REG-3")

LANGUAGES = ("de", "en")
# Section C.2 is rendered in full only while the website loads Google Analytics; the tests of
# this module read the policy as it is then (tests/test_register_in_use.py: both cases).
GA4_ID = "G-TEST123"
SECTION_IDS = [
    "intro",
    "section-a",
    "section-b",
    "access-logs",
    "quote-requests",
    "customer-registration",
    "section-c",
    "cookies",
    "web-analytics",
    "section-d",
    "disclosure-legal-orders",
    "disclosure-fraud-security",
    "section-e",
    "section-f",
    "section-g",
    "section-h",
]
CONTACTS = [
    "Multimedia Internet Services GmbH",
    "Raßdorfer Straße 11",
    "36208 Wildeck-Bosserode",
    "+49 (0) 6626 91 58 920",
    "info@CONSENTserve.com",
    "datenschutz@CONSENTserve.com",
    "Gustav-Stresemann-Ring 1",
    "65189 Wiesbaden",
    "Google Ireland Limited, Gordon House, Barrow Street, Dublin 4",
]


class _Page(HTMLParser):
    """The text of every element with an id, and the document's headings."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self, html: str):
        super().__init__()
        self._open: list[str | None] = []
        self._texts: dict[str, list[str]] = {"": []}
        self.ids: list[str] = []
        self.headings: dict[str, list[str]] = {"h2": [], "h3": []}
        self._heading: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        element_id = dict(attrs).get("id")
        self._open.append(element_id)
        if element_id:
            self.ids.append(element_id)
            self._texts[element_id] = []
        if tag in self.headings:
            self._heading = []
            self.headings[tag].append(self._heading)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        self._open.pop()
        if tag in self.headings:
            self._heading = None

    def handle_data(self, data):
        for element_id in ["", *filter(None, self._open)]:
            self._texts[element_id].append(data)
        if self._heading is not None:
            self._heading.append(data)

    def text(self, element_id: str = "") -> str:
        return " ".join(" ".join(self._texts[element_id]).split())

    def heading_texts(self, tag: str) -> list[str]:
        return [" ".join("".join(parts).split()) for parts in self.headings[tag]]


@cache
def page(language: str) -> _Page:
    with override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID=GA4_ID):
        return _Page(render_policy(language))


def _modified_register(change):
    data = yaml.safe_load(REGISTER_PATH.read_text(encoding="utf-8"))
    change(data)
    return parse_register(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _canonical_citations(text: str, language: str) -> set[str]:
    """Citations as "Art. 6(1)(f)" / "§ 257(1)", whichever language cites them."""
    if language == "de":
        text = re.sub(r"Art\. (\d+) Abs\. (\d+) lit\. ([a-f])", r"Art. \1(\2)(\3)", text)
        text = re.sub(r"Art\. (\d+) (?:Abs|Nr)\. (\d+)", r"Art. \1(\2)", text)
        text = re.sub(r"§ (\d+) Abs\. (\d+)", r"§ \1(\2)", text)
    else:
        text = re.sub(r"\bSections? (\d+)", r"§ \1", text)
    return set(re.findall(r"(?:Art\.|§) \d+(?:\(\d+\))?(?:\([a-f]\))?", text))


# --- every section, both languages ------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_section_of_the_seed_is_rendered_r_reg_3(language):
    ids = page(language).ids
    for section_id in SECTION_IDS:
        assert section_id in ids, section_id
        assert page(language).text(section_id), section_id


@pytest.mark.parametrize("language", LANGUAGES)
def test_chapters_are_lettered_a_to_h_once_each_r_reg_3_defect_6(language):
    letters = [h.split(".")[0] for h in page(language).heading_texts("h2")]
    assert letters == list("ABCDEFGH")


@pytest.mark.parametrize(
    ("language", "heading"), [("de", "E. Speicherdauer"), ("en", "E. Retention")]
)
def test_section_e_is_retention_not_a_second_d_defect_6(language, heading):
    headings = page(language).heading_texts("h2")
    assert heading in headings
    assert sum(h.startswith("D.") for h in headings) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_activities_are_numbered_from_their_place_r_reg_3(language):
    numbers = [h.split(" ")[0] for h in page(language).heading_texts("h3") if h[1:2] == "."]
    assert numbers == ["B.1", "B.2", "B.3", "C.1", "C.2", "C.3", "C.4", "D.1", "D.2"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_cross_references_are_resolved_r_reg_3(language):
    assert "[[" not in page(language).text()
    assert ("Abschnitt B.1" if language == "de" else "section B.1") in page(language).text(
        "right-21"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_activity_states_data_purpose_basis_recipients_transfer_retention_rights_r_reg_3(
    language,
):
    labels = {
        "de": [
            "Verarbeitete Daten",
            "Zwecke",
            "Rechtsgrundlage",
            "Empfänger",
            "Übermittlung in Drittländer",
            "Speicherdauer",
            "Ihre Rechte",
        ],
        "en": [
            "Personal data",
            "Purposes",
            "Legal basis",
            "Recipients",
            "Transfer to third countries",
            "Retention",
            "Your rights",
        ],
    }[language]
    for activity_id in SECTION_IDS:
        if not activity_id.startswith(("intro", "section-")):
            text = page(language).text(activity_id)
            for label in labels:
                assert label in text, (activity_id, label)


def test_internal_activities_are_not_published_r_reg_3():
    for language in LANGUAGES:
        assert "staff-accounts" not in page(language).ids
        assert "Backoffice" not in page(language).text("section-b")


# --- DE/EN parity -----------------------------------------------------------------------------


def test_both_languages_have_the_same_sections_and_anchors_r_reg_3():
    assert page("de").ids == page("en").ids


def test_both_languages_state_the_same_numbers_r_reg_3():
    numbers = {lang: Counter(re.findall(r"\d+", page(lang).text())) for lang in LANGUAGES}
    assert numbers["de"] == numbers["en"]


@pytest.mark.parametrize(
    ("de", "en"),
    [
        ("7 Tage", "7 days"),
        ("90 Tage", "90 days"),
        ("12 Monate", "12 months"),
        ("13 Monate", "13 months"),
        ("2 Monaten", "2 months"),
        ("14 Tage", "14 days"),
        ("10 Jahre", "10 years"),
        ("8 Jahre", "8 years"),
        ("6 Jahre", "6 years"),
        ("3 Jahre", "3 years"),
    ],
)
def test_both_languages_state_each_period_r_reg_3(de, en):
    assert de in page("de").text()
    assert en in page("en").text()


def test_both_languages_cite_the_same_provisions_r_reg_3():
    citations = {lang: _canonical_citations(page(lang).text(), lang) for lang in LANGUAGES}
    assert citations["de"] == citations["en"]
    assert {
        "Art. 6(1)(a)",
        "Art. 6(1)(b)",
        "Art. 6(1)(c)",
        "Art. 6(1)(f)",
        "Art. 15",
        "Art. 16",
        "Art. 17",
        "Art. 18",
        "Art. 20",
        "Art. 21",
        "Art. 21(1)",
        "Art. 7(3)",
        "Art. 77",
        "§ 25(1)",
        "§ 25(2)",
        "§ 257",
        "§ 147",
        "§ 195",
    } <= citations["de"]


@pytest.mark.parametrize("contact", CONTACTS)
def test_both_languages_give_the_same_contacts_r_reg_3_r_a_1(contact):
    for language in LANGUAGES:
        assert contact in page(language).text(), language


def test_both_languages_give_the_same_email_addresses_r_reg_3():
    emails = {
        lang: set(re.findall(r"[\w.+-]+@[\w-]+\.\w+", page(lang).text())) for lang in LANGUAGES
    }
    assert emails["de"] == emails["en"]


# --- A, F, H: controller, rights, contact -----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_controller_is_named_with_address_phone_and_email_r_a_1(language):
    text = page(language).text("section-a")
    for part in CONTACTS[:5]:
        assert part in text


@pytest.mark.req("R-A-2")
def test_dpo_is_rendered_only_when_set_r_a_2():
    assert "Datenschutzbeauftragter" not in page("de").text()
    assert "data protection officer" not in page("en").text().lower()

    def appoint(data):
        data["dpo"] = {"name": "Dr. Erika Beispiel", "email": "dpo@example.com"}

    register = _modified_register(appoint)
    html = render_policy("de", register=register)
    assert "Unser Datenschutzbeauftragter:" in html
    assert 'href="mailto:dpo@example.com"' in html
    assert "Dr. Erika Beispiel" in render_policy("en", register=register)


@pytest.mark.req("R-A-3")
@pytest.mark.parametrize(
    ("language", "citation"), [("de", "Art. 77 DSGVO"), ("en", "Art. 77 GDPR")]
)
def test_complaint_right_names_the_hbdi_r_a_3_defect_5(language, citation):
    text = page(language).text("right-77")
    assert citation in text
    assert "(HBDI)" in text
    assert "Gustav-Stresemann-Ring 1" in text
    assert "65189 Wiesbaden" in text


@pytest.mark.parametrize(
    ("anchor", "de", "en"),
    [
        ("right-15", "Art. 15 DSGVO", "Art. 15 GDPR"),
        ("right-16", "Art. 16 DSGVO", "Art. 16 GDPR"),
        ("right-17", "Art. 17 DSGVO", "Art. 17 GDPR"),
        ("right-18", "Art. 18 DSGVO", "Art. 18 GDPR"),
        ("right-20", "Art. 20 DSGVO", "Art. 20 GDPR"),
        ("right-21", "Art. 21 DSGVO", "Art. 21 GDPR"),
        ("right-7-3", "Art. 7 Abs. 3 DSGVO", "Art. 7(3) GDPR"),
    ],
)
def test_each_right_cites_its_own_article_defect_4(anchor, de, en):
    for language, citation in (("de", de), ("en", en)):
        heading = re.search(rf'<div id="{anchor}"><dt>(.*?)</dt>', render_policy(language))[1]
        assert heading.endswith(f"({citation})")
        assert "Art. 15" not in heading or anchor == "right-15"


@pytest.mark.parametrize("language", LANGUAGES)
def test_contact_section_gives_the_privacy_address_r_h_1(language):
    assert 'href="mailto:datenschutz@CONSENTserve.com"' in render_policy(language)
    assert "datenschutz@CONSENTserve.com" in page(language).text("section-h")


# --- B, C, D: the activities and the seed's defects ---------------------------------------------


@pytest.mark.req("R-B1-7")
@pytest.mark.parametrize(
    ("language", "objection", "grounds"),
    [
        ("de", "Widerspruchsrecht (Art. 21 DSGVO)", "zwingende schutzwürdige Gründe"),
        ("en", "Right to object (Art. 21 GDPR)", "compelling legitimate grounds"),
    ],
)
def test_access_logs_can_be_objected_to_r_b1_7_defect_3(language, objection, grounds):
    text = page(language).text("access-logs")
    assert objection in text
    assert grounds in text
    assert "keine Widerspruchsmöglichkeit" not in text
    assert ("7 Tage" if language == "de" else "7 days") in text


@pytest.mark.req("R-B2-1", "R-B2-2", "R-B2-3")
@pytest.mark.parametrize(
    ("language", "needles"),
    [
        ("de", ["Art. 6 Abs. 1 lit. f DSGVO", "90 Tage", "Art. 6 Abs. 1 lit. b DSGVO", "6 Jahre"]),
        ("en", ["Art. 6(1)(f) GDPR", "90 days", "Art. 6(1)(b) GDPR", "6 years"]),
    ],
)
def test_quote_requests_state_basis_and_retention_r_b2_1_r_b2_2_r_b2_3(language, needles):
    text = page(language).text("quote-requests")
    for needle in needles:
        assert needle in text


@pytest.mark.parametrize(
    ("language", "contract", "consent"),
    [
        ("de", "Art. 6 Abs. 1 lit. b DSGVO", "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung), aussch"),
        ("en", "Art. 6(1)(b) GDPR", "Art. 6(1)(a) GDPR (consent), solely"),
    ],
)
def test_registration_rests_on_contract_and_consent_covers_extras_only_defect_7(
    language, contract, consent
):
    text = page(language).text("customer-registration")
    assert contract in text
    assert consent in text
    assert ("12 Monate" if language == "de" else "12 months") in text


@pytest.mark.req("R-C1-4", "R-C1-5")
@pytest.mark.parametrize(
    ("language", "layers"),
    [
        ("de", ["§ 25 Abs. 2 Nr. 2 TDDDG", "Art. 6 Abs. 1 lit. f DSGVO"]),
        ("en", ["Section 25(2) No. 2 TDDDG", "Art. 6(1)(f) GDPR"]),
    ],
)
def test_cookies_show_both_legal_layers_and_real_lifetimes_r_c1_4_r_c1_5_defect_9(language, layers):
    text = page(language).text("cookies")
    for layer in layers:
        assert layer in text
    for name in ("django_language", "csrftoken", "sessionid", "consentserve_consent"):
        assert name in text
    assert ("14 Tage" if language == "de" else "14 days") in text
    assert "Einstellungen Ihres Browsers die automatische Zulassung" not in text


@pytest.mark.parametrize(
    ("language", "consent", "device"),
    [
        ("de", "Art. 6 Abs. 1 lit. a DSGVO", "§ 25 Abs. 1 TDDDG"),
        ("en", "Art. 6(1)(a) GDPR", "Section 25(1) TDDDG"),
    ],
)
def test_google_analytics_needs_consent_r_c2_2_defect_2(language, consent, device):
    text = page(language).text("web-analytics")
    assert consent in text
    assert device in text
    assert "lit. f" not in text
    assert "6(1)(f)" not in text


@pytest.mark.parametrize(
    ("language", "needles"),
    [
        (
            "de",
            ["Google Ireland Limited", "Google LLC", "10. Juli 2023", "2 Monaten", "widerrufen"],
        ),
        ("en", ["Google Ireland Limited", "Google LLC", "10 July 2023", "2 months", "withdraw"]),
    ],
)
def test_google_analytics_names_provider_transfer_and_retention_r_c2_4_defect_1(language, needles):
    text = page(language).text("web-analytics")
    assert "Data Privacy Framework" in text
    for needle in needles:
        assert needle in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_privacy_shield_is_gone_defect_1(language):
    assert "Privacy Shield" not in page(language).text()


@pytest.mark.req("R-B1-3")
@pytest.mark.parametrize(
    ("language", "no_ip_log", "pseudonymous"),
    [
        ("de", "protokolliert und speichert keine IP-Adressen", "nicht anonym, sondern pseudonym"),
        ("en", "does not log or store IP addresses", "not anonymous but pseudonymous"),
    ],
)
def test_ga4_stores_no_ips_and_truncation_is_not_anonymity_t1_defect_10(
    language, no_ip_log, pseudonymous
):
    text = page(language).text("web-analytics")
    assert no_ip_log in text
    assert pseudonymous in text
    assert "24" in text
    assert "48" in text
    assert "IP-Anonymisierung" not in page(language).text()


@pytest.mark.parametrize(
    ("language", "obligation"),
    [("de", "Art. 6 Abs. 1 lit. c DSGVO"), ("en", "Art. 6(1)(c) GDPR")],
)
def test_disclosure_under_legal_orders_is_a_legal_obligation_r_d_2_defect_8(language, obligation):
    text = page(language).text("disclosure-legal-orders")
    assert obligation in text
    assert "lit. f" not in text
    assert "6(1)(f)" not in text


@pytest.mark.req("R-D-3")
@pytest.mark.parametrize(
    ("language", "interest"),
    [("de", "Art. 6 Abs. 1 lit. f DSGVO"), ("en", "Art. 6(1)(f) GDPR")],
)
def test_fraud_disclosure_states_the_interest_r_d_3(language, interest):
    text = page(language).text("disclosure-fraud-security")
    assert text.count(interest) == 1
    assert (
        "berechtigtes Interesse liegt darin" if language == "de" else "legitimate interest is"
    ) in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_recipients_are_named_with_contract_location_and_transfer_r_d_1(language):
    ids = page(language).ids
    for recipient in ("hosting", "mail", "payment", "google"):
        assert f"recipient-{recipient}" in ids
    assert "Data Privacy Framework" in page(language).text("recipient-google")
    assert ("Deutschland" if language == "de" else "Germany") in page(language).text(
        "recipient-hosting"
    )


@pytest.mark.req("R-B3-4", "R-E-2")
@pytest.mark.parametrize(
    ("language", "needles"),
    [
        ("de", ["Ende des Kalenderjahres", "§§ 195, 199 Abs. 1 BGB", "1. Januar 2035"]),
        ("en", ["end of the calendar year", "Sections 195 and 199(1) BGB", "1 January 2035"]),
    ],
)
def test_retention_counts_statutory_periods_from_the_end_of_the_year_r_b3_4_r_e_2(
    language, needles
):
    text = page(language).text("section-e")
    for needle in needles:
        assert needle in text
    for period in ("period-books", "period-vouchers", "period-commercial-letters"):
        assert period in page(language).ids


@pytest.mark.req("R-G-1")
@pytest.mark.parametrize(
    ("language", "needle"), [("de", "TLS) in den Versionen 1.2 und 1.3"), ("en", "1.2 and 1.3")]
)
def test_security_names_the_tls_versions_r_g_1(language, needle):
    assert needle in page(language).text("section-g")


def test_german_text_addresses_the_reader_formally_defect_11():
    text = page("de").text()
    assert not re.findall(r"(?i)\b(du|dir|dich|dein\w*)\b", text)
    assert " Sie " in text
    assert " Ihre " in text


def test_register_text_is_escaped_r_reg_3():
    def inject(data):
        activity = next(a for a in data["activities"] if a["id"] == "access-logs")
        activity["name"]["de"] = "<script>alert(1)</script>"

    html = render_policy("de", register=_modified_register(inject))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
