"""The services of the website's own banner (R-F-7, R-C2-1): CONSENTserve Analytics while the
website carries the tracker, so visitors consent to it apart from Google Analytics; Google
Analytics 4 with the measurement ID of CONSENTSERVE_GA4_MEASUREMENT_ID only while it is set.
`installations_operator_banner` republishes when that changes, and only then."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from consentserve.installations.models import Installation, PublishedVersion
from consentserve.installations.operator import operator_draft
from consentserve.privacy.policy import policy_publish

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-C2-1", "R-F-7")]


def published_config() -> dict:
    call_command("installations_operator_banner", stdout=None)
    installation = Installation.objects.get(public_key="consentserve")
    return installation.versions.order_by("-number").first().config


def services_of(config: dict) -> dict:
    return {service["id"]: service for service in config["services"]}


def test_without_the_setting_there_is_no_google_analytics():
    config = published_config()
    assert list(services_of(config)) == ["consentserve-analytics"]
    tracker = services_of(config)["consentserve-analytics"]
    assert tracker["category"] == "statistics"
    assert tracker["provider"]["en"].startswith("Multimedia Internet Services GmbH, ")
    assert tracker["provider"]["en"].endswith("Germany")
    assert tracker["cookies"] == []
    assert all("measurement_id" not in service for service in config["services"])


@override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID="G-TEST123")
def test_with_the_setting_google_analytics_is_loaded_by_its_measurement_id():
    config = published_config()
    services = services_of(config)
    assert list(services) == ["consentserve-analytics", "google-analytics-4"]
    ga4 = services["google-analytics-4"]
    assert ga4["measurement_id"] == "G-TEST123"
    assert ga4["category"] == "statistics"
    assert ga4["provider"]["en"].startswith("Google Ireland Limited")
    assert ga4["consent_mode"] == ["analytics_storage"]
    assert config["options"]["consent_mode"] is True
    # The lifetime the banner's tag sets (cookie_expires: 13 months), not Google's default.
    assert {c["name"]: c["lifetime"]["en"] for c in ga4["cookies"]} == {
        "_ga": "13 months",
        "_ga_*": "13 months",
    }
    assert "measurement_id" not in services["consentserve-analytics"]


@override_settings(CONSENTSERVE_ANALYTICS_OPERATOR=False)
def test_without_the_tracker_there_is_no_tracker_service():
    assert operator_draft()["services"] == []
    assert published_config()["services"] == []


def test_changing_the_setting_republishes_and_only_then():
    first = published_config()
    assert published_config() == first
    with override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID="G-TEST123"):
        second = published_config()
        assert second["version"] == first["version"] + 1
        assert published_config() == second
    third = published_config()
    assert third["version"] == second["version"] + 1
    assert "google-analytics-4" not in services_of(third)
    # The draft is the first one again, so is what visitors are shown.
    assert third["sha256"] == first["sha256"]
    assert PublishedVersion.objects.count() == 3


@pytest.mark.parametrize("language", ["de", "en"])
def test_website_tracker_tag_names_the_service(client, language):
    call_command("installations_operator_banner", stdout=None)
    page = client.get(f"/{language}/").content.decode()
    tags = re.findall(r'<script type="text/plain"[^>]*analytics/tracker\.js[^>]*>', page)
    assert len(tags) == 1
    assert 'data-consent="consentserve-analytics" data-key="consentserve"' in tags[0]


def test_the_command_says_when_the_policy_no_longer_describes_what_the_banner_loads():
    policy_publish()
    quiet = StringIO()
    call_command("installations_operator_banner", stdout=StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""
    # Google Analytics switched on: the published policy still says it is not used.
    with override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID="G-TEST123"):
        warned = StringIO()
        call_command("installations_operator_banner", stdout=StringIO(), stderr=warned)
        assert "privacy_publish_policy" in warned.getvalue()
        policy_publish()
        settled = StringIO()
        call_command("installations_operator_banner", stdout=StringIO(), stderr=settled)
        assert settled.getvalue() == ""
