"""Issue 4: the draft's structure and the compiled document, the contract with the runtime."""

import pytest
from django.utils import translation
from test_installations_linter import lint_clean_draft

from consentserve.accounts.models import Organisation
from consentserve.installations.banner_texts import THIRD_COUNTRY_WORDS
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import (
    canonical_json,
    compile_config,
    default_draft,
    draft_validate,
    sha256_hex,
)
from consentserve.installations.models import Domain, Installation, public_key_new

CONTRACT_KEYS = {
    "v",
    "key",
    "version",
    "sha256",
    "domains",
    "languages",
    "default_language",
    "lifetime_days",
    "options",
    "theme",
    "categories",
    "services",
    "texts",
    "consent_endpoint",
}
TEXT_KEYS = {
    "title",
    "body",
    "accept_all",
    "reject_all",
    "settings",
    "save",
    "privacy_label",
    "privacy_url",
    "imprint_label",
    "imprint_url",
    "reopen_label",
    "services_count",
}


@pytest.fixture(autouse=True)
def _english():
    """Problems are worded in the active language; these tests read the English ones."""
    with translation.override("en"):
        yield


@pytest.fixture
def installation(db):
    organisation = Organisation.objects.create(
        name="Beispiel GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
    )
    installation = Installation.objects.create(
        organisation=organisation, name="Shop", draft=lint_clean_draft()
    )
    Domain.objects.create(installation=installation, pattern="example.com")
    Domain.objects.create(installation=installation, pattern="*.example.org")
    return installation


def test_default_draft_is_valid_with_the_four_standard_categories():
    draft = default_draft()
    assert draft_validate(draft) == []
    assert [c["id"] for c in draft["categories"]] == [
        "necessary",
        "preferences",
        "statistics",
        "marketing",
    ]
    assert [c["required"] for c in draft["categories"]] == [True, False, False, False]
    assert not any(c["default"] for c in draft["categories"])
    # The draft also holds the singular of the number of services; the compiled document has
    # the one form that fits.
    draft_keys = TEXT_KEYS | {"services_count_one"}
    assert set(draft["texts"]["de"]) == draft_keys == set(draft["texts"]["en"])


def test_compile_config_matches_the_contract_keys_exactly(installation):
    config = compile_config(installation, 3)
    assert set(config) == CONTRACT_KEYS
    assert config["v"] == 1
    assert config["key"] == installation.public_key
    assert config["version"] == 3
    assert config["sha256"] == sha256_hex(installation.draft)
    assert config["domains"] == ["*.example.org", "example.com"]
    assert config["languages"] == ["de", "en"]
    assert config["default_language"] == "de"
    assert config["lifetime_days"] == 365
    assert set(config["options"]) == {"gpc", "reopen_button", "consent_mode"}
    assert set(config["theme"]) == {
        "background",
        "text",
        "accent",
        "accent_text",
        "radius",
        "position",
    }
    for category in config["categories"]:
        assert set(category) == {"id", "required", "default", "label", "description"}
        assert category["default"] is False
    assert config["categories"][0]["required"] is True
    youtube = config["services"][0]
    assert set(youtube) == {
        "id",
        "category",
        "name",
        "provider",
        "purpose",
        "privacy_url",
        "cookies",
        "storage",
        "consent_mode",
        "transfer",
    }
    assert youtube["cookies"][0] == {
        "name": "VISITOR_INFO1_LIVE",
        "pattern": False,
        "lifetime": {"de": "6 Monate", "en": "6 months"},
    }
    assert youtube["storage"][0]["pattern"] is True
    assert youtube["consent_mode"] == ["ad_storage", "ad_user_data", "ad_personalization"]
    assert set(config["texts"]) == {"de", "en"}
    assert set(config["texts"]["de"]) == TEXT_KEYS
    assert config["consent_endpoint"] == f"/c/{installation.public_key}/consent"


def test_compile_config_leaves_out_button_styles_and_texts_of_languages_not_offered(installation):
    installation.draft["theme"]["buttons"] = {"accept": {}, "reject": {}}
    installation.draft["languages"] = ["en"]
    installation.draft["default_language"] = "en"
    config = compile_config(installation, 1)
    assert "buttons" not in config["theme"]
    assert set(config["texts"]) == {"en"}


def test_public_key_is_random_url_safe_and_about_16_characters(installation):
    other = Installation.objects.create(organisation=installation.organisation, name="Blog")
    assert len(installation.public_key) == 16
    assert installation.public_key != other.public_key
    assert all(c.isalnum() or c in "-_" for c in installation.public_key)


def test_no_public_key_starts_like_a_command_line_option():
    # One in 64 random keys would; 2,000 of them all miss it with a chance of about 2e-14.
    assert not any(public_key_new().startswith("-") for _ in range(2000))


def test_sha256_is_of_the_canonical_json_whatever_the_key_order():
    assert canonical_json({"b": 1, "a": "ä"}) == '{"a":"ä","b":1}'
    assert sha256_hex({"b": 1, "a": [1, 2]}) == sha256_hex({"a": [1, 2], "b": 1})


