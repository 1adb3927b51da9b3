"""The measurement ID of the Google Analytics 4 service, with which the banner loads Google's tag
itself after consent (R-C2-1): set, changed and removed through the draft's services, refused
on other services, in other formats and without Consent Mode; compiled into the published
configuration only when set, so configurations without one stay as they were."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from test_installations_linter import lint_clean_draft
from test_portal_factories import make_customer

from consentserve.installations import services
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import compile_config, sha256_hex
from consentserve.installations.models import Installation

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-C2-1")]

GA4 = "google-analytics-4"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


@pytest.fixture
def shop(a):
    """A lint-clean installation of A with Google Analytics 4 among its services."""
    user = a.owner.user
    installation = services.installation_create(
        organisation=a.organisation, name="Shop", actor=user
    )
    draft = lint_clean_draft()
    draft["services"].append(catalog_service_to_config(catalog_get().get(GA4)))
    services.draft_update(installation=installation, draft=draft, actor=user)
    services.domain_add(installation=installation, pattern="shop.example.com", actor=user)
    return installation


def ga4_of(installation) -> dict:
    draft = Installation.objects.get(pk=installation.pk).draft
    return next(service for service in draft["services"] if service["id"] == GA4)


def set_id(installation, value, actor, service_id=GA4):
    return services.draft_service_measurement_id_set(
        installation=installation, service_id=service_id, measurement_id=value, actor=actor
    )


def test_set_change_and_remove(a, shop):
    admin = a.admin.user
    set_id(shop, "G-ABC123XYZ", admin)
    assert ga4_of(shop)["measurement_id"] == "G-ABC123XYZ"
    # Pasted with spaces or in lower case: the same ID as Google shows it.
    set_id(shop, "  g-zz9988  ", admin)
    assert ga4_of(shop)["measurement_id"] == "G-ZZ9988"
    set_id(shop, "", admin)
    assert "measurement_id" not in ga4_of(shop)
    # Removing what is not there changes nothing and is no error.
    set_id(shop, "", admin)
    assert "measurement_id" not in ga4_of(shop)


def test_the_banner_names_the_lifetime_its_tag_sets_and_the_catalogs_without_it(a, shop):
    lifetimes = {cookie["name"]: cookie["lifetime"]["en"] for cookie in ga4_of(shop)["cookies"]}
    assert lifetimes == {"_ga": "2 years", "_ga_*": "2 years"}
    set_id(shop, "G-ABC123XYZ", a.owner.user)
    # ga4.js sets cookie_expires to 13 months.
    assert {c["lifetime"]["en"] for c in ga4_of(shop)["cookies"]} == {"13 months"}
    assert {c["lifetime"]["de"] for c in ga4_of(shop)["cookies"]} == {"13 Monate"}
    set_id(shop, "", a.owner.user)
    assert {c["name"]: c["lifetime"]["en"] for c in ga4_of(shop)["cookies"]} == lifetimes


def test_other_services_take_no_measurement_id(a, shop):
    before = Installation.objects.get(pk=shop.pk).draft
    with pytest.raises(ValidationError) as refused:
        set_id(shop, "G-ABC123XYZ", a.owner.user, service_id="youtube")
    assert refused.value.message_dict == {
        "measurement_id": ["Only Google Analytics 4 takes a measurement ID."]
    }
    with pytest.raises(ValidationError, match="This banner has no service nope"):
        set_id(shop, "G-ABC123XYZ", a.owner.user, service_id="nope")
    assert Installation.objects.get(pk=shop.pk).draft == before


@pytest.mark.parametrize(
    "value",
    [
        "UA-12345-1",
        "G-",
        "G-ABC",
        "G-ABC123XYZ0123456789XY",
        "AW-123456789",
        "G-ABC 123",
        "G-ÄBC123",
    ],
)
def test_bad_formats_are_refused(a, shop, value):
    with pytest.raises(ValidationError) as refused:
        set_id(shop, value, a.owner.user)
    (message,) = refused.value.message_dict["measurement_id"]
    assert "G- followed by 4 to 20 letters or digits" in message
    assert "measurement_id" not in ga4_of(shop)


def test_refused_while_consent_mode_is_off_and_consent_mode_stays_on_while_set(a, shop):
    owner = a.owner.user
    draft = Installation.objects.get(pk=shop.pk).draft
    draft["options"]["consent_mode"] = False
    services.draft_update(installation=shop, draft=draft, actor=owner)
    with pytest.raises(ValidationError, match="Turn on Google Consent Mode"):
        set_id(shop, "G-ABC123XYZ", owner)
    assert "measurement_id" not in ga4_of(shop)
    # On again, with an ID: turning Consent Mode off is refused by the draft's validation.
    draft["options"]["consent_mode"] = True
    services.draft_update(installation=shop, draft=draft, actor=owner)
    set_id(shop, "G-ABC123XYZ", owner)
    draft = Installation.objects.get(pk=shop.pk).draft
    draft["options"]["consent_mode"] = False
    with pytest.raises(ValidationError, match="options.consent_mode: must be on while"):
        services.draft_update(installation=shop, draft=draft, actor=owner)
    assert Installation.objects.get(pk=shop.pk).draft["options"]["consent_mode"] is True


def test_viewers_may_not_set_it(a, shop):
    with pytest.raises(PermissionDenied):
        set_id(shop, "G-ABC123XYZ", a.viewer.user)
    assert "measurement_id" not in ga4_of(shop)


def test_published_config_carries_it_only_when_set(a, shop):
    owner = a.owner.user
    without = services.publish(shop, actor=owner)
    # Without an ID the configuration and its hashes are exactly those of before the key existed.
    assert all("measurement_id" not in service for service in without.config["services"])
    shop.refresh_from_db()
    recompiled = compile_config(shop, without.number)
    assert recompiled == without.config
    assert sha256_hex(recompiled) == without.sha256

    set_id(shop, "G-ABC123XYZ", owner)
    shop.refresh_from_db()
    with_id = services.publish(shop, actor=owner)
    ga4 = next(s for s in with_id.config["services"] if s["id"] == GA4)
    assert ga4["measurement_id"] == "G-ABC123XYZ"
    others = [s for s in with_id.config["services"] if s["id"] != GA4]
    assert others
    assert all("measurement_id" not in s for s in others)
    assert with_id.config["sha256"] != without.config["sha256"]
    assert with_id.sha256 == sha256_hex(with_id.config)

    set_id(shop, "", owner)
    shop.refresh_from_db()
    removed = services.publish(shop, actor=owner)
    assert all("measurement_id" not in s for s in removed.config["services"])
    # Back to the same draft: the same draft hash as the version without an ID.
    assert removed.config["sha256"] == without.config["sha256"]
