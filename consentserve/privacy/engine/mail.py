"""The one way to send mail to a data subject: refuses while their processing is restricted.

Restricted data are only stored (Art. 18(2)), and writing to someone is processing their
address. The single exception is the notice that a restriction is about to be lifted, which
Art. 18(3) requires to reach the person before the lifting takes effect (R-F-18).
"""

import logging
from email.utils import parseaddr
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage

from .holds import has_restricted_flag

logger = logging.getLogger(__name__)


class MailPurpose(StrEnum):
    ROUTINE = "routine"
    RESTRICTION_LIFT_NOTICE = "restriction_lift_notice"  # Art. 18(3)


def recipient_is_restricted(recipient) -> bool:
    """Whether a user, or the account behind an e-mail address, has restricted processing."""
    user_model = get_user_model()
    if not has_restricted_flag(user_model):
        return False
    users = user_model._default_manager.filter(restricted=True)
    if isinstance(recipient, user_model):
        # Ask the database: the instance at hand may predate the restriction.
        return users.filter(pk=recipient.pk).exists()
    return users.filter(email__iexact=str(recipient).strip()).exists()


def deliver(message: EmailMessage, *, purpose: MailPurpose = MailPurpose.ROUTINE) -> bool:
    """Send a prepared message to those of its recipients whose processing is not restricted.

    Returns whether anything was sent. Suppressed recipients are left out silently towards the
    caller; the log records only that it happened, never the address.
    """
    if purpose is not MailPurpose.RESTRICTION_LIFT_NOTICE:
        kept = {}
        for kind in ("to", "cc", "bcc"):
            addresses = list(getattr(message, kind))
            kept[kind] = [a for a in addresses if not recipient_is_restricted(parseaddr(a)[1])]
            suppressed = len(addresses) - len(kept[kind])
            if suppressed:
                logger.info("mail to %d restricted recipient(s) suppressed (Art. 18)", suppressed)
        message.to, message.cc, message.bcc = kept["to"], kept["cc"], kept["bcc"]
    if not message.recipients():
        return False
    return message.send() > 0


def send_to_subject(
    recipient,
    *,
    subject: str,
    body: str,
    purpose: MailPurpose = MailPurpose.ROUTINE,
    headers: dict[str, str] | None = None,
) -> bool:
    """Send a plain-text mail to a user or an e-mail address, unless it is restricted.

    Returns whether it was sent.
    """
    user_model = get_user_model()
    is_user = isinstance(recipient, user_model)
    address = recipient.email if is_user else str(recipient)
    message = EmailMessage(subject=subject, body=body, to=[address], headers=headers or {})
    if not is_user:
        return deliver(message, purpose=purpose)
    if purpose is not MailPurpose.RESTRICTION_LIFT_NOTICE and recipient_is_restricted(recipient):
        logger.info("mail to a restricted recipient suppressed (Art. 18)")
        return False
    return message.send() > 0