def _problems(change) -> list[str]:
    draft = default_draft()
    change(draft)
    return [str(problem) for problem in draft_validate(draft)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("theme"), "theme: is missing"),
        (lambda d: d.update(extra=1), "extra: is not a known setting"),
        (lambda d: d.update(languages=["fr"]), "languages.0: must be one of: de, en"),
        (lambda d: d.update(default_language="fr"), "default_language: must be one of the offered"),
        (lambda d: d.update(lifetime_days="365"), "lifetime_days: must be a whole number"),
        (lambda d: d.update(lifetime_days=0), "lifetime_days: must be between 1 and 730"),
        (lambda d: d["options"].update(gpc="yes"), "options.gpc: must be true or false"),
        (lambda d: d["theme"].update(text="red"), "theme.text: must be a colour"),
        (lambda d: d["theme"].update(position="left"), "theme.position: must be one of"),
        (lambda d: d["categories"].pop(0), "categories: must include the category 'necessary'"),
        (
            lambda d: d["categories"][1].update(required=True),
            "categories.1.required: only the category 'necessary' is required",
        ),
        (lambda d: d["categories"][2].update(id="Statistik!"), "categories.2.id: must be an"),
        (lambda d: d["categories"][2].update(id="marketing"), "categories.3.id: is used by"),
        (lambda d: d["texts"]["de"].update(title=1), "texts.de.title: must be text"),
        (
            lambda d: d["services"].append({"id": "x", "category": "nope"}),
            "services.0.name: is missing",
        ),
    ],
)
def test_draft_validate_names_the_place_and_the_problem(change, expected):
    assert any(problem.startswith(expected) for problem in _problems(change)), _problems(change)


def test_draft_validate_checks_services_in_depth():
    draft = lint_clean_draft()
    service = draft["services"][0]
    service["category"] = "unknown"
    service["consent_mode"] = ["ad_storage", "tracking"]
    service["cookies"][0]["pattern"] = "no"
    problems = [str(problem) for problem in draft_validate(draft)]
    assert problems == [
        "services.0.category: must be one of the categories",
        "services.0.cookies.0.pattern: must be true or false",
        "services.0.consent_mode.1: is not a Consent Mode signal",
    ]


def test_draft_validate_refuses_what_is_not_an_object():
    assert [str(p) for p in draft_validate([])] == ["must be an object"]


def test_draft_validate_speaks_the_active_language():
    with translation.override("de"):
        assert [str(p) for p in draft_validate({**default_draft(), "extra": 1})] == [
            "extra: ist keine bekannte Einstellung"
        ]


# --- texts that depend on the configuration (banner_texts) ------------------------------------


def _compiled_texts(installation, services):
    installation.draft["services"] = services
    return compile_config(installation, 1)["texts"]


@pytest.mark.parametrize(
    ("count", "de", "en"), [(1, "1 Dienst", "1 service"), (2, "2 Dienste", "2 services")]
)
def test_number_of_services_takes_its_plural_form(installation, count, de, en):
    """Once "1 Dienste" / "1 services": one text for every number."""
    catalog = catalog_get()
    services = [
        catalog_service_to_config(catalog.get(i)) for i in ("youtube", "cloudflare")[:count]
    ]
    texts = _compiled_texts(installation, services)
    assert texts["de"]["services_count"].replace("{n}", str(count)) == de
    assert texts["en"]["services_count"].replace("{n}", str(count)) == en


def test_a_draft_without_a_singular_gets_the_default_one(installation):
    for lang in ("de", "en"):
        del installation.draft["texts"][lang]["services_count_one"]
    texts = _compiled_texts(installation, installation.draft["services"][:1])
    assert texts["de"]["services_count"] == "{n} Dienst"
    assert texts["en"]["services_count"] == "{n} service"


def test_transfer_sentence_names_the_services_that_transfer_and_where(installation):
    catalog = catalog_get()
    services = [catalog_service_to_config(catalog.get(i)) for i in ("youtube", "cloudflare")]
    texts = _compiled_texts(installation, services)
    assert texts["en"]["body"].endswith(
        "These services transfer data to countries outside the EU: YouTube (USA), Cloudflare (USA)."
    )
    assert (
        "Diese Dienste übermitteln Daten in Länder außerhalb der EU: YouTube (USA)"
        in (texts["de"]["body"])
    )


def test_no_transfer_no_sentence(installation):
    """The default text once said "some services process data in third countries such as the
    USA" whatever the banner held."""
    default = default_draft()["texts"]
    texts = _compiled_texts(installation, [])
    assert texts["en"]["body"] == default["en"]["body"]
    for lang in ("de", "en"):
        assert not THIRD_COUNTRY_WORDS.search(texts[lang]["body"])
        assert "USA" not in texts[lang]["body"]


def test_own_service_with_a_transfer_is_named_without_countries(installation):
    own = {
        "id": "own-chat",
        "category": "preferences",
        "name": "Own Chat",
        "provider": "Chat Inc., 1 Main St, Springfield, USA",
        "purpose": {"de": "Chat", "en": "Chat"},
        "privacy_url": "https://chat.example/privacy",
        "cookies": [],
        "storage": [],
        "consent_mode": [],
        "transfer": {"de": "USA, Standardvertragsklauseln", "en": "USA, standard clauses"},
    }
    texts = _compiled_texts(installation, [own])
    assert texts["en"]["body"].endswith("countries outside the EU: Own Chat.")
    own["transfer"] = {"de": "Keine Übermittlung in Drittländer.", "en": ""}
    assert "outside the EU" not in _compiled_texts(installation, [own])["en"]["body"]
