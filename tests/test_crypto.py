"""Payment details are encrypted at rest and shown masked (R-G-3, R-B3-1)."""

import pytest
from django.db import connection

from consentserve.accounts.models import Organisation
from consentserve.billing.models import SepaMandate

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-1", "R-G-3")]

IBAN = "DE89370400440532013000"


def test_iban_is_stored_encrypted_and_read_back_plain():
    organisation = Organisation.objects.create(
        name="Beispiel GmbH", street="Hauptstraße 1", postcode="36208", city="Wildeck", country="DE"
    )
    mandate = SepaMandate.objects.create(
        organisation=organisation,
        account_holder="Beispiel GmbH",
        iban=IBAN,
        bic="COBADEFFXXX",
        reference="CS-TEST-1",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iban, account_holder FROM billing_sepamandate WHERE id = %s", [mandate.pk]
        )
        raw_iban, raw_holder = cursor.fetchone()
    assert IBAN not in raw_iban
    assert "Beispiel" not in raw_holder
    fresh = SepaMandate.objects.get(pk=mandate.pk)
    assert fresh.iban == IBAN
    assert fresh.iban_masked == "DE89 **** **** 3000"
