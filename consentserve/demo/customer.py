"""The demo customer: an organisation with its owner, a SEPA mandate and two team members, all
able to sign in at once (e-mail addresses verified). Idempotent: a second run changes nothing."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from consentserve.accounts.models import Membership, Organisation, User
from consentserve.accounts.services import customer_register

DEMO_PASSWORD = "consentserve-demo"  # noqa: S105 - printed for the demo, never used in production
DEMO_OWNER = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "email": "demo@example.com",
    "company": "Beispiel Handels GmbH",
    "street": "Hauptstraße 1",
    "postcode": "36208",
    "city": "Wildeck",
    "country": "DE",
    "vat_id": "",
    "account_holder": "Beispiel Handels GmbH",
    "iban": "DE89370400440532013000",  # the standard test IBAN; no real account
    "bic": "",
    "newsletter": False,
}
DEMO_TEAM = [
    ("Max", "Mustermann", "max.mustermann@example.com", Membership.Role.ADMIN),
    ("Lena", "Schmidt", "lena.schmidt@example.com", Membership.Role.VIEWER),
]


def demo_customer_create() -> str:
    """Create the demo customer unless it exists; the logins as a short text."""
    with transaction.atomic():
        owner = User.objects.filter(email=DEMO_OWNER["email"]).first()
        if owner is None:
            owner = customer_register(**DEMO_OWNER, password=DEMO_PASSWORD)
            _verify(owner)
        organisation = Organisation.objects.get(
            memberships__user=owner, memberships__role=Membership.Role.OWNER
        )
        for first_name, last_name, email, role in DEMO_TEAM:
            _member(organisation, first_name, last_name, email, role)
    with translation.override(settings.LANGUAGE_CODE):
        login_path = reverse("account_login")
    lines = [f"Customer portal {login_path} ({organisation.name}), password {DEMO_PASSWORD!r}:"]
    lines.append(f"  owner   {owner.email}")
    lines += [f"  {role.value:<7} {email}" for _first, _last, email, role in DEMO_TEAM]
    return "\n".join(lines)


def _member(organisation, first_name, last_name, email, role) -> None:
    if User.objects.filter(email=email).exists():
        return
    user = User(first_name=first_name, last_name=last_name, email=email)
    user.set_password(DEMO_PASSWORD)
    user.full_clean()
    user.save()
    _verify(user)
    membership = Membership(organisation=organisation, user=user, role=role)
    membership.full_clean()
    membership.save()


def _verify(user: User) -> None:
    """The demo's addresses count as confirmed, so nobody has to open a mail to look around."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )
