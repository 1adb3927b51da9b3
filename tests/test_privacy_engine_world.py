"""Builders of privacy-engine test data, shared by the privacy tests (this module holds no tests).

Three customers: Olaf owns "Ostwind Media" where Mara is a viewer; Mara owns "Nebelung Design"
alone; Xaver owns "Fremdfirma GmbH". Everyone has a verified address, a SEPA mandate, consents,
an authenticator and a quote request, so a test can check that a copy or an erasure touches
exactly one person.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from consentserve.accounts.models import (
    Invitation,
    Membership,
    OptionalConsent,
    Organisation,
)
from consentserve.billing.models import SepaMandate
from consentserve.privacy.models import LegalHold
from consentserve.website.models import QuoteRequest

PASSWORD = "a-long-passphrase"
Role = Membership.Role


@dataclass
class Person:
    user: object
    organisation: Organisation | None
    mandate: SepaMandate | None
    newsletter: OptionalConsent
    updates: OptionalConsent


@dataclass
class World:
    olaf: Person
    mara: Person
    xaver: Person
    invitation_for_mara: Invitation


def person(first: str, last: str, *, company: str | None, iban: str) -> Person:
    email = f"{first.lower()}.{last.lower()}@example.org"
    user = get_user_model().objects.create_user(
        email, PASSWORD, first_name=first, last_name=last, last_login=timezone.now()
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Authenticator.objects.create(user=user, type="totp", data={"secret": f"SECRET{last.upper()}"})
    newsletter = OptionalConsent.objects.create(
        user=user, purpose=OptionalConsent.Purpose.NEWSLETTER
    )
    updates = OptionalConsent.objects.create(
        user=user, purpose=OptionalConsent.Purpose.PRODUCT_UPDATES
    )
    QuoteRequest.objects.create(
        contact_name=f"{first} {last}",
        email=email,
        company=company or "",
        message=f"Angebot für {last}, bitte.",
    )
    organisation = mandate = None
    if company:
        organisation = Organisation.objects.create(
            name=company,
            street=f"{last}weg 3",
            postcode="36208",
            city="Wildeck",
            country="DE",
            vat_id="DE123456789",
        )
        Membership.objects.create(organisation=organisation, user=user, role=Role.OWNER)
        mandate = SepaMandate.objects.create(
            organisation=organisation,
            account_holder=f"{first} {last}",
            iban=iban,
            bic="COBADEFFXXX",
            reference=f"CS-{last.upper()}",
        )
    return Person(user, organisation, mandate, newsletter, updates)


def build_world() -> World:
    olaf = person("Olaf", "Ostermann", company="Ostwind Media", iban="DE89370400440532013000")
    mara = person("Mara", "Nebelung", company="Nebelung Design", iban="DE02120300000000202051")
    xaver = person("Xaver", "Fremdling", company="Fremdfirma GmbH", iban="DE02500105170137075030")
    Membership.objects.create(organisation=olaf.organisation, user=mara.user, role=Role.VIEWER)
    now = timezone.now()
    invitation = Invitation.objects.create(
        organisation=olaf.organisation,
        email=mara.user.email,
        role=Role.ADMIN,
        token_sha256="a" * 64,
        invited_by=olaf.user,
        expires_at=now + timedelta(days=7),
    )
    Invitation.objects.create(
        organisation=olaf.organisation,
        email="someone.else@example.org",
        role=Role.VIEWER,
        token_sha256="b" * 64,
        invited_by=olaf.user,
        expires_at=now + timedelta(days=7),
    )
    return World(olaf, mara, xaver, invitation)


def hold(obj, *, kind=LegalHold.Kind.STATUTORY, expires_at=None, basis="§ 257 HGB; § 147 AO"):
    return LegalHold.objects.create(
        kind=kind,
        reason="invoices of this customer",
        legal_basis=basis,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        expires_at=expires_at,
    )


def traces(*, user_id: int, needles: list[str], allowed: set[tuple[str, object]] = frozenset()):
    """Every row of every table that still points to the user or mentions one of `needles`
    (case-insensitive) in a text or JSON column, except the rows in `allowed`."""
    user_model = get_user_model()
    needles = [n.lower() for n in needles]
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = model._meta.concrete_fields
        for obj in model._base_manager.all():
            if (model._meta.label, obj.pk) in allowed:
                continue
            for field in fields:
                value = getattr(obj, field.attname)
                if field.is_relation and field.related_model is user_model:
                    if value == user_id:
                        found.append((model._meta.label, obj.pk, field.name))
                    continue
                if isinstance(field, models.JSONField):
                    value = json.dumps(value)
                if isinstance(value, str) and any(n in value.lower() for n in needles):
                    found.append((model._meta.label, obj.pk, field.name))
    return found
