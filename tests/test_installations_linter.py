"""Issue 4 / T3: each compliance rule has a failing and a passing case."""

import copy

import pytest

from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import default_draft, draft_validate
from consentserve.installations.linter import contrast_ratio, lint

DOMAINS = ["example.com"]


def lint_clean_draft() -> dict:
    """The default draft with what only the customer can give: the links, and two services."""
    draft = default_draft()
    for lang, texts in draft["texts"].items():
        texts["privacy_url"] = f"https://example.com/{lang}/privacy"
        texts["imprint_url"] = f"https://example.com/{lang}/imprint"
    catalog = catalog_get()
    draft["services"] = [
        catalog_service_to_config(catalog.get("youtube")),
        catalog_service_to_config(catalog.get("cloudflare")),
    ]
    return draft


def _rules(draft: dict, domains=DOMAINS) -> list[str]:
    return [finding.rule for finding in lint(draft, catalog=catalog_get(), domains=domains)]


def _changed(change) -> dict:
    draft = lint_clean_draft()
    change(draft)
    return draft


def test_the_clean_draft_is_valid_and_passes_every_rule():
    draft = lint_clean_draft()
    assert draft_validate(draft) == []
    assert _rules(draft) == []


def _set_text(lang, key, value):
    def change(draft):
        draft["texts"][lang][key] = value

    return change


def _drop_text(lang, key):
    def change(draft):
        del draft["texts"][lang][key]

    return change


def _set(path, value):
    def change(draft):
        *parents, last = path
        target = draft
        for part in parents:
            target = target[part]
        target[last] = value

    return change


FAILING = {
    "reject-first-layer": [_drop_text("en", "reject_all"), _set_text("de", "reject_all", " ")],
    "reject-equal-to-accept": [
        _set(
            ("theme", "buttons"),
            {"accept": {"background": "#0f766e"}, "reject": {"background": "#ffffff"}},
        ),
        _set(("theme", "buttons"), {"accept": {"element": "button"}, "reject": {}}),
        _set(("theme", "buttons"), {"accept": {"font_size": 16}, "reject": {"font_size": 12}}),
    ],
    "reject-wording": [
        _set_text("en", "reject_all", "No, I prefer a worse experience"),
        _set_text("de", "reject_all", "Nein, ich verzichte auf Komfort"),
        _set_text("en", "reject_all", "Miss out on personalised offers"),
        _set_text("de", "reject_all", "Lieber schlechter surfen"),
        _set_text("en", "reject_all", "Reject all and accept that things will not work"),
    ],
    "third-country-claim": [
        lambda draft: (
            draft.update(services=[]),
            draft["texts"]["de"].update(
                body="Einige Dienste verarbeiten Daten auch in Drittländern wie den USA."
            ),
        ),
        lambda draft: (
            draft.update(services=draft["services"][1:2]),
            draft["texts"]["en"].update(body="Data may leave the EU: outside the EEA."),
            draft["services"][0].update(id="own-cdn"),
            draft["services"][0].update(transfer={"de": "", "en": ""}),
        ),
    ],
    "contrast": [
        _set(("theme", "text"), "#999999"),
        _set(("theme", "accent_text"), "#14b8a6"),
    ],
    "pre-ticked": [_set(("categories", 2, "default"), True)],
    "legal-links": [
        _set_text("de", "privacy_url", ""),
        _drop_text("en", "imprint_label"),
        _set_text("en", "imprint_url", "javascript:alert(1)"),
    ],
    "non-essential-as-necessary": [_set(("services", 0, "category"), "necessary")],
    "texts-missing": [
        _drop_text("en", "title"),
        _set_text("de", "body", ""),
        _set(("categories", 1, "label"), {"de": "Präferenzen"}),
        _set(("services", 0, "purpose"), {"en": "Videos"}),
        _set(("services", 0, "cookies", 0, "lifetime"), {"de": "6 Monate", "en": ""}),
    ],
    "no-withdrawal": [
        lambda draft: (
            draft["options"].update(reopen_button=False),
            draft["texts"]["de"].update(reopen_label=""),
        )
    ],
}

