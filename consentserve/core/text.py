"""Text from the outside that is to be stored: checked to be text every database takes, before
it is queued with other people's rows.

A JSON string may hold what no database column can: a lone surrogate (`"\\ud800"` decodes to
a Python str that UTF-8 cannot encode; SQLite's driver and PostgreSQL refuse the whole
statement), NUL (PostgreSQL refuses it in text) and other control characters. Such text is
refused with the field's name. Text is stored in Unicode normal form C, so that the same
characters written two ways (a precomposed "ä" or "a" and a combining diaeresis) are one
value for the statistics and exports; the length limit applies to the normalised text.
"""

import re
import unicodedata

# C0 controls (NUL among them), DEL and the C1 controls: never part of a path, a language code
# or an identifier, and NUL is not storable in PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Unstorable(ValueError):
    """`reason` completes the sentence "The field 'x' …"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def storable(value: str, longest: int) -> str:
    """`value` in normal form C, or Unstorable: lone surrogates, control characters, or more
    than `longest` characters once normalised."""
    if value.isascii() and value.isprintable():  # the usual case, two C calls
        if len(value) > longest:
            raise Unstorable(f"must be at most {longest} characters")
        return value
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Unstorable("must be valid Unicode text (it holds a lone surrogate)") from None
        value = unicodedata.normalize("NFC", value)
    if _CONTROL.search(value):
        raise Unstorable("must not contain control characters")
    if len(value) > longest:
        raise Unstorable(f"must be at most {longest} characters")
    return value
