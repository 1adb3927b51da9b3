"""API key secrets: how they look, how they are hashed. Nothing here touches the database."""

import hashlib
import secrets

SECRET_PREFIX = "cs_"  # noqa: S105 - the public marker of a key, not a secret
SECRET_BYTES = 30  # 40 URL-safe characters after the prefix
PREFIX_LENGTH = 8  # the characters after "cs_" the portal shows to tell keys apart


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def secret_digest(secret: str) -> str:
    """SHA-256 is enough: the secret has 240 random bits, so no slow hash is needed against
    guessing, and the lookup stays one indexed query per request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_prefix(secret: str) -> str:
    return secret.removeprefix(SECRET_PREFIX)[:PREFIX_LENGTH]


def looks_like_secret(value: str) -> bool:
    """Cheap shape check before a database lookup: `cs_` and at most 100 characters."""
    return value.startswith(SECRET_PREFIX) and len(value) <= 100
