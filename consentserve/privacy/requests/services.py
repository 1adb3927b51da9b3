"""Writes of privacy requests: opening a case, verifying it, and every back-office step.

Every step that fulfils a request or changes its deadline is recorded in the audit log in the
same transaction; mail goes out once the transaction is committed. Steps that the rules do not
allow raise `RequestStepError` with a message for staff and change nothing.
"""

import io
import logging
import smtplib
import zipfile
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consentserve.audit.chain import actor_of, record, target_of
from consentserve.core.site_url import site_url

from ..deadlines import EXTENSION_MONTHS_MAX
from ..engine import (
    DIRECT_MARKETING,
    PrivacyRequestError,
    Subject,
    access_report,
    erase,
    objection_lodge,
    report_json,
    report_zip,
    restriction_active,
    restriction_request,
    store_name,
)
from ..notices import collection_notice
from ..register import get_register
from .models import PrivacyRequest

logger = logging.getLogger(__name__)

ACTIVITY = "data-subject-requests"
LINK_SALT = "privacy.requests.verify"
LINK_MAX_AGE = timedelta(days=7)
EXPORT_KINDS = {PrivacyRequest.Kind.ACCESS, PrivacyRequest.Kind.PORTABILITY}


class RequestStepError(Exception):
    """A step the rules do not allow now; the message is for staff."""


class LinkError(Exception):
    """A verification link that cannot be used: `reason` is forged, expired or unknown."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- opening a case ---------------------------------------------------------------------------


def request_submit(
    *,
    kind: str,
    email: str,
    text: str,
    language: str,
    name: str = "",
    consent_id: str = "",
    channel: str = PrivacyRequest.Channel.FORM,
    message_digest: str = "",
) -> PrivacyRequest:
    """Open a case awaiting verification and send the requester the verification link.

    The request counts as received now, whether or not it is ever verified (Art. 12(3))."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": f"not a site language: {language!r}"})
    with transaction.atomic():
        case = PrivacyRequest(
            kind=kind,
            email=email.strip(),
            text=text,
            language=language,
            name=name.strip(),
            consent_id=consent_id.strip(),
            channel=channel,
            received_at=timezone.now(),
            message_digest=message_digest,
        )
        case.due_on = case.compute_due()
        case.full_clean(exclude=["number"])
        case.save()
        record("privacy_request.received", actor="system", target=target_of(case))
        transaction.on_commit(lambda: _mail_safely(case, _send_verification))
        if channel == PrivacyRequest.Channel.MAIL:
            # Staff see a mailed request at once: its deadline runs whether or not it is verified.
            transaction.on_commit(lambda: _mail_safely(case, _send_operator_notice))
    return case


def verification_link(case: PrivacyRequest) -> str:
    token = signing.dumps({"c": case.pk, "e": case.email.lower()}, salt=LINK_SALT, compress=True)
    with translation.override(case.language):
        path = reverse("website:privacy-request-verify", args=[token])
    return site_url(path)


def case_for_link(token: str) -> PrivacyRequest:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkError("expired") from None
    except signing.BadSignature:
        raise LinkError("forged") from None
    case = PrivacyRequest.objects.filter(pk=data.get("c")).first()
    if case is None or case.email.lower() != data.get("e"):
        raise LinkError("unknown")  # signed by us, but the case is gone
    if case.verified_at is None and case.is_closed:
        raise LinkError("unknown")  # closed by staff before anyone confirmed it
    return case


def request_verify_by_link(case: PrivacyRequest) -> bool:
    """The requester opened the link: their address is theirs, the case starts. False when the
    case was verified before."""
    with transaction.atomic():
        case = PrivacyRequest.objects.select_for_update().get(pk=case.pk)
        if (
            case.verified_at is not None
            or case.status != PrivacyRequest.Status.AWAITING_VERIFICATION
        ):
            return False
        _start(case, method=PrivacyRequest.Verification.EMAIL_LINK, actor="system")
    return True


