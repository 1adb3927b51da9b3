"""Settings for the test suite: the base settings with fast hashing and a drained-by-hand log."""

import os

os.environ.setdefault("CONSENTSERVE_ENV", "test")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CONSENTSERVE_ACCESS_LOG = "manual"
HUEY = {**HUEY, "immediate": True}  # noqa: F405
# Links in mails point here (core.site_url); the test client's host, so tests can follow them.
CONSENTSERVE_SITE_URL = "http://testserver"
