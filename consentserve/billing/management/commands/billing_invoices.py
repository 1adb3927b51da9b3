"""Issue the invoices of a month now: `manage.py billing_invoices [--month 2026-11]`."""

from django.core.management.base import BaseCommand, CommandError

from consentserve.billing.runs import invoices_run
from consentserve.core.months import month_parse


class Command(BaseCommand):
    help = "Issue, render and mail the invoices of a month (default: the previous month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="the month to bill, as YYYY-MM")

    def handle(self, *args, month=None, **options):
        try:
            first = month_parse(month) if month else None
        except ValueError as error:
            raise CommandError("--month must be a month such as 2026-11") from error
        issued = invoices_run(first)
        self.stdout.write(f"{len(issued)} invoice(s) issued")
