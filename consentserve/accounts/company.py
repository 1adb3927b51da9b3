"""The organisation's company details, as the contract partner's own data (Art. 16 GDPR)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from consentserve.audit.chain import actor_of, record, target_of

from .errors import AccountError, ErrorCode
from .models import Organisation, User
from .roles import Action, may
from .validators import vat_id_clean

logger = logging.getLogger(__name__)

COMPANY_FIELDS = ("name", "street", "postcode", "city", "country", "vat_id")


def organisation_details_update(*, organisation: Organisation, by: User, **values) -> list[str]:
    """Correct the company's name, address or VAT ID (Art. 16 GDPR) as its owner; returns the
    names of the fields that changed. Invoices keep the buyer's details they were issued with
    (billing.Invoice copies them), so a correction applies to the next invoice onwards. The
    audit log names the fields, not their old or new values."""
    if set(values) - set(COMPANY_FIELDS):
        raise ValueError(f"not company details: {sorted(set(values) - set(COMPANY_FIELDS))}")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        actor = organisation.memberships.filter(user=by).first()
        if actor is None or not may(actor, Action.EDIT_COMPANY_DETAILS):
            raise AccountError(ErrorCode.NOT_ALLOWED)
        if organisation.restricted:
            raise AccountError(ErrorCode.NOT_ALLOWED)
        cleaned = {key: str(value).strip() for key, value in values.items()}
        if "vat_id" in cleaned:
            try:
                cleaned["vat_id"] = vat_id_clean(cleaned["vat_id"])
            except ValidationError as error:
                raise ValidationError({"vat_id": error.messages}) from error
        changed = [
            key for key, value in cleaned.items() if str(getattr(organisation, key)) != value
        ]
        if not changed:
            return []
        for key in changed:
            setattr(organisation, key, cleaned[key])
        organisation.full_clean()
        organisation.save(update_fields=changed)
        record(
            "organisation.details_corrected",
            actor=actor_of(by),
            target=target_of(organisation),
            detail={"fields": changed},
        )
    logger.info("organisation %s: company details corrected", organisation.pk)
    return changed
