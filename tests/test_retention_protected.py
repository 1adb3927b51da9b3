"""Retention keeps rows that protected records still need, and goes on with the rest (R-E-1)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consentserve.accounts.models import Organisation
from consentserve.installations.models import Installation, PublishedVersion
from consentserve.privacy.retention import retention_run

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-E-1")]


def _organisation(name, ended):
    return Organisation.objects.create(
        name=name,
        street="Weg 1",
        postcode="36208",
        city="Wildeck",
        country="DE",
        contract_ended_at=ended,
    )


def test_organisation_with_published_banner_is_kept_others_go():
    ended = timezone.now() - timedelta(days=400)
    evidence = _organisation("Mit Banner GmbH", ended)
    installation = Installation.objects.create(organisation=evidence, name="Shop")
    PublishedVersion.objects.create(installation=installation, number=1, sha256="0" * 64, config={})
    gone = [_organisation(f"Ohne Banner {i} GmbH", ended) for i in range(3)]

    runs = retention_run(batch_size=2)

    assert Organisation.objects.filter(pk=evidence.pk).exists()
    assert not Organisation.objects.filter(pk__in=[o.pk for o in gone]).exists()
    organisations = next(r for r in runs if r.store == "accounts.Organisation")
    assert (organisations.deleted, organisations.held) == (3, 1)
