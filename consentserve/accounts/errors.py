"""Why an action on an organisation or its team was refused, with the HTTP status and the message
the user reads (the portal shows it on a page of its own)."""

from enum import Enum

from django.utils.translation import gettext_lazy as _


class ErrorCode(Enum):
    # A token that was never issued or whose invitation was revoked: nothing to say about it.
    INVITATION_UNKNOWN = (
        404,
        _("This invitation link is not valid. Please check that you opened the whole link."),
    )
    INVITATION_USED = (410, _("This invitation has already been accepted. It works only once."))
    INVITATION_EXPIRED = (410, _("This invitation has expired."))
    ALREADY_MEMBER = (409, _("You are already a member of this organisation."))
    NOT_ALLOWED = (403, _("Your role in this organisation does not allow this."))
    OWNER_MUST_TRANSFER = (
        409,
        _("As the owner, please transfer the ownership to another member before you leave."),
    )

    PAYMENT_DETAILS_RESTRICTED = (
        409,
        _(
            "The processing of these payment details is restricted, so they cannot be changed "
            "until the restriction ends. Please write to us."
        ),
    )

    def __init__(self, status: int, message):
        self.status = status
        self.message = message


class AccountError(Exception):
    def __init__(self, code: ErrorCode):
        super().__init__(code.name)
        self.code = code
