"""Mail to the privacy address and to info@ opens a case (R-H-1, R-F-0a).

`intake_message` turns one parsed message into a case; `IntakeHandler` is the aiosmtpd handler
that the `privacy_mail_intake` command serves on the configured host and port (SMTP, or LMTP
behind the mail server). A mailed request is never taken as verified: the sender address of a
message can be forged, so the acknowledgement carries the verification link.
"""

import asyncio
import email
import email.policy
import hashlib
import logging
import re
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, close_old_connections, connections
from django.utils.html import strip_tags

from ..register import get_register
from .models import TEXT_MAX_LENGTH, PrivacyRequest
from .services import request_submit

logger = logging.getLogger(__name__)

_GERMAN = re.compile(
    r"\b(ich|und|nicht|bitte|meine[nmrs]?|daten|auskunft|löschung|sehr geehrte|mit freundlichen)\b",
    re.IGNORECASE,
)
_ENGLISH = re.compile(
    r"\b(i|and|not|please|my|data|access|erasure|delete|dear|regards)\b", re.IGNORECASE
)


def intake_addresses() -> set[str]:
    return {a.lower() for a in settings.CONSENTSERVE_MAIL_INTAKE_ADDRESSES} | {
        get_register().privacy_email.lower()
    }


def _automatic(message: EmailMessage) -> bool:
    """Auto-replies, bounces and list mail get no case: answering them could loop (RFC 3834)."""
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return auto != "no" or precedence in {"bulk", "junk", "list", "auto_reply"}


def _language(message: EmailMessage, text: str) -> str:
    """The request's language (R-F-0e): the header if it names one of ours, else the words."""
    declared = (message.get("Content-Language") or "").strip().lower()[:2]
    if declared in dict(settings.LANGUAGES):
        return declared
    return "en" if len(_ENGLISH.findall(text)) > len(_GERMAN.findall(text)) else "de"


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    content = ""
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, ValueError):  # an unknown charset: keep what can be read
            content = body.get_payload(decode=True).decode("utf-8", errors="replace")
        if body.get_content_type() == "text/html":
            content = strip_tags(content)
    subject = str(message.get("Subject") or "").strip()
    text = f"{subject}\n\n{content.strip()}" if subject else content.strip()
    return text[:TEXT_MAX_LENGTH]


def intake_message(message: EmailMessage) -> PrivacyRequest | None:
    """Open a case for one received message; None when it is automatic or has no usable
    sender (nobody to answer)."""
    if _automatic(message):
        return None
    name, address = parseaddr(str(message.get("Reply-To") or message.get("From") or ""))
    try:
        validate_email(address)
    except ValidationError:
        return None
    if address.lower() in intake_addresses():
        return None  # our own mail coming back
    text = _text(message)
    digest = message_digest(message)
    if digest:
        known = PrivacyRequest.objects.filter(message_digest=digest).first()
        if known is not None:
            return known  # a retried delivery of a message already taken in
    try:
        return request_submit(
            kind=PrivacyRequest.Kind.UNSPECIFIED,
            email=address,
            name=name[:200],
            text=text,
            language=_language(message, text),
            channel=PrivacyRequest.Channel.MAIL,
            message_digest=digest,
        )
    except (IntegrityError, ValidationError):
        # The same message delivered twice at once (two intake processes): the other won.
        known = PrivacyRequest.objects.filter(message_digest=digest).first() if digest else None
        if known is None:
            raise
        return known


def message_digest(message: EmailMessage) -> str:
    """SHA-256 of the Message-ID, or "" when the message has none (then nothing to compare)."""
    message_id = str(message.get("Message-ID") or "").strip()
    if not message_id:
        return ""
    return hashlib.sha256(message_id.encode("utf-8", errors="replace")).hexdigest()


def _intake_in_thread(content: bytes) -> bool:
    close_old_connections()
    try:
        message = email.message_from_bytes(content, policy=email.policy.default)
        return intake_message(message) is not None
    finally:
        # This worker thread's own connections: mail is rare, an idle connection is not.
        connections.close_all()


class IntakeHandler:
    """aiosmtpd handler: accepts mail for the intake addresses only, one case per message."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() not in intake_addresses():
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipients = {a.lower() for _n, a in getaddresses(envelope.rcpt_tos)}
        if not recipients & intake_addresses():
            return "550 5.1.1 No such mailbox here"
        loop = asyncio.get_running_loop()
        try:
            # The ORM is synchronous: run it outside the event loop.
            opened = await loop.run_in_executor(None, _intake_in_thread, envelope.content)
        except Exception as error:
            # A message that is accepted must not get lost: the sending server retries later.
            # Only the error's type is logged: its text could hold the sender's address.
            logger.error("privacy mail intake: not stored (%s)", type(error).__name__)
            return "451 4.3.0 Temporary failure, please retry"
        logger.info("privacy mail intake: message accepted (case opened: %s)", opened)
        return "250 OK"
