from django.core.management.base import BaseCommand, CommandError

from consentserve.audit.chain import verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exits non-zero when it is broken."

    def handle(self, *args, **options):
        result = verify()
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(f"audit log broken: {len(result.problems)} problem(s)")
        if result.checked:
            self.stdout.write(
                f"audit log intact: {result.checked} entries, #{result.first_seq} to "
                f"#{result.last_seq}"
            )
        else:
            self.stdout.write("audit log intact: no entries")
