"""Restriction of processing (Art. 18, R-F-18): the flag, the read paths that honour it, and the
subject's own requests to restrict and to lift.

A row is restricted when it carries `restricted`; a row of a model without that flag (e.g. a
membership) is restricted when the person it belongs to is. Every read path that processes data
for a purpose other than keeping them goes through `exclude_restricted()` or
`processing_rows()`; mail goes through `mail.send_to_subject()`.
"""

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import Restriction
from ..register import get_register
from .adapters import adapter_for, adapters
from .errors import ErrorCode, PrivacyRequestError
from .holds import has_restricted_flag, protection
from .mail import MailPurpose, send_to_subject
from .subject import Subject


def exclude_restricted(queryset: models.QuerySet) -> models.QuerySet:
    """The rows of `queryset` that may be processed."""
    model = queryset.model
    if has_restricted_flag(model):
        return queryset.exclude(restricted=True)
    adapter = adapter_for(model)
    if adapter is None:
        return queryset
    return queryset.exclude(pk__in=adapter.restricted_by_subject().values("pk"))


def is_restricted(obj: models.Model) -> bool:
    """Whether one row may only be stored."""
    if getattr(obj, "restricted", False):
        return True
    model = type(obj)
    return not exclude_restricted(model._default_manager.filter(pk=obj.pk)).exists()


def processing_rows(*, store: str, queryset: models.QuerySet | None = None) -> list[dict[str, Any]]:
    """A store's rows for processing by another part of the product (a mailing, a transfer to
    a recipient): restricted rows and secrets left out."""
    adapter = next((a for a in adapters() if a.label.lower() == store.lower()), None)
    if adapter is None:
        raise LookupError(f"no store {store} that can be tied to a person")
    model = adapter.model
    rows = exclude_restricted(queryset if queryset is not None else model._default_manager.all())
    names = adapter.exported_fields()
    return [{name: row[name] for name in names} for row in rows.order_by("pk").values(*names)]


def restriction_active(*, user) -> Restriction | None:
    return Restriction.objects.filter(user=user, lifted_at__isnull=True).first()


def restriction_request(*, user, reason: str, note: str = "") -> Restriction:
    """Restrict the processing of all of the user's data at once."""
    subject = Subject.for_user(user)
    with transaction.atomic():
        if restriction_active(user=user):
            raise PrivacyRequestError(ErrorCode.ALREADY_RESTRICTED)
        restriction = Restriction(user=user, reason=reason, note=note)
        restriction.full_clean()
        restriction.save()
        for adapter in adapters():
            adapter.restrict(subject)
    return restriction


def restriction_lift(*, user, now: datetime | None = None) -> Restriction:
    """Tell the user that the restriction ends, then end it (Art. 18(3)).

    The notice goes out first; if it cannot be sent, nothing is lifted. Rows a legal hold keeps
    stay restricted.
    """
    now = now or timezone.now()
    restriction = restriction_active(user=user)
    if restriction is None:
        raise PrivacyRequestError(ErrorCode.NOT_RESTRICTED)
    try:
        sent = _send_lift_notice(user=user, restriction=restriction)
    except OSError as error:
        raise PrivacyRequestError(ErrorCode.NOTICE_FAILED) from error
    if not sent:
        raise PrivacyRequestError(ErrorCode.NOTICE_FAILED)
    subject = Subject.for_user(user)
    kept = protection(at=now)
    with transaction.atomic():
        restriction.notice_sent_at = now
        restriction.lifted_at = timezone.now()
        restriction.save(update_fields=["notice_sent_at", "lifted_at"])
        for adapter in adapters():
            adapter.unrestrict(subject, keep=kept.pks(adapter.model))
    return restriction


def _send_lift_notice(*, user, restriction: Restriction) -> bool:
    """In the language of the request that lifts the restriction."""
    subject = _("The restriction of processing of your data is being lifted")
    body = render_to_string(
        "privacy/centre/emails/restriction_lift.txt",
        {"user": user, "restriction": restriction, "privacy_email": get_register().privacy_email},
    )
    return send_to_subject(
        user,
        subject=subject,
        body=body,
        purpose=MailPurpose.RESTRICTION_LIFT_NOTICE,
        # Auto-Submitted keeps out-of-office replies away (RFC 3834).
        headers={"Content-Language": get_language(), "Auto-Submitted": "auto-generated"},
    )
