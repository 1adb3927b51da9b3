from django.core.management.base import BaseCommand
from django.utils import timezone

from consentserve.audit.chain import head


class Command(BaseCommand):
    help = (
        "Print the audit chain's head (newest entry number and hash) to keep with each backup "
        "(docs/operations.md)."
    )

    def handle(self, *args, **options):
        seq, digest = head()
        self.stdout.write(f"{timezone.now().isoformat(timespec='seconds')} #{seq} {digest}")