def _start(case: PrivacyRequest, *, method: str, actor: str, note: str = "") -> None:
    case.verification = method
    case.verified_at = timezone.now()
    case.status = PrivacyRequest.Status.OPEN
    if note:
        case.verification_note = note
    if case.account_id is None and method == PrivacyRequest.Verification.EMAIL_LINK:
        # Only the sign-in address is verified as the account holder's (see engine.Subject).
        case.account = get_user_model()._default_manager.filter(email__iexact=case.email).first()
    case.save()
    record(
        "privacy_request.verified",
        actor=actor,
        target=target_of(case),
        subject=_subject_ref(case),
        detail={"method": method},
    )
    transaction.on_commit(lambda: _mail_safely(case, _send_acknowledgement))
    if case.channel == PrivacyRequest.Channel.FORM:
        transaction.on_commit(lambda: _mail_safely(case, _send_operator_notice))


# --- back-office steps ------------------------------------------------------------------------


def _locked(case: PrivacyRequest) -> PrivacyRequest:
    return PrivacyRequest.objects.select_for_update().get(pk=case.pk)


def _require_open(case: PrivacyRequest) -> None:
    if case.status != PrivacyRequest.Status.OPEN:
        raise RequestStepError(
            _("Case %(case)s is %(status)s; this step needs an open, verified case.")
            % {"case": case.number, "status": case.get_status_display()}
        )


def request_verify_by_staff(*, case: PrivacyRequest, user, method: str, note: str) -> None:
    if method not in {
        PrivacyRequest.Verification.STAFF,
        PrivacyRequest.Verification.CONSENT_ID,
        PrivacyRequest.Verification.PORTAL_SESSION,
    }:
        raise RequestStepError(_("Choose how the identity was checked."))
    if not note.strip():
        raise RequestStepError(_("Please note how the identity was checked."))
    with transaction.atomic():
        case = _locked(case)
        if case.status != PrivacyRequest.Status.AWAITING_VERIFICATION:
            raise RequestStepError(_("Case %(case)s is verified already.") % {"case": case.number})
        _start(case, method=method, actor=actor_of(user), note=note.strip())


def request_extend(
    *, case: PrivacyRequest, user, months: int, reasons: str, today: date | None = None
) -> PrivacyRequest:
    """Extend the deadline by 1 or 2 months, announced with reasons before the first deadline
    (Art. 12(3))."""
    today = today or timezone.localdate()
    if months not in range(1, EXTENSION_MONTHS_MAX + 1):
        raise RequestStepError(_("An extension is 1 or 2 months."))
    if not reasons.strip():
        raise RequestStepError(_("An extension needs its reasons; the requester is told them."))
    with transaction.atomic():
        case = _locked(case)
        if case.is_closed:
            raise RequestStepError(_("Case %(case)s is closed.") % {"case": case.number})
        if case.extended:
            raise RequestStepError(_("Case %(case)s is extended already.") % {"case": case.number})
        if today > case.first_deadline:
            raise RequestStepError(
                _(
                    "The first deadline (%(due)s) has passed: an extension must be announced "
                    "before it (Art. 12(3) GDPR)."
                )
                % {"due": date_format(case.first_deadline, "DATE_FORMAT")}
            )
        case.extension_months = months
        case.extension_reasons = reasons.strip()
        case.extension_announced_at = timezone.now()
        case.save()
        _step(case, user, "privacy_request.extended", months=months)
        transaction.on_commit(lambda: _mail_safely(case, _send_extension, raise_errors=True))
    return case


def request_answer(*, case: PrivacyRequest, user, reply: str = "") -> PrivacyRequest:
    """Close a case as answered; a reply text, if given, is mailed to the requester."""
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        _close(case, PrivacyRequest.Status.ANSWERED, reply=reply.strip())
        _step(case, user, "privacy_request.answered", mailed=bool(case.reply))
        if case.reply:
            transaction.on_commit(lambda: _mail_safely(case, _send_reply, raise_errors=True))
    return case


