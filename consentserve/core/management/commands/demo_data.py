"""Fill the database with a realistic demo state, so a newcomer sees the product working.

Idempotent: a second run changes nothing. Refused in production mode.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from consentserve.accounts.demo import demo_customer_create
from consentserve.installations.operator import operator_banner_ensure
from consentserve.privacy.access_log import Hit, entry_from_hit
from consentserve.privacy.models import AccessLogEntry
from consentserve.privacy.policy import policy_publish
from consentserve.website.models import QuoteRequest

DEMO_ADMIN = ("admin@example.com", "consentserve-demo")

QUOTES = [
    (
        "Erika Mustermann",
        "erika.mustermann@example.com",
        "Beispiel Handels GmbH",
        "de",
        "Wir betreiben drei Shops und suchen ein Consent-Banner mit Nachweis.",
    ),
    (
        "Max Schmidt",
        "max.schmidt@example.org",
        "Agentur Schmidt & Partner",
        "de",
        "Für 40 Kundenwebsites bräuchten wir ein Agenturangebot.",
    ),
    (
        "Jane Doe",
        "jane.doe@example.net",
        "Example Travel Ltd",
        "en",
        "Do you support Google Consent Mode v2 and English/German banners?",
    ),
    (
        "Jonas Weber",
        "jonas.weber@example.com",
        "Weber Maschinenbau AG",
        "de",
        "Bitte senden Sie uns ein Angebot für unsere Unternehmenswebsite.",
    ),
]

AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
]
PATHS = [
    "/de/",
    "/en/",
    "/de/funktionen/",
    "/de/preise/",
    "/de/angebot/",
    "/en/pricing/",
    "/de/datenschutz/",
    "/de/impressum/",
]
REFERRERS = ["", "", "https://www.example.com/search?q=consent+banner", "https://news.example.org/"]
# Documentation address ranges only (RFC 5737, RFC 3849).
ADDRESSES = ["192.0.2.{}", "198.51.100.{}", "203.0.113.{}", "2001:db8:{}::1"]


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo data is not loaded in production mode")
        with transaction.atomic():
            self._admin()
            quotes = self._quotes()
            hits = self._access_log()
            customer_logins = demo_customer_create()
        policy, _created = policy_publish()  # the current rendering, unless it is published
        banner = "no operator banner"
        if settings.CONSENTSERVE_OPERATOR_INSTALLATION:
            installation, version, _published = operator_banner_ensure()
            banner = f"operator banner {installation.public_key!r} v{version.number}"
        self.stdout.write(
            f"Demo data ready: {quotes} quote requests, {hits} access-log entries, "
            f"privacy policy v{policy.number}, {banner}.\n"
            f"Back office: http://127.0.0.1:8000/backoffice/  e-mail {DEMO_ADMIN[0]!r} "
            f"password {DEMO_ADMIN[1]!r}\n{customer_logins}"
        )

    def _admin(self):
        user_model = get_user_model()
        if not user_model.objects.filter(email=DEMO_ADMIN[0]).exists():
            user_model.objects.create_superuser(DEMO_ADMIN[0], DEMO_ADMIN[1], first_name="Demo")

    def _quotes(self) -> int:
        if QuoteRequest.objects.exists():
            return QuoteRequest.objects.count()
        now = timezone.now()
        for i, (name, email, company, language, message) in enumerate(QUOTES):
            resolved = i % 2 == 1
            QuoteRequest.objects.create(
                contact_name=name,
                email=email,
                company=company,
                message=message,
                language=language,
                created_at=now - timedelta(days=10 + 7 * i),
                status=QuoteRequest.Status.RESOLVED if resolved else QuoteRequest.Status.OPEN,
                resolved_at=now - timedelta(days=3 + 7 * i) if resolved else None,
            )
        return len(QUOTES)

    def _access_log(self) -> int:
        if AccessLogEntry.objects.exists():
            return AccessLogEntry.objects.count()
        rng = random.Random(7)  # the same demo every time
        now = timezone.now()
        entries = []
        for _ in range(600):
            at = now - timedelta(seconds=rng.randint(0, 6 * 24 * 3600))
            address = rng.choice(ADDRESSES).format(rng.randint(1, 254))
            hit = Hit(address, at, rng.choice(AGENTS), rng.choice(REFERRERS), rng.choice(PATHS))
            entries.append(entry_from_hit(hit))
        AccessLogEntry.objects.bulk_create(entries)
        return len(entries)
