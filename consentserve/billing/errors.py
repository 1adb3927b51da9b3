"""Why a billing action was refused, with the HTTP status and the message the user reads."""

from enum import Enum

from django.utils.translation import gettext_lazy as _


class ErrorCode(Enum):
    NOT_ALLOWED = (403, _("Only the owner or an admin of the organisation can change the plan."))
    UNKNOWN_PLAN = (400, _("There is no such plan. Please choose one of the plans listed."))
    TOO_MANY_INSTALLATIONS = (
        409,
        _(
            "This plan includes fewer installations than your organisation has. Please remove "
            "installations first or choose a larger plan."
        ),
    )
    RESTRICTED = (
        409,
        _("The processing of this organisation's data is restricted, so nothing can be changed."),
    )
    INVALID_AMOUNT = (
        400,
        _(
            "The amount must be a positive number of cents and at most what is left to credit "
            "on the invoice."
        ),
    )
    NOT_AN_INVOICE = (409, _("Only an invoice can be corrected by a credit note."))
    NOTHING_TO_CREDIT = (409, _("This invoice has already been credited in full."))
    REASON_REQUIRED = (400, _("Please give the reason for the correction."))

    NOTHING_TO_COLLECT = (400, _("Please choose at least one invoice with an amount to collect."))
    COLLECTION_DATE = (
        400,
        _("The collection date must lie at least one day ahead: the bank needs the file before."),
    )
    NO_MANDATE = (
        409,
        _("There is no usable SEPA direct-debit mandate for this invoice's customer."),
    )
    MANDATE_CHANGED = (
        409,
        _(
            "The customer's bank details changed after this invoice was issued: it names another "
            "mandate than the current one. Please check the invoice before collecting it."
        ),
    )
    ALREADY_COLLECTED = (409, _("This invoice is already being collected or has been paid."))
    NOT_PENDING = (
        409,
        _("Only a direct debit sent to the bank can be marked received or returned."),
    )
    RETURN_REASON = (
        400,
        _("Please give the return reason as the bank's four-character code, e.g. MD06 or AC04."),
    )

    def __init__(self, status: int, message):
        self.status = status
        self.message = message


class BillingError(Exception):
    def __init__(self, code: ErrorCode, *, subject: str = ""):
        super().__init__(code.name)
        self.code = code
        self.subject = subject  # e.g. the invoice number the refusal is about

    @property
    def message(self) -> str:
        return f"{self.subject}: {self.code.message}" if self.subject else str(self.code.message)
