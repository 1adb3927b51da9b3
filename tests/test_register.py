"""R-REG-1: the register of processing activities loads, is complete, and rejects broken entries
with messages that name the place."""

from datetime import UTC, date, datetime

import pytest
import yaml
from django.conf import settings

from consentserve.privacy import checks
from consentserve.privacy.register import (
    REGISTER_PATH,
    Duration,
    RegisterError,
    get_register,
    parse_register,
)

pytestmark = pytest.mark.req("R-REG-1", "R-C2-4")

PUBLIC_ACTIVITIES = [
    "access-logs",
    "quote-requests",
    "customer-registration",
    "cookies",
    "web-analytics",
    "consent-records",
    "first-party-analytics",
    "disclosure-legal-orders",
    "disclosure-fraud-security",
]


def _data() -> dict:
    return yaml.safe_load(REGISTER_PATH.read_text(encoding="utf-8"))


def _parse(data: dict):
    return parse_register(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _activity(data: dict, activity_id: str) -> dict:
    return next(a for a in data["activities"] if a["id"] == activity_id)


def _rejects(data: dict, message: str) -> None:
    with pytest.raises(RegisterError, match=message):
        _parse(data)


def test_register_describes_every_activity_of_the_policy_r_reg_1():
    reg = get_register()
    public = [a.id for a in reg.activities if not a.internal]
    assert public == PUBLIC_ACTIVITIES
    assert [a.section for a in reg.activities if not a.internal] == [
        "B.1",
        "B.2",
        "B.3",
        "C.1",
        "C.2",
        "C.3",
        "C.4",
        "D.1",
        "D.2",
    ]
    assert reg.activity("staff-accounts").internal


def test_each_activity_holds_the_art_30_record_r_reg_1():
    for activity in get_register().activities:
        assert activity.purposes
        assert activity.data_categories
        assert activity.subjects
        assert activity.basis
        assert activity.retention.duration
        assert activity.recipients
        assert set(activity.rights) == {"15", "16", "17", "18", "20", "21", "7(3)"}


@pytest.mark.req("R-B1-5")
def test_access_log_record_matches_the_requirement_r_reg_1_r_b1_5():
    activity = get_register().activity("access-logs")
    assert activity.basis == "6(1)(f)"
    assert activity.interest is not None
    assert activity.retention.duration.iso == "P7D"
    assert activity.rights == {
        "15": "yes",
        "16": "n/a",
        "17": "yes",
        "18": "yes",
        "20": "no",
        "21": "assess",
        "7(3)": "n/a",
    }
    (store,) = activity.stores
    assert set(store.fields) == {
        "ip",
        "captured_at",
        "os",
        "browser",
        "browser_version",
        "referrer_url",
        "requested_url",
    }


@pytest.mark.req("R-B1-8")
def test_access_logs_go_to_the_hosting_processor_only_never_to_google_r_b1_8():
    register = get_register()
    activity = register.activity("access-logs")
    assert activity.recipients == ("hosting",)
    assert register.recipient("hosting").role == "processor"


def test_quote_requests_rest_on_legitimate_interest_and_note_the_contract_basis_r_b2_1():
    activity = get_register().activity("quote-requests")
    assert activity.basis == "6(1)(f)"
    assert "6(1)(b)" in {b.article for b in activity.further_bases}
    assert activity.retention.duration.iso == "P90D"
    assert activity.statutory_periods == ("commercial-letters",)
    assert get_register().statutory_period("commercial-letters").period.years == 6


def test_registration_rests_on_the_contract_and_consent_only_for_extras_r_b3_1_defect_7():
    activity = get_register().activity("customer-registration")
    assert activity.basis == "6(1)(b)"
    consent = [b for b in activity.further_bases if b.article == "6(1)(a)"]
    assert len(consent) == 1
    assert "freiwillige" in consent[0].scope.de
    assert "optional" in consent[0].scope.en
    assert activity.retention.duration.iso == "P12M"
    assert {s.model for s in activity.stores} >= {
        "accounts.User",
        "accounts.Organisation",
        "billing.SepaMandate",
    }


@pytest.mark.req("R-B3-4", "R-E-2")
def test_statutory_periods_are_10_8_6_and_3_years_r_b3_4_r_e_2():
    periods = {p.id: p.period.years for p in get_register().statutory_periods}
    assert periods == {"books": 10, "vouchers": 8, "commercial-letters": 6, "civil-claims": 3}
    assert get_register().activity("customer-registration").statutory_periods == (
        "books",
        "vouchers",
        "commercial-letters",
    )


def test_recipients_have_a_dpa_location_and_transfer_mechanism_r_d_1():
    reg = get_register()
    assert {"hosting", "mail", "payment", "google"} <= {r.id for r in reg.recipients}
    for recipient in reg.recipients:
        assert recipient.location.de
        assert recipient.location.en
        if recipient.role == "processor":
            assert recipient.dpa is not None
    assert reg.recipient("hosting").location.en == "Germany"
    google = reg.recipient("google")
    assert google.third_countries == ("US",)
    assert "Data Privacy Framework" in google.transfer.de
    assert "10 July 2023" in google.transfer.en


def test_analytics_needs_consent_under_tdddg_and_gdpr_r_c2_2_defect_2():
    activity = get_register().activity("web-analytics")
    assert activity.basis == "6(1)(a)"
    assert activity.rights["7(3)"] == "yes"
    assert {c.tdddg for c in activity.cookies} == {"consent"}
    assert {c.name for c in activity.cookies} == {"_ga", "_ga_<container-id>"}
    assert activity.retention.duration.iso == "P2M"


def test_ga_cookies_live_at_most_13_months_r_c2_3():
    for cookie in get_register().activity("web-analytics").cookies:
        assert cookie.readable_by == ("google",)
        assert cookie.max_age.years * 12 + cookie.max_age.months <= 13


def _seconds(duration: Duration) -> float:
    moment = datetime(2025, 12, 31, tzinfo=UTC)  # a year without 29 February behind it
    return (moment - duration.before(moment)).total_seconds()


@pytest.mark.req("R-C1-1", "R-C1-5")
@pytest.mark.parametrize(
    ("name_setting", "age_setting"),
    [
        ("SESSION_COOKIE_NAME", "SESSION_COOKIE_AGE"),
        ("CSRF_COOKIE_NAME", "CSRF_COOKIE_AGE"),
        ("LANGUAGE_COOKIE_NAME", "LANGUAGE_COOKIE_AGE"),
    ],
)
def test_cookie_inventory_states_the_real_lifetime_r_c1_1_r_c1_5(name_setting, age_setting):
    cookies = {n: c for c in get_register().activity("cookies").cookies for n in c.names}
    cookie = cookies[getattr(settings, name_setting)]
    assert cookie.tdddg == "exempt-necessary"
    assert cookie.party == "first"
    age = getattr(settings, age_setting)
    if age is None:  # ends with the browser session
        assert cookie.max_age is None
    else:
        assert abs(_seconds(cookie.max_age) - age) <= 24 * 3600


@pytest.mark.req("R-C1-5")
def test_consent_choice_cookie_is_exempt_r_c1_5():
    cookies = {c.name: c for c in get_register().activity("cookies").cookies}
    assert cookies["consentserve_consent"].tdddg == "exempt-necessary"
    assert cookies["consentserve_consent"].max_age.months == 12


@pytest.mark.req("R-A-1", "R-A-2", "R-A-3")
def test_controller_authority_and_dpo_r_a_1_r_a_2_r_a_3():
    reg = get_register()
    assert reg.controller.name.de == "Multimedia Internet Services GmbH"
    assert reg.controller.phone == "+49 (0) 6626 91 58 920"
    assert reg.privacy_email == "datenschutz@CONSENTserve.com"
    assert reg.dpo is None
    assert "HBDI" in reg.authority.organisation.name.de
    assert reg.authority.organisation.city == "Wiesbaden"


def test_internal_activity_keeps_its_stores():
    stores = [s.model for s in get_register().activity("staff-accounts").stores]
    assert stores == ["admin.LogEntry"]


def test_duration_accepts_weeks_and_counts_back():
    duration = Duration.parse("P2W")
    moment = datetime(2026, 3, 15, tzinfo=UTC)
    assert duration.before(moment) == datetime(2026, 3, 1, tzinfo=UTC)


def test_rejects_missing_basis_r_reg_1():
    data = _data()
    del _activity(data, "access-logs")["basis"]
    _rejects(data, r"activity access-logs: basis\.article must be one of")


def test_rejects_legitimate_interest_without_the_interest_r_reg_1():
    data = _data()
    del _activity(data, "quote-requests")["basis"]["interest"]
    _rejects(data, "activity quote-requests: basis: basis 6\\(1\\)\\(f\\) needs the interest")


def test_rejects_unknown_recipient_r_reg_1():
    data = _data()
    _activity(data, "access-logs")["recipients"] = ["hosting", "nobody"]
    _rejects(data, r"activity access-logs: unknown recipients \['nobody'\]")


def test_rejects_bad_duration_r_reg_1():
    data = _data()
    _activity(data, "access-logs")["retention"]["duration"] = "7 days"
    _rejects(data, "activity access-logs.retention.duration: not an ISO 8601 duration")


def test_rejects_missing_english_text_r_reg_1():
    data = _data()
    del _activity(data, "access-logs")["name"]["en"]
    _rejects(data, r"activity access-logs\.name: the English text \(en\) is missing")


def test_rejects_unknown_right_value_r_reg_1():
    data = _data()
    _activity(data, "access-logs")["rights"]["17"] = "maybe"
    _rejects(data, "activity access-logs: rights must give each of")


def test_rejects_excluding_objection_to_legitimate_interest_r_f_21_defect_3():
    data = _data()
    _activity(data, "access-logs")["rights"]["21"] = "n/a"
    _rejects(data, r"activity access-logs: rights\.21 must be yes or assess")


def test_rejects_consent_cookie_on_legitimate_interest_r_c2_2_defect_2():
    data = _data()
    activity = _activity(data, "web-analytics")
    activity["basis"] = {"article": "6(1)(f)", "interest": {"de": "Analyse", "en": "Analysis"}}
    activity["rights"]["7(3)"] = "n/a"
    activity["rights"]["20"] = "no"
    activity["rights"]["21"] = "yes"
    _rejects(data, "activity web-analytics: cookies that need consent under § 25\\(1\\) TDDDG")


def test_rejects_withdrawal_right_without_consent_r_f_7():
    data = _data()
    _activity(data, "access-logs")["rights"]["7(3)"] = "yes"
    _rejects(data, r"activity access-logs: rights\.7\(3\) must be yes exactly when consent")


def test_rejects_a_section_that_does_not_match_its_place_r_reg_3():
    data = _data()
    _activity(data, "quote-requests")["section"] = "B.3"
    _rejects(data, "activity quote-requests: section is 'B.3', but its place .* makes it B.2")


def test_rejects_a_public_activity_missing_from_the_policy_r_reg_3():
    data = _data()
    for chapter in data["policy"]["chapters"]:
        chapter["content"] = [
            item for item in chapter["content"] if item.get("activity") != "first-party-analytics"
        ]
    _rejects(data, "activity first-party-analytics: not placed in any policy chapter")


def test_rejects_unknown_cross_reference_r_reg_3():
    data = _data()
    _activity(data, "access-logs")["rights_note"]["de"] += " Siehe Abschnitt [[nowhere]]."
    _rejects(data, r"activities\[0\]\.rights_note\.de: unknown cross-reference \[\[nowhere\]\]")


def test_rejects_processor_without_dpa_r_d_1():
    data = _data()
    del next(r for r in data["recipients"] if r["id"] == "mail")["dpa"]
    _rejects(data, "recipient mail: a processor needs its data processing agreement")


def test_rejects_third_country_without_transfer_mechanism_r_d_1():
    data = _data()
    del next(r for r in data["recipients"] if r["id"] == "google")["transfer"]
    _rejects(data, "recipient google: third_countries need the transfer mechanism")


def test_rejects_an_incomplete_rights_catalogue_defect_4():
    data = _data()
    data["rights"] = [r for r in data["rights"] if r["id"] != "20"]
    _rejects(data, "rights: needs exactly the rights")


# --- in_use_if: an activity that takes place only while a setting is non-empty -----------------


def test_rejects_in_use_if_without_otherwise_text():
    data = _data()
    del _activity(data, "web-analytics")["in_use_if"]["otherwise"]
    _rejects(data, r"activity web-analytics\.in_use_if: needs exactly setting and otherwise")


def test_rejects_in_use_if_with_an_unknown_key():
    data = _data()
    _activity(data, "web-analytics")["in_use_if"]["unless"] = "DEBUG"
    _rejects(data, r"activity web-analytics\.in_use_if: needs exactly setting and otherwise")


def test_rejects_in_use_if_that_is_not_a_mapping():
    data = _data()
    _activity(data, "web-analytics")["in_use_if"] = "CONSENTSERVE_GA4_MEASUREMENT_ID"
    _rejects(data, r"activity web-analytics\.in_use_if: needs a mapping")


@pytest.mark.parametrize("setting", ["consentserve_ga4", "", 42, "GA4-ID"])
def test_rejects_in_use_if_without_a_setting_name(setting):
    data = _data()
    _activity(data, "web-analytics")["in_use_if"]["setting"] = setting
    _rejects(data, r"activity web-analytics\.in_use_if\.setting: needs the name of a Django")


def test_rejects_in_use_if_otherwise_without_english():
    data = _data()
    del _activity(data, "web-analytics")["in_use_if"]["otherwise"]["en"]
    _rejects(data, r"activity web-analytics\.in_use_if\.otherwise: the English text \(en\)")


def test_rejects_in_use_if_on_an_activity_with_stores():
    data = _data()
    _activity(data, "access-logs")["in_use_if"] = _activity(data, "web-analytics")["in_use_if"]
    _rejects(data, "activity access-logs: an activity with in_use_if cannot have stores")


def test_the_check_rejects_an_unknown_in_use_if_setting(monkeypatch):
    data = _data()
    _activity(data, "web-analytics")["in_use_if"]["setting"] = "CONSENTSERVE_GA4_MEASURMENT_ID"
    register = _parse(data)
    monkeypatch.setattr(checks, "get_register", lambda: register)
    (error,) = checks.register_settings_exist()
    assert error.id == "privacy.E010"
    assert "CONSENTSERVE_GA4_MEASURMENT_ID" in error.msg
    monkeypatch.undo()
    assert checks.register_settings_exist() == []


# --- dpf_checked: when a recipient's DPF certification was last checked (R-C2-4) -------------


def _google(data: dict) -> dict:
    return next(r for r in data["recipients"] if r["id"] == "google")


def test_rejects_a_dpf_transfer_without_the_date_of_its_check_r_c2_4():
    data = _data()
    del _google(data)["dpf_checked"]
    _rejects(
        data, "recipient google: a transfer under the Data Privacy Framework needs dpf_checked"
    )


@pytest.mark.parametrize("value", ["25.11.2026", "2026-11-25", datetime(2026, 11, 25, tzinfo=UTC)])
def test_rejects_a_dpf_check_that_is_not_a_date_r_c2_4(value):
    data = _data()
    _google(data)["dpf_checked"] = value
    _rejects(data, r"recipient google\.dpf_checked: needs a date like 2026-11-25")


def test_rejects_a_dpf_check_for_a_recipient_without_a_dpf_transfer_r_c2_4():
    data = _data()
    next(r for r in data["recipients"] if r["id"] == "hosting")["dpf_checked"] = date(2026, 11, 25)
    _rejects(data, r"recipient hosting\.dpf_checked: only for a transfer to the US under the")
