"""Reads of the website app."""

import re

from consentserve.privacy.register import get_register


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
