import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consentserve.privacy.ga4_admin import AdminApi, AdminApiError, check_property

NUMERIC_ID = re.compile(r"[0-9]{1,20}")


class Command(BaseCommand):
    help = (
        "Check through the Google Analytics Admin API that the GA4 property of the website's "
        "banner keeps what the privacy policy (C.2) promises: data retention TWO_MONTHS, "
        "Google signals off, no data sharing with Google for its own purposes (R-C2-3)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--account",
            default=None,
            help="GA4 account ID whose data sharing settings to check "
            "(default: CONSENTSERVE_GA4_ACCOUNT; without one they are not checked)",
        )

    def handle(self, *args, account=None, **options):
        measurement_id = settings.CONSENTSERVE_GA4_MEASUREMENT_ID
        if not measurement_id:
            self.stdout.write(
                "CONSENTSERVE_GA4_MEASUREMENT_ID is not set: the website loads nothing from "
                "Google, so there is nothing to check."
            )
            return
        property_id = str(settings.CONSENTSERVE_GA4_PROPERTY).strip()
        account_id = str(account if account is not None else settings.CONSENTSERVE_GA4_ACCOUNT)
        account_id = account_id.strip()
        token = settings.CONSENTSERVE_GA4_ADMIN_TOKEN
        missing = [
            name
            for name, value in (
                ("CONSENTSERVE_GA4_PROPERTY", property_id),
                ("CONSENTSERVE_GA4_ADMIN_TOKEN", token),
            )
            if not value
        ]
        if missing:
            raise CommandError(
                f"CONSENTSERVE_GA4_MEASUREMENT_ID is {measurement_id}, but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set; the property's settings cannot "
                "be read (docs/configuration.md)."
            )
        if not NUMERIC_ID.fullmatch(property_id):
            raise CommandError(
                f"CONSENTSERVE_GA4_PROPERTY must be the numeric property ID, not {property_id!r}."
            )
        if account_id and not NUMERIC_ID.fullmatch(account_id):
            raise CommandError(f"The GA4 account ID must be numeric, not {account_id!r}.")

        try:
            api = AdminApi(settings.CONSENTSERVE_GA4_ADMIN_API, token)
            checks = check_property(api, property_id, measurement_id, account_id)
        except AdminApiError as exc:
            raise CommandError(f"Google Analytics Admin API: {exc}") from None
        for check in checks:
            if check.ok:
                self.stdout.write(check.line)
        if not account_id:
            self.stdout.write(
                "data sharing: not checked (account-level); give --account or "
                "CONSENTSERVE_GA4_ACCOUNT"
            )
        findings = [check.line for check in checks if not check.ok]
        if findings:
            raise CommandError(
                f"The GA4 property {property_id} does not keep what the privacy policy (C.2) "
                f"says ({len(findings)} finding{'s' if len(findings) > 1 else ''}):\n"
                + "\n".join(f"- {line}" for line in findings)
            )
