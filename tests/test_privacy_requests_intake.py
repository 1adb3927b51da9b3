"""Mail to the privacy address opens a case and gets an acknowledgement with the case number
and the due date (R-H-1, R-F-0a): a real SMTP client, the intake server on loopback, and the
answer arriving at a second real SMTP server."""

import smtplib
import time
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from support import free_port

from consentserve.privacy.register import get_register
from consentserve.privacy.requests.intake import IntakeHandler, intake_message
from consentserve.privacy.requests.models import PrivacyRequest

pytestmark = pytest.mark.req("R-F-0a", "R-H-1")

BERLIN = ZoneInfo("Europe/Berlin")
SENDER = "max.muster@example.net"


def _message(
    *, to="datenschutz@consentserve.com", body="Bitte löschen Sie meine Daten.", **headers
):
    message = EmailMessage()
    message["From"] = f"Max Muster <{SENDER}>"
    message["To"] = to
    message["Subject"] = headers.pop("subject", "Löschung meiner Daten")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def intake():
    controller = Controller(IntakeHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True)
def test_mail_to_the_privacy_address_opens_a_case_and_is_acknowledged_r_h_1(intake, smtp):
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        client.send_message(_message(to=get_register().privacy_email))
    assert _wait_for(lambda: smtp.to(SENDER))

    case = PrivacyRequest.objects.get()
    assert (case.kind, case.channel, case.email) == ("unspecified", "mail", SENDER)
    # The sender address of a mail can be forged: the case waits for the link.
    assert (case.status, case.verification, case.verified_at) == ("awaiting_verification", "", None)
    assert case.name == "Max Muster"
    assert case.language == "de"
    assert case.text.startswith("Löschung meiner Daten\n\nBitte löschen Sie meine Daten.")

    [acknowledgement] = smtp.to(SENDER)
    assert acknowledgement["Subject"] == f"Wir haben Ihre Datenschutzanfrage {case.number} erhalten"
    body = acknowledgement.get_body(preferencelist=("plain",)).get_content()
    assert case.number in body
    assert f"{case.due_on.day}." in body  # the due date, in German
    assert "/de/datenschutzanfrage/bestaetigen/" in body
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    # Staff hear of it at once: the deadline runs from arrival.
    assert _wait_for(lambda: smtp.to(get_register().privacy_email))
    [notice] = smtp.to(get_register().privacy_email)
    assert notice["Subject"] == f"Neue Datenschutzanfrage {case.number}"


@pytest.mark.django_db(transaction=True)
def test_mail_to_info_is_routed_to_the_same_queue_in_english_r_h_1(intake, smtp):
    message = _message(
        to="info@consentserve.com",
        subject="Access request",
        body="Dear team, please send me a copy of my data. Kind regards",
    )
    with smtplib.SMTP(intake.hostname, intake.port) as client:
        client.send_message(message)
    assert _wait_for(lambda: smtp.to(SENDER))
    case = PrivacyRequest.objects.get()
    assert case.language == "en"
    [acknowledgement] = smtp.to(SENDER)
    assert acknowledgement["Subject"] == f"We have received your privacy request {case.number}"
    assert "/en/privacy-request/confirm/" in acknowledgement.get_body().get_content()


@pytest.mark.django_db(transaction=True)
def test_mail_for_other_addresses_is_refused(intake):
    with (
        smtplib.SMTP(intake.hostname, intake.port) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        client.send_message(_message(to="someone@example.com"))
    assert PrivacyRequest.objects.count() == 0


@pytest.mark.django_db
def test_receipt_is_the_day_of_arrival_r_f_0b(smtp, django_capture_on_commit_callbacks):
    arrival = time_machine.travel(datetime(2026, 1, 30, 18, 0, tzinfo=BERLIN), tick=False)
    with arrival, django_capture_on_commit_callbacks(execute=True):
        case = intake_message(_message())
    assert case.received_on.isoformat() == "2026-01-30"
    assert case.due_on.isoformat() == "2026-03-02"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"From": "nobody"}],
)
def test_automatic_and_unanswerable_mail_opens_no_case(headers):
    message = _message()
    for name, value in headers.items():
        del message[name.replace("_", "-")]
        message[name.replace("_", "-")] = value
    assert intake_message(message) is None
    assert PrivacyRequest.objects.count() == 0


@pytest.mark.django_db
def test_html_only_mail_and_long_text_are_kept_as_capped_plain_text(smtp):
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "datenschutz@consentserve.com"
    message.set_content("<p>Please <b>delete</b> my data.</p>" + "x" * 6000, subtype="html")
    case = intake_message(message)
    assert case.text.startswith("Please delete my data.")
    assert len(case.text) == 5000