def request_withdraw(*, case: PrivacyRequest, user, note: str = "") -> PrivacyRequest:
    """Close a case the requester withdrew or never confirmed."""
    with transaction.atomic():
        case = _locked(case)
        if case.is_closed:
            raise RequestStepError(_("Case %(case)s is closed.") % {"case": case.number})
        if note.strip():
            case.staff_notes = "\n".join(filter(None, [case.staff_notes, note.strip()]))
        _close(case, PrivacyRequest.Status.WITHDRAWN)
        _step(case, user, "privacy_request.withdrawn")
    return case


def request_refuse(*, case: PrivacyRequest, user, reasons: str) -> PrivacyRequest:
    """Refuse with reasons; the requester is told them and the right to complain (Art. 12(4))."""
    if not reasons.strip():
        raise RequestStepError(_("A refusal needs its reasons; the requester is told them."))
    with transaction.atomic():
        case = _locked(case)
        if case.is_closed:
            raise RequestStepError(_("Case %(case)s is closed.") % {"case": case.number})
        _close(case, PrivacyRequest.Status.REFUSED, reply=reasons.strip())
        _step(case, user, "privacy_request.refused")
        transaction.on_commit(lambda: _mail_safely(case, _send_refusal, raise_errors=True))
    return case


def request_export_prepare(*, case: PrivacyRequest, user) -> PrivacyRequest:
    """Build the copy (Art. 15, 20) for staff to review before it is sent."""
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if case.kind not in EXPORT_KINDS:
            raise RequestStepError(_("Only access and portability requests get a copy."))
        report = access_report(subject_of(case), language=case.language)
        case.export_zip = _with_report(report_zip(report), report_json(report))
        case.export_prepared_at = timezone.now()
        case.save()
        _step(
            case,
            user,
            "privacy_request.export_prepared",
            stores=sorted(s.store for a in report.activities for s in a.stores if s.rows),
        )
    return case


def _with_report(archive: bytes, report: bytes) -> bytes:
    """The engine's ZIP of CSV files with the full report as JSON added: the Art. 15
    information (purposes, recipients, retention, source, rights) travels with the data."""
    buffer = io.BytesIO(archive)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("report.json", report)
    return buffer.getvalue()


def request_export_send(*, case: PrivacyRequest, user) -> PrivacyRequest:
    """Send the reviewed copy and close the case; the copy is not kept once sent."""
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if not case.export_zip:
            raise RequestStepError(_("Prepare the copy and review it first."))
        archive = bytes(case.export_zip)
        _send_export(case, archive)  # inside the transaction: an unsent copy keeps the case open
        case.export_sent_at = timezone.now()
        case.export_zip = None
        _close(case, PrivacyRequest.Status.ANSWERED)
        _step(case, user, "privacy_request.export_sent", bytes=len(archive))
    return case


def request_erase(*, case: PrivacyRequest, user) -> PrivacyRequest:
    """Erase the requester's data everywhere, keeping what holds require, and tell them what is
    kept until when (Art. 17(3), R-F-16/17)."""
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if case.kind != PrivacyRequest.Kind.ERASURE:
            raise RequestStepError(_("Only erasure requests erase data."))
        subject = subject_of(case)
        try:
            report = erase(subject)
        except PrivacyRequestError as error:
            raise RequestStepError(
                _("Nothing was erased: others share data in %(stores)s.")
                % {"stores": ", ".join(store_name(s) for s in error.stores)}
            ) from None
        with translation.override(case.language):
            kept = [
                {
                    "store": store_name(store),
                    "count": k.count,
                    "article": k.article,
                    "until": k.until,
                }
                for store, k in report.kept
            ]
        subject_ref = _subject_ref(case)
        if subject.user_id and _gone(subject.user_id):
            case.account = None  # the database set it to NULL with the account
        _close(case, PrivacyRequest.Status.ANSWERED)
        _step(
            case,
            user,
            "privacy_request.erased",
            subject=subject_ref,
            deleted=report.deleted,
            kept=len(kept),
        )
        transaction.on_commit(
            lambda: _mail_safely(
                case, lambda c: _send_erasure(c, deleted=report.deleted, kept=kept)
            )
        )
    return case


def _gone(user_id: int) -> bool:
    return not get_user_model()._default_manager.filter(pk=user_id).exists()


