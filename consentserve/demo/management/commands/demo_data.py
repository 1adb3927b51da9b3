"""Fill the database with a realistic demo state, so a newcomer sees the product working.

Idempotent: a second run changes nothing. Refused in production mode.
"""

import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from consentserve.accounts.models import Membership
from consentserve.collector.models import ConsentRecord
from consentserve.collector.rollups import rollups_add
from consentserve.demo.analytics import demo_events_create
from consentserve.demo.billing import demo_billing_create
from consentserve.demo.customer import DEMO_OWNER, demo_customer_create
from consentserve.installations import services as installation_services
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.config import default_draft
from consentserve.installations.models import Installation
from consentserve.installations.operator import operator_banner_ensure
from consentserve.privacy.access_log import Hit, entry_from_hit
from consentserve.privacy.models import AccessLogEntry
from consentserve.privacy.policy import policy_publish
from consentserve.website.models import QuoteRequest

DEMO_ADMIN = ("admin@example.com", "consentserve-demo")
SHOP_PATHS = ["/", "/produkte/", "/produkte/sommerkleid/", "/warenkorb/", "/kontakt/"]

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


def _website_paths() -> list[str]:
    """The website's pages in German, the home page first, then a few in English."""
    names = ["home", "features", "pricing", "quote", "privacy", "imprint"]
    paths = []
    for language, count in (("de", len(names)), ("en", 3)):
        with translation.override(language):
            paths += [reverse(f"website:{name}") for name in names[:count]]
    return paths


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
            decisions = self._consents()
            invoice = self._invoice()
        policy, _created = policy_publish()  # the current rendering, unless it is published
        banner = "no operator banner"
        views = self._shop_analytics()
        if settings.CONSENTSERVE_OPERATOR_INSTALLATION:
            installation, version, _published = operator_banner_ensure()
            banner = f"operator banner {installation.public_key!r} v{version.number}"
            if settings.CONSENTSERVE_ANALYTICS_OPERATOR:
                views += demo_events_create(installation, _website_paths(), per_day=90, seed=5)
        self.stdout.write(
            f"Demo data ready: {quotes} quote requests, {hits} access-log entries, "
            f"{decisions} consent records of the demo customer's shop, {views} analytics events, "
            f"privacy policy v{policy.number}, {banner}, invoice {invoice}.\n"
            f"Back office: http://127.0.0.1:8000/backoffice/  e-mail {DEMO_ADMIN[0]!r} "
            f"password {DEMO_ADMIN[1]!r}\n{customer_logins}"
        )

    def _shop_analytics(self) -> int:
        """The demo shop measures its audience with the same analytics as the website."""
        shop = Installation.objects.get(
            organisation__memberships__user__email=DEMO_OWNER["email"], name="Beispiel Shop"
        )
        Installation.objects.filter(pk=shop.pk).update(analytics_enabled=True)
        return demo_events_create(shop, SHOP_PATHS)

    def _admin(self):
        user_model = get_user_model()
        if not user_model.objects.filter(email=DEMO_ADMIN[0]).exists():
            user_model.objects.create_superuser(DEMO_ADMIN[0], DEMO_ADMIN[1], first_name="Demo")

    def _invoice(self) -> str:
        """The demo customer's plan and last month's invoice (its PDF is made on download)."""
        owner = Membership.objects.select_related("organisation").get(
            user__email=DEMO_OWNER["email"], role=Membership.Role.OWNER
        )
        invoice = demo_billing_create(owner.organisation)
        return invoice.number if invoice else "none"

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

    def _consents(self) -> int:
        """The demo customer's published shop banner and 60 days of its visitors' decisions,
        counted into the statistics roll-ups as the collector's writer would."""
        owner = Membership.objects.select_related("organisation", "user").get(
            user__email=DEMO_OWNER["email"], role=Membership.Role.OWNER
        )
        organisation, user = owner.organisation, owner.user
        if organisation.installations.exists():
            return ConsentRecord.objects.filter(installation__organisation=organisation).count()
        installation = installation_services.installation_create(
            organisation=organisation, name="Beispiel Shop", actor=user
        )
        draft = default_draft()
        for lang, texts in draft["texts"].items():
            texts["privacy_url"] = f"https://shop.beispiel-handel.example/{lang}/datenschutz"
            texts["imprint_url"] = f"https://shop.beispiel-handel.example/{lang}/impressum"
        catalog = catalog_get()
        draft["services"] = [
            catalog_service_to_config(catalog.get(service_id))
            for service_id in ("google-analytics-4", "youtube", "cloudflare")
        ]
        installation_services.draft_update(installation=installation, draft=draft, actor=user)
        installation_services.domain_add(
            installation=installation, pattern="shop.beispiel-handel.example", actor=user
        )
        version = installation_services.publish(installation, actor=user)
        config = version.config
        rng = random.Random(11)  # the same demo every time
        now = timezone.now()
        # The shop has run since before its first decision (usage and invoices count it).
        Installation.objects.filter(pk=installation.pk).update(created_at=now - timedelta(days=61))
        systems = [("Chrome", "Windows"), ("Safari", "Mac OS X"), ("Firefox", "Linux")]
        systems += [
            ("Mobile Safari", "iOS"),
            ("Chrome Mobile", "Android"),
            ("Amazon Silk", "Android"),
        ]
        records = []
        for days_ago in range(60):
            # More visitors on weekdays, a few more each week.
            day = now - timedelta(days=days_ago)
            for _ in range(rng.randint(12, 30) + (8 if day.weekday() < 5 else 0) - days_ago // 10):
                at = day - timedelta(seconds=rng.randint(0, 86_399))
                action = rng.choices(
                    ["accept_all", "reject_all", "custom", "withdraw", "gpc"], [55, 25, 13, 3, 4]
                )[0]
                grant = {"accept_all": 1.0, "custom": 0.5}.get(action, 0.0)
                categories = {
                    c["id"]: c["required"] or rng.random() < grant for c in config["categories"]
                }
                services = {
                    s["id"]: categories.get(s["category"], False) for s in config["services"]
                }
                browser, os = rng.choice(systems)
                records.append(
                    ConsentRecord(
                        installation=installation,
                        version=version,
                        consent_id=secrets.token_urlsafe(16),
                        sha256=config["sha256"],
                        action=action,
                        choices={"categories": categories, "services": services},
                        layer=0 if action == "gpc" else rng.choice([1, 1, 2]),
                        gpc=action == "gpc",
                        language=rng.choices(["de", "en"], [7, 3])[0],
                        ip=rng.choice(["192.0.2.0", "198.51.100.0", "2001:db8:7::"]),
                        browser=browser,
                        os=os,
                        origin="https://shop.beispiel-handel.example",
                        path=rng.choice(["/", "/produkte/", "/warenkorb/", "/kontakt/"]),
                        client_time=at - timedelta(seconds=1),
                        created_at=at,
                    )
                )
        ConsentRecord.objects.bulk_create(records, batch_size=1000)
        rollups_add(records)
        return len(records)
