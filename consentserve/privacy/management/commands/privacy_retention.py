from django.core.management.base import BaseCommand

from consentserve.privacy.retention import retention_run


class Command(BaseCommand):
    help = "Apply every retention rule of the privacy register now."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is due, change nothing"
        )
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, dry_run=False, batch_size=None, **options):
        runs = retention_run(dry_run=dry_run, batch_size=batch_size)
        header = (
            f"{'activity':<22} {'store':<26} {'due':>8} {'deleted':>8} {'anonym.':>8} "
            f"{'held':>6} {'ms':>7}"
        )
        self.stdout.write(("DRY RUN: nothing changed\n" if dry_run else "") + header)
        for run in runs:
            self.stdout.write(
                f"{run.activity:<22} {run.store:<26} {run.due:>8} {run.deleted:>8} "
                f"{run.anonymised:>8} {run.held:>6} {run.duration_ms:>7}"
            )
