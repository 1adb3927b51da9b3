from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consentserve.installations.errors import PublishRefused
from consentserve.installations.operator import operator_banner_ensure
from consentserve.privacy.policy import policy_is_current


class Command(BaseCommand):
    help = "Create or update the website's own consent banner and publish it when it changed."

    def handle(self, *args, **options):
        if not settings.CONSENTSERVE_OPERATOR_INSTALLATION:
            raise CommandError("CONSENTSERVE_OPERATOR_INSTALLATION is empty: no operator banner")
        try:
            installation, version, published = operator_banner_ensure()
        except PublishRefused as refused:
            raise CommandError(f"the operator banner was not published: {refused}") from refused
        state = "published" if published else "unchanged"
        self.stdout.write(
            f"Operator banner {installation.public_key!r} version {version.number} {state} "
            f"for {', '.join(installation.domains.values_list('pattern', flat=True))}."
        )
        # The banner's services and the policy's sections follow the same settings.
        if not policy_is_current():
            self.stderr.write(
                "The privacy policy as the register renders it now is not published: publish it "
                "with `manage.py privacy_publish_policy` (with --effective-from for a change "
                "visitors must learn of in advance), so it describes what the banner loads."
            )
