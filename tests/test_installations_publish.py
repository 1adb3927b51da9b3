"""Issue 4: publishing a draft as an immutable, numbered, content-hashed version."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from test_installations_linter import lint_clean_draft

from consentserve.accounts.models import Membership, Organisation
from consentserve.installations import selectors, services
from consentserve.installations.config import canonical_json, sha256_hex
from consentserve.installations.errors import PublishedVersionImmutable, PublishRefused
from consentserve.installations.facade import published_config_get
from consentserve.installations.models import PublishedVersion

pytestmark = pytest.mark.django_db


def _member(organisation, email, role):
    user = get_user_model().objects.create_user(email=email, password="x")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def organisation():
    return Organisation.objects.create(
        name="Beispiel GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
    )


@pytest.fixture
def admin(organisation):
    return _member(organisation, "admin@example.com", Membership.Role.ADMIN)


@pytest.fixture
def installation(organisation, admin):
    installation = services.installation_create(organisation=organisation, name="Shop", actor=admin)
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=admin)
    services.domain_add(installation=installation, pattern="Example.com", actor=admin)
    return installation


def test_publish_numbers_versions_and_keeps_every_earlier_one(installation, admin):
    assert selectors.current_version(installation) is None
    first = services.publish(installation, actor=admin)
    draft = installation.draft
    draft["texts"]["en"]["title"] = "Your privacy"
    services.draft_update(installation=installation, draft=draft, actor=admin)
    second = services.publish(installation, actor=admin)
    assert (first.number, second.number) == (1, 2)
    assert selectors.current_version(installation) == second
    assert [v.number for v in selectors.version_list(installation)] == [2, 1]
    earlier = selectors.version_get(installation, number=1)
    assert earlier.config["texts"]["en"]["title"] == "Privacy settings"
    assert earlier.config["version"] == 1
    assert second.config["texts"]["en"]["title"] == "Your privacy"
    assert second.config["domains"] == ["example.com"]


def test_publish_stores_the_sha256_of_the_canonical_config(installation, admin):
    version = services.publish(installation, actor=admin)
    version.refresh_from_db()
    text = canonical_json(version.config)
    assert version.sha256 == sha256_hex(version.config)
    assert len(version.sha256) == 64
    assert text == canonical_json(dict(reversed(list(version.config.items()))))


def test_hash_is_stable_for_the_same_draft(installation, admin):
    first = services.publish(installation, actor=admin)
    second = services.publish(installation, actor=admin)
    assert first.config["sha256"] == second.config["sha256"] == sha256_hex(installation.draft)
    # The version number is part of the document, so the documents differ.
    assert first.sha256 != second.sha256


def test_publish_refuses_with_the_linter_findings(installation, admin):
    draft = installation.draft
    draft["categories"][3]["default"] = True
    services.draft_update(installation=installation, draft=draft, actor=admin)
    with pytest.raises(PublishRefused) as refusal:
        services.publish(installation, actor=admin)
    assert [f.rule for f in refusal.value.findings] == ["pre-ticked"]
    assert not PublishedVersion.objects.exists()


def test_publish_refuses_without_domains(organisation, admin):
    installation = services.installation_create(organisation=organisation, name="Blog", actor=admin)
    services.draft_update(installation=installation, draft=lint_clean_draft(), actor=admin)
    with pytest.raises(PublishRefused) as refusal:
        services.publish(installation, actor=admin)
    assert [f.rule for f in refusal.value.findings] == ["no-domains"]


def test_publish_refuses_a_structurally_invalid_draft(installation, admin):
    # Saved behind the services' back: publish checks the structure itself.
    installation.draft = {"languages": "de"}
    installation.save()
    with pytest.raises(PublishRefused) as refusal:
        services.publish(installation, actor=admin)
    assert refusal.value.problems
    assert not refusal.value.findings


def test_draft_update_refuses_an_invalid_draft(installation, admin):
    with pytest.raises(ValidationError):
        services.draft_update(installation=installation, draft={"texts": {}}, actor=admin)


def test_viewers_and_strangers_may_not_publish(installation, organisation):
    viewer = _member(organisation, "viewer@example.com", Membership.Role.VIEWER)
    other = Organisation.objects.create(
        name="Andere AG", street="Weg 2", postcode="10115", city="Berlin", country="DE"
    )
    stranger = _member(other, "owner@other.example", Membership.Role.OWNER)
    for actor in (viewer, stranger):
        with pytest.raises(PermissionDenied):
            services.publish(installation, actor=actor)
    assert not PublishedVersion.objects.exists()


def test_a_published_version_cannot_be_saved_again(installation, admin):
    version = services.publish(installation, actor=admin)
    version.config["texts"]["de"]["title"] = "Geändert"
    with pytest.raises(PublishedVersionImmutable):
        version.save()
    with pytest.raises(PublishedVersionImmutable):
        version.delete()
    version.refresh_from_db()
    assert version.config["texts"]["de"]["title"] == "Datenschutz-Einstellungen"


def test_published_versions_refuse_queryset_update_and_delete(installation, admin):
    services.publish(installation, actor=admin)
    with pytest.raises(PublishedVersionImmutable):
        PublishedVersion.objects.filter(installation=installation).update(sha256="0" * 64)
    with pytest.raises(PublishedVersionImmutable):
        PublishedVersion.objects.all().delete()
    assert PublishedVersion.objects.count() == 1


def test_domain_add_normalises_and_refuses_duplicates_and_invalid_patterns(installation, admin):
    services.domain_add(installation=installation, pattern="*.Bücher.de", actor=admin)
    assert sorted(installation.domains.values_list("pattern", flat=True)) == [
        "*.xn--bcher-kva.de",
        "example.com",
    ]
    for pattern in ("EXAMPLE.com", "not a domain"):
        with pytest.raises(ValidationError):
            services.domain_add(installation=installation, pattern=pattern, actor=admin)


def test_installation_list_for_org_is_scoped(installation, organisation):
    other = Organisation.objects.create(
        name="Andere AG", street="Weg 2", postcode="10115", city="Berlin", country="DE"
    )
    assert list(selectors.installation_list_for_org(organisation)) == [installation]
    assert list(selectors.installation_list_for_org(other)) == []


def test_facade_serves_the_newest_version_and_every_earlier_one(installation, admin):
    assert published_config_get(installation.public_key) is None
    services.publish(installation, actor=admin)
    second = services.publish(installation, actor=admin)
    newest = published_config_get(installation.public_key)
    assert (newest.number, newest.sha256, newest.config) == (2, second.sha256, second.config)
    assert published_config_get(installation.public_key, number=1).config["version"] == 1
    assert published_config_get(installation.public_key, number=3) is None
    assert published_config_get("unknown-key") is None


def test_published_config_get_takes_one_query(installation, admin, django_assert_num_queries):
    services.publish(installation, actor=admin)
    with django_assert_num_queries(1):
        assert published_config_get(installation.public_key).number == 1
    with django_assert_num_queries(1):
        assert selectors.current_version(installation).number == 1
