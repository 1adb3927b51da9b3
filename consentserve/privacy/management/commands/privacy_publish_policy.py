from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consentserve.privacy.policy import PolicyError, policy_publish

# R-REG-4: customers hear of a material change this long before it takes effect.
NOTICE = timedelta(days=14)


class Command(BaseCommand):
    help = (
        "Publish the privacy policy rendered from the register as a new version, "
        "unless it equals the newest published version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--effective-from",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the day the new version takes effect (default: today)",
        )

    def handle(self, *args, effective_from=None, **options):
        try:
            version, created = policy_publish(effective_from=effective_from)
        except PolicyError as exc:
            raise CommandError(str(exc)) from None
        if not created:
            self.stdout.write(
                f"Unchanged: the rendered policy equals version {version.number}; "
                "nothing published."
            )
            return
        self.stdout.write(
            f"Published version {version.number}, in force from {version.effective_from} "
            f"(content SHA-256 {version.content_sha256})."
        )
        if version.effective_from - timezone.localdate() < NOTICE:
            self.stderr.write(
                "Note: if this is a material change (new purpose, recipient or transfer, or "
                "longer retention), every active customer must be told by e-mail and the site "
                f"must show a notice at least {NOTICE.days} days before it takes effect."
            )