def request_restrict(*, case: PrivacyRequest, user, reason: str, note: str = "") -> PrivacyRequest:
    """Restrict the processing of the matched account's data (Art. 18)."""
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        account = _account(case, PrivacyRequest.Kind.RESTRICTION)
        if restriction_active(user=account):
            raise RequestStepError(_("The account's processing is restricted already."))
        # The answer goes out first, announcing that from now on the data are only stored.
        _close(case, PrivacyRequest.Status.ANSWERED)
        _send_outcome(case, "privacy/requests/emails/restricted.txt")
        restriction_request(user=account, reason=reason, note=note)
        _step(case, user, "privacy_request.restricted", reason=reason)
    return case


def request_object(*, case: PrivacyRequest, user, target: str, reason: str = "") -> PrivacyRequest:
    """Lodge the objection for the matched account (Art. 21): direct marketing is granted at
    once, any other objection waits for staff to weigh it."""
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        account = _account(case, PrivacyRequest.Kind.OBJECTION)
        try:
            objection = objection_lodge(user=account, target=target, reason=reason or case.text)
        except PrivacyRequestError as error:
            raise RequestStepError(
                _("The objection was not recorded (%(code)s).") % {"code": error.code}
            ) from None
        _close(case, PrivacyRequest.Status.ANSWERED)
        _step(
            case,
            user,
            "privacy_request.objection_lodged",
            activity=objection.activity,
            direct_marketing=target == DIRECT_MARKETING,
        )
        transaction.on_commit(
            lambda: _mail_safely(
                case,
                lambda c: _send_outcome(
                    c,
                    "privacy/requests/emails/objection.txt",
                    granted=objection.decision == objection.Decision.GRANTED,
                ),
            )
        )
    return case


def _account(case: PrivacyRequest, kind: str):
    if case.kind != kind:
        raise RequestStepError(
            _("This step is for %(kind)s requests.") % {"kind": PrivacyRequest.Kind(kind).label}
        )
    if case.account is None:
        raise RequestStepError(_("This step needs the requester's customer account."))
    return case.account


def subject_of(case: PrivacyRequest) -> Subject:
    if case.account is not None:
        return Subject.for_user(case.account)
    return Subject.for_email(case.email)


def _close(case: PrivacyRequest, status: str, *, reply: str | None = None) -> None:
    case.status = status
    case.closed_at = timezone.now()
    if reply is not None:
        case.reply = reply
    case.save()


def _subject_ref(case: PrivacyRequest) -> str:
    return f"user:{case.account_id}" if case.account_id else ""


def _step(case: PrivacyRequest, user, action: str, *, subject: str | None = None, **detail) -> None:
    record(
        action,
        actor=actor_of(user),
        target=target_of(case),
        subject=_subject_ref(case) if subject is None else subject,
        detail={"kind": case.kind, **detail},
    )


# --- mail -------------------------------------------------------------------------------------


def _mail_safely(case: PrivacyRequest, send, *, raise_errors: bool = False) -> None:
    try:
        send(case)
    except (smtplib.SMTPException, OSError) as error:
        # The case is stored and listed in the back office. The exception text can hold the
        # recipient's address, so only its type is logged.
        logger.error(
            "privacy request %s: mail %s failed (%s)",
            case.pk,
            getattr(send, "__name__", "outcome"),
            type(error).__name__,
        )
        if raise_errors:
            raise


def _context(case: PrivacyRequest, **extra) -> dict:
    register = get_register()
    return {
        "case": case,
        "due": date_format(case.due_on, "DATE_FORMAT"),
        "kind": case.get_kind_display(),
        "privacy_email": register.privacy_email,
        "controller": register.controller.name.get(case.language),
        **extra,
    }


