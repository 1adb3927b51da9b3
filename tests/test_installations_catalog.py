"""Issue 4: the service catalog shipped with the product."""

import dataclasses

import pytest
import yaml

from consentserve.installations.catalog import (
    CATALOG_PATH,
    CATEGORIES,
    CatalogError,
    catalog_get,
    catalog_parse,
    catalog_service_to_config,
)
from consentserve.installations.config import default_draft, draft_validate
from consentserve.privacy.register import get_register

EXPECTED = {
    "google-analytics-4",
    "consentserve-analytics",
    "matomo-self-hosted",
    "matomo-cloud",
    "plausible",
    "google-tag-manager",
    "google-ads",
    "meta-pixel",
    "linkedin-insight",
    "microsoft-advertising",
    "tiktok-pixel",
    "pinterest-tag",
    "youtube",
    "vimeo",
    "google-maps",
    "openstreetmap",
    "intercom",
    "zendesk",
    "hubspot",
    "google-fonts",
    "cloudflare",
    "jsdelivr",
    "stripe",
    "paypal",
}


def test_catalog_has_at_least_40_complete_entries_with_unique_ids():
    services = catalog_get().services
    assert len(services) >= 40
    ids = [service.id for service in services]
    assert len(ids) == len(set(ids))
    assert set(ids) >= EXPECTED
    for service in services:
        assert service.category in CATEGORIES
        assert service.purpose.de
        assert service.purpose.en
        for field in dataclasses.fields(service):
            assert getattr(service, field.name) is not None or field.name in (
                "provider",
                "privacy_url",
            ), (service.id, field.name)
        for item in (*service.cookies, *service.storage):
            assert item.name
            assert item.lifetime.de
            assert item.lifetime.en
            assert item.pattern == ("*" in item.name)


def test_only_essential_services_are_necessary_and_need_no_consent():
    for service in catalog_get().services:
        assert service.essential == (service.category == "necessary"), service.id
        assert service.essential == (service.legal_basis != "consent"), service.id


def test_every_catalog_service_is_a_valid_draft_service():
    draft = default_draft()
    draft["services"] = [catalog_service_to_config(s) for s in catalog_get().services]
    assert draft_validate(draft) == []


def test_catalog_service_to_config_describes_the_transfer():
    catalog = catalog_get()
    youtube = catalog_service_to_config(catalog.get("youtube"))
    assert youtube["provider"] == {
        "de": "Google Ireland Limited, Gordon House, Barrow Street, Dublin 4, Irland",
        "en": "Google Ireland Limited, Gordon House, Barrow Street, Dublin 4, Ireland",
    }
    assert "USA" in youtube["transfer"]["de"]
    assert "Data Privacy Framework" in youtube["transfer"]["en"]
    plausible = catalog_service_to_config(catalog.get("plausible"))
    assert plausible["transfer"]["en"] == "No transfer to third countries."
    matomo = catalog_service_to_config(catalog.get("matomo-self-hosted"))
    assert matomo["provider"] == ""
    assert matomo["privacy_url"] == ""


def _raw() -> dict:
    return yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("privacy_url"), "fields must be exactly"),
        (lambda s: s.update(category="social"), "unknown category"),
        (lambda s: s.update(category="necessary"), "essential services belong in 'necessary'"),
        (lambda s: s["purpose"].pop("en"), "needs exactly a German and an English text"),
        (lambda s: s.update(consent_mode=["ads"]), "unknown Consent Mode signal"),
        (lambda s: s.update(transfer={"countries": ["US"], "mechanism": "none"}), "mechanism"),
        (lambda s: s.update(provider={"de": "Google", "en": "Google"}), "name and address"),
        (lambda s: s.update(provider="Google, Dublin 4, Irland"), "a German and an English"),
        (lambda s: s.update(privacy_url="http://x.example"), "privacy_url must be an https"),
        (lambda s: s.update(provider=None), "self-hosted services have neither"),
        (lambda s: s["cookies"].append({"name": "x"}), "needs name and lifetime"),
    ],
)
def test_catalog_parse_refuses_incomplete_entries(change, message):
    data = _raw()
    youtube = next(s for s in data["services"] if s["id"] == "youtube")
    change(youtube)
    with pytest.raises(CatalogError, match=message):
        catalog_parse(yaml.safe_dump(data, allow_unicode=True))


def test_consentserve_analytics_is_provided_by_the_registers_controller():
    """The provider line is copied from the register; this keeps the two equal."""
    data = get_register().data["controller"]
    entry = catalog_get().get("consentserve-analytics")
    for lang in ("de", "en"):
        assert getattr(entry.provider, lang) == (
            f"{data['name']}, {data['street']}, {data['postcode']} {data['city']}, "
            f"{data['country'][lang]}"
        )
    assert (entry.category, entry.legal_basis, entry.essential) == ("statistics", "consent", False)
    assert (entry.cookies, entry.storage, entry.consent_mode) == ((), (), ())
    assert entry.transfer.countries == ()
    assert "gekürzten IP-Adressen" in entry.purpose.de
    assert "truncated IP addresses" in entry.purpose.en
    # No address of its own: the website's policy describes it (processed on its behalf).
    assert entry.privacy_url is None
    assert catalog_service_to_config(entry)["privacy_url"] == ""


def test_only_the_operators_own_service_has_a_provider_without_privacy_url():
    without = [s.id for s in catalog_get().services if s.provider and not s.privacy_url]
    assert without == ["consentserve-analytics"]


def test_catalog_parse_refuses_duplicate_ids():
    data = _raw()
    data["services"].append(dict(data["services"][0]))
    with pytest.raises(CatalogError, match="used twice: google-analytics-4"):
        catalog_parse(yaml.safe_dump(data, allow_unicode=True))


GERMAN_COUNTRY_NAMES = ("Irland", "Deutschland", "Frankreich", "Schweden", "Dänemark", "Polen")


def test_providers_name_their_country_in_each_language():
    """Once "Dublin 4, Irland" in the English banner: the address is one text per language."""
    for entry in catalog_get().services:
        if entry.provider is None:
            continue
        assert not entry.provider.en.endswith(GERMAN_COUNTRY_NAMES), entry.id
        assert entry.provider.de.rsplit(",", 1)[0] == entry.provider.en.rsplit(",", 1)[0]
