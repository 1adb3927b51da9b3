from django.core.management.base import BaseCommand, CommandError

from consentserve.collector.models import ConsentRecord
from consentserve.collector.rollups import rollups_rebuild, totals_from_records, totals_stored
from consentserve.installations.facade import installation_id_get


class Command(BaseCommand):
    help = (
        "Recompute the statistics roll-ups from the consent records (days that still have "
        "records; older days keep their counts). With --check, only compare."
    )

    def add_arguments(self, parser):
        parser.add_argument("--installation", metavar="KEY", help="public key of one installation")
        parser.add_argument(
            "--check", action="store_true", help="compare with the records, change nothing"
        )
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, installation=None, check=False, batch_size=2000, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if installation is not None:
            found = installation_id_get(installation)
            if found is None:
                raise CommandError(f"no installation with the public key {installation!r}")
            ids = [found]
        else:
            ids = list(
                ConsentRecord.objects.order_by()
                .values_list("installation_id", flat=True)
                .distinct()
            )
        differ = 0
        for pk in ids:
            if check:
                fresh = totals_from_records(pk, batch_size=batch_size)
                stored = totals_stored(pk)
                days = {key[1] for key in fresh.daily}
                same = _of_days(fresh, days) == _of_days(stored, days)
                differ += not same
                self.stdout.write(f"installation {pk}: {'ok' if same else 'DIFFERS'}")
            else:
                daily, opt_in = rollups_rebuild(pk, batch_size=batch_size)
                self.stdout.write(f"installation {pk}: {daily} daily rows, {opt_in} opt-in rows")
        if differ:
            raise CommandError(f"{differ} installation(s) differ from their records")


def _of_days(totals, days) -> tuple[dict, dict]:
    daily = {k: dict(+v) for k, v in totals.daily.items() if k[1] in days}
    opt_in = {k: tuple(v) for k, v in totals.opt_in.items() if k[1] in days}
    return daily, opt_in
