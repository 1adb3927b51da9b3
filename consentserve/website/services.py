"""Writes of the website app: the cases opened by "Angebot anfordern" (policy B.2)."""

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consentserve.core.site_url import site_url
from consentserve.privacy.notices import collection_notice

from .models import QuoteRequest

# The register activity whose notice the form and the confirmation show.
QUOTE_ACTIVITY = "quote-requests"

logger = logging.getLogger(__name__)


def quote_request_create(
    *, contact_name: str, email: str, company: str, message: str, language: str
) -> QuoteRequest:
    """Open a case (R-B2-1); once it is committed, confirm it to the sender and announce it to
    the operator."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": f"not a site language: {language!r}"})
    with transaction.atomic():
        quote_request = QuoteRequest(
            contact_name=contact_name,
            email=email,
            company=company,
            message=message,
            language=language,
            status=QuoteRequest.Status.OPEN,
        )
        quote_request.full_clean()
        quote_request.save()
        transaction.on_commit(lambda: _announce(quote_request))
    return quote_request


def quote_request_update(*, quote_request: QuoteRequest) -> QuoteRequest:
    """Save a case edited in the back office. Resolving starts the retention period (R-B2-2),
    reopening stops it."""
    if quote_request.status == QuoteRequest.Status.OPEN:
        quote_request.resolved_at = None
    elif quote_request.resolved_at is None:
        quote_request.resolved_at = timezone.now()
    with transaction.atomic():
        quote_request.full_clean()
        quote_request.save()
    return quote_request


def quote_requests_resolve(*, queryset: QuerySet[QuoteRequest]) -> int:
    """Mark open cases resolved. Restricted cases are only stored (Art. 18) and stay as they are."""
    return queryset.filter(status=QuoteRequest.Status.OPEN, restricted=False).update(
        status=QuoteRequest.Status.RESOLVED, resolved_at=timezone.now()
    )


def quote_requests_reopen(*, queryset: QuerySet[QuoteRequest]) -> int:
    return queryset.filter(status=QuoteRequest.Status.RESOLVED, restricted=False).update(
        status=QuoteRequest.Status.OPEN, resolved_at=None
    )


def _announce(quote_request: QuoteRequest) -> None:
    for send in (_send_confirmation, _send_operator_notice):
        try:
            send(quote_request)
        except (smtplib.SMTPException, OSError) as error:
            # The case is stored and listed in the back office, so a mail server that is down
            # must not turn the sender's success into an error page. The exception text can
            # hold the recipient's address, so only its type is logged.
            logger.error(
                "quote request %s: %s failed (%s)",
                quote_request.pk,
                send.__name__,
                type(error).__name__,
            )


def _send_confirmation(quote_request: QuoteRequest) -> None:
    """The sender's copy, in the language they wrote in."""
    language = quote_request.language
    with translation.override(language):
        subject = _("Your quote request %(case)s") % {"case": quote_request.case_number}
        body = render_to_string(
            "website/emails/quote_confirmation.txt",
            {
                "quote_request": quote_request,
                "notice": collection_notice(QUOTE_ACTIVITY, language=language),
            },
        )
    _mail(subject=subject, body=body, to=quote_request.email, language=language)


def _send_operator_notice(quote_request: QuoteRequest) -> None:
    """Only the case number and where to find it: the data itself stays in the back office."""
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("New quote request %(case)s") % {"case": quote_request.case_number}
        body = render_to_string(
            "website/emails/quote_operator.txt",
            {
                "quote_request": quote_request,
                "change_url": site_url(
                    reverse("admin:website_quoterequest_change", args=[quote_request.pk])
                ),
            },
        )
    _mail(subject=subject, body=body, to=settings.CONSENTSERVE_OPERATOR_EMAIL, language=language)


def _mail(*, subject: str, body: str, to: str, language: str) -> None:
    EmailMessage(
        subject=subject,
        body=body,
        to=[to],
        # Auto-Submitted keeps out-of-office replies from answering the confirmation (RFC 3834).
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    ).send()
