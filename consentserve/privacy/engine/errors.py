"""Why the engine refuses a request; the privacy centre turns the code into a message."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_CONFIRMED = "not_confirmed"  # the password given does not confirm the request
    SHARED_DATA = "shared_data"
    ALREADY_RESTRICTED = "already_restricted"
    NOT_RESTRICTED = "not_restricted"
    NOTICE_FAILED = "notice_failed"
    UNKNOWN_ACTIVITY = "unknown_activity"
    NO_OBJECTION_RIGHT = "no_objection_right"
    REASON_REQUIRED = "reason_required"
    NOT_FOUND = "not_found"
    NAME_INVALID = "name_invalid"


class PrivacyRequestError(Exception):
    """A request the engine cannot carry out as asked; nothing has been changed."""

    def __init__(self, code: ErrorCode, detail: str = "", *, stores: tuple[str, ...] = ()):
        super().__init__(detail or code.value)
        self.code = code
        self.stores = stores  # for SHARED_DATA: the stores whose rows others share
