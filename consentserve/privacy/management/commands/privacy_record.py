from pathlib import Path

from django.core.management.base import BaseCommand

from consentserve.privacy.record import record_json, record_pdf


class Command(BaseCommand):
    help = "Export the record of processing activities (Art. 30 GDPR) from the register."

    def add_arguments(self, parser):
        parser.add_argument("--language", choices=["de", "en"], default="de")
        parser.add_argument("--format", choices=["pdf", "json"], default="pdf")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, language, format, output, **options):  # noqa: A002 - the option's name
        body = record_pdf(language) if format == "pdf" else record_json(language)
        Path(output).write_bytes(body)
        self.stdout.write(f"{output}: {len(body)} bytes")
