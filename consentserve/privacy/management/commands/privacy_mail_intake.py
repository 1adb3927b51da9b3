"""Serve the mail intake for privacy requests (R-H-1): SMTP, or LMTP behind a mail server."""

import logging
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.conf import settings
from django.core.management.base import BaseCommand

from consentserve.privacy.requests.intake import IntakeHandler, intake_addresses


class LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


class Command(BaseCommand):
    help = "Receive mail for the privacy address and info@ and open a privacy-request case each."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.CONSENTSERVE_MAIL_INTAKE_HOST)
        parser.add_argument("--port", type=int, default=settings.CONSENTSERVE_MAIL_INTAKE_PORT)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args, host, port, lmtp, **options):
        # aiosmtpd logs every peer's address and every command; the log must hold no
        # personal data, so only its warnings and errors are kept.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller_class = LMTPController if lmtp else Controller
        controller = controller_class(IntakeHandler(), hostname=host, port=port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        controller.start()
        protocol = "LMTP" if lmtp else "SMTP"
        addresses = ", ".join(sorted(intake_addresses()))
        self.stdout.write(f"privacy mail intake: {protocol} on {host}:{port} for {addresses}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