def _to_requester(
    case: PrivacyRequest, subject: str, template: str, attachment: bytes | None = None, **extra
) -> bool:
    with translation.override(case.language):
        subject_line = subject % {"case": case.number}
        body = render_to_string(template, _context(case, **extra))
    message = EmailMessage(
        subject=subject_line,
        body=body,
        to=[case.email],
        # Auto-Submitted keeps out-of-office replies from answering (RFC 3834).
        headers={"Content-Language": case.language, "Auto-Submitted": "auto-replied"},
    )
    if attachment is not None:
        message.attach(f"{case.number}.zip", attachment, "application/zip")
    # Not through engine.deliver(), which holds back mail to restricted addresses: these mails
    # answer the person's own request at the address they gave for it, which Art. 18(2) allows
    # (their consent), and Art. 12 requires even while their processing is restricted.
    return message.send() > 0


def _send_verification(case: PrivacyRequest) -> None:
    with translation.override(case.language):
        subject = (
            _("Your privacy request %(case)s: please confirm your e-mail address")
            if case.channel == PrivacyRequest.Channel.FORM
            else _("We have received your privacy request %(case)s")
        )
        notice = collection_notice(ACTIVITY, language=case.language)
    _to_requester(
        case,
        subject,
        "privacy/requests/emails/verify.txt",
        link=verification_link(case),
        days=LINK_MAX_AGE.days,
        notice=notice,
    )


def _send_acknowledgement(case: PrivacyRequest) -> None:
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: due by %(due)s") % {
            "case": "%(case)s",
            "due": date_format(case.due_on, "DATE_FORMAT"),
        }
    _to_requester(case, subject, "privacy/requests/emails/acknowledgement.txt")


def _send_extension(case: PrivacyRequest) -> None:
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: extended deadline")
    _to_requester(case, subject, "privacy/requests/emails/extension.txt")


def _send_reply(case: PrivacyRequest) -> None:
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: our answer")
    _to_requester(case, subject, "privacy/requests/emails/reply.txt")


def _send_refusal(case: PrivacyRequest) -> None:
    register = get_register()
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: our decision")
    _to_requester(
        case,
        subject,
        "privacy/requests/emails/refusal.txt",
        authority=register.authority.organisation.name.get(case.language),
        authority_url=register.authority.organisation.url,
    )


def _send_export(case: PrivacyRequest, archive: bytes) -> None:
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: your data")
    _to_requester(case, subject, "privacy/requests/emails/export.txt", attachment=archive)


def _send_erasure(case: PrivacyRequest, *, deleted: int, kept: list[dict]) -> None:
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: your data are erased")
    _to_requester(case, subject, "privacy/requests/emails/erasure.txt", deleted=deleted, kept=kept)


def _send_outcome(case: PrivacyRequest, template: str, **extra) -> None:
    with translation.override(case.language):
        subject = _("Your privacy request %(case)s: our answer")
    _to_requester(case, subject, template, **extra)


def _send_operator_notice(case: PrivacyRequest) -> None:
    """Only the case number in the subject; the data stay in the back office."""
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("New privacy request %(case)s") % {"case": case.number}
        body = render_to_string(
            "privacy/requests/emails/operator.txt",
            {
                "case": case,
                "kind": case.get_kind_display(),
                "due": date_format(case.due_on, "DATE_FORMAT"),
                "change_url": site_url(
                    reverse("admin:privacy_privacyrequest_change", args=[case.pk])
                ),
            },
        )
    EmailMessage(
        subject=subject,
        body=body,
        to=[get_register().privacy_email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    ).send()


def reminders_send(*, today: date | None = None) -> int:
    """Mail the privacy address the numbers of the cases due soon or overdue; nothing when none
    is. Returns how many cases the mail lists."""
    from .selectors import cases_to_remind  # reads; kept apart from the writes above

    today = today or timezone.localdate()
    cases = [
        {"number": c.number, "due_on": c.due_on, "overdue": c.due_on < today}
        for c in cases_to_remind(today=today)
    ]
    if not cases:
        return 0
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("Privacy requests due soon: %(count)d") % {"count": len(cases)}
        body = render_to_string(
            "privacy/requests/emails/reminder.txt",
            {
                "cases": cases,
                "list_url": site_url(
                    reverse("admin:privacy_privacyrequest_changelist") + "?due=soon"
                ),
            },
        )
    EmailMessage(
        subject=subject,
        body=body,
        to=[get_register().privacy_email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    ).send()
    return len(cases)
