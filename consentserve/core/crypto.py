"""Encryption at rest for the few fields that need it (payment details, R-G-3).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys from the environment
(`CONSENTSERVE_ENCRYPTION_KEYS`, comma-separated, newest first, so keys can be rotated: the
first encrypts, all decrypt). A database dump alone does not reveal an IBAN.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = settings.CONSENTSERVE_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("CONSENTSERVE_ENCRYPTION_KEYS is not set")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a stored value cannot be decrypted with the configured keys"
        ) from exc


class EncryptedCharField(models.TextField):
    """A text column that holds the Fernet token; Python sees the plain value."""

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)
