"""Reads of the website app."""

import re
from dataclasses import dataclass

from consentserve.privacy.register import get_register

QUOTE_ACTIVITY = "quote-requests"


@dataclass(frozen=True)
class PrivacyNotice:
    """What the quote form and its confirmation tell the sender, taken from the register so the
    two never drift apart from the privacy policy."""

    data_categories: tuple[str, ...]
    purposes: tuple[str, ...]
    basis: str
    interest: str
    retention: str
    privacy_email: str
    policy_anchor: str


def quote_privacy_notice(*, language: str) -> PrivacyNotice:
    register = get_register()
    activity = register.activity(QUOTE_ACTIVITY)
    return PrivacyNotice(
        data_categories=tuple(text.get(language) for text in activity.data_categories),
        purposes=tuple(text.get(language) for text in activity.purposes),
        basis=register.legal_bases[activity.basis].citation.get(language),
        interest=activity.interest.get(language),
        retention=activity.retention.description.get(language),
        privacy_email=register.data["controller"]["privacy_email"],
        policy_anchor=activity.id,
    )


def phone_uri(phone: str) -> str:
    """ "+49 (0) 6626 …" as a link phones can dial: the trunk prefix (0) is not dialled from
    abroad."""
    return "tel:" + re.sub(r"[^\d+]", "", phone.replace("(0)", ""))


def controller(*, language: str) -> dict:
    """The controller as the imprint shows it, with {de, en} texts in the given language. Legal
    details appear only once the register has them, never guessed."""
    data = {
        key: value.get(language) if isinstance(value, dict) else value
        for key, value in get_register().data["controller"].items()
    }
    directors = data.get("managing_directors")
    if isinstance(directors, str):
        data["managing_directors"] = [directors]
    return data