PASSING = {
    "reject-first-layer": [_set_text("en", "reject_all", "Decline")],
    "reject-equal-to-accept": [
        _set(
            ("theme", "buttons"),
            {"accept": {"background": "#0f766e"}, "reject": {"background": "#0f766e"}},
        ),
    ],
    "reject-wording": [
        _set_text("en", "reject_all", "Decline all"),
        _set_text("de", "reject_all", "Nur notwendige erlauben"),
        _set_text("en", "reject_all", "Reject all"),
    ],
    "third-country-claim": [
        # YouTube transfers to the USA: the claim is true.
        _set_text("en", "body", "Some services process data in third countries such as the USA."),
        _set(("services",), []),
    ],
    "contrast": [
        _set(("theme", "text"), "#595959"),  # 7.0:1 on white
        _set(("theme", "accent_text"), "#ffffff"),
    ],
    "pre-ticked": [_set(("categories", 0, "default"), True)],
    "legal-links": [_set_text("de", "privacy_url", "/datenschutz")],
    "non-essential-as-necessary": [
        # Cloudflare is essential; a service of the customer's own is not in the catalog.
        _set(("services", 1, "category"), "necessary"),
        lambda draft: draft["services"][0].update(id="own-video", category="necessary"),
    ],
    "texts-missing": [_set(("languages",), ["de"])],
    "no-withdrawal": [
        _set(("options", "reopen_button"), False),
        lambda draft: (
            draft["options"].update(reopen_button=True),
            draft["texts"]["de"].update(reopen_label=""),
        ),
    ],
}


@pytest.mark.parametrize(
    ("rule", "change"), [(rule, change) for rule, changes in FAILING.items() for change in changes]
)
def test_rule_fails_a_draft_that_breaks_it(rule, change):
    draft = _changed(change)
    assert draft_validate(draft) == []
    assert rule in _rules(draft)


@pytest.mark.parametrize(
    ("rule", "change"), [(rule, change) for rule, changes in PASSING.items() for change in changes]
)
def test_rule_passes_a_draft_that_keeps_it(rule, change):
    draft = _changed(change)
    assert draft_validate(draft) == []
    assert rule not in _rules(draft)


def test_rule_no_domains_fails_without_a_domain_and_passes_with_one():
    assert _rules(lint_clean_draft(), domains=[]) == ["no-domains"]
    assert _rules(lint_clean_draft(), domains=["*.example.com"]) == []


def test_every_rule_has_a_failing_and_a_passing_case():
    from consentserve.installations.linter import RULES

    covered = set(FAILING) | {"no-domains"}
    assert covered == set(RULES)
    assert set(PASSING) | {"no-domains"} == set(RULES)


def test_findings_give_the_reason_in_german_and_english():
    draft = _changed(_set(("categories", 3, "default"), True))
    (finding,) = lint(draft, catalog=catalog_get(), domains=DOMAINS)
    assert finding.severity == "error"
    assert finding.path == "categories.3.default"
    assert "Planet49" in finding.message["de"]
    assert "Planet49" in finding.message["en"]
    assert "'marketing'" in finding.message["en"]
    assert "vorab" in finding.message["de"] or "bevor" in finding.message["de"]


def test_finding_names_the_language_in_the_message_language():
    draft = _changed(_drop_text("en", "reject_all"))
    (finding,) = lint(draft, catalog=catalog_get(), domains=DOMAINS)
    assert "English" in finding.message["en"]
    assert "Englisch" in finding.message["de"]


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#767676", "#ffffff", 4.54)],
)
def test_contrast_ratio_follows_wcag(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


def test_lint_leaves_the_draft_unchanged():
    draft = lint_clean_draft()
    before = copy.deepcopy(draft)
    lint(draft, catalog=catalog_get(), domains=[])
    assert draft == before
