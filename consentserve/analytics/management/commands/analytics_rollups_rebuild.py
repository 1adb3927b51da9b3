from django.core.management.base import BaseCommand, CommandError

from consentserve.analytics.rebuild import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the analytics roll-ups from the stored events (days whose events are all "
        "still kept; older days keep their counts). With --check, only compare."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="compare with the events, change nothing"
        )

    def handle(self, *args, check=False, **options):
        days, differed = rollups_rebuild(check=check)
        self.stdout.write(f"{days} day(s) with events, {differed} differed from their counts")
        if check and differed:
            raise CommandError(f"{differed} day(s) differ from their events")
