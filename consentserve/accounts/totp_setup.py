"""Setting up TOTP without its secret in the session in clear. allauth keeps the new secret in
the session between showing the QR code and checking the first code; sessions are stored in
the database (and in backups), so a dump would give every pending secret. This form keeps it
encrypted under the keys of consentserve.core.crypto instead, and allauth's own session key is
never written (MFA_FORMS["activate_totp"])."""

from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django import forms
from django.core.exceptions import ImproperlyConfigured

from consentserve.core.crypto import decrypt, encrypt

SESSION_KEY = "accounts.totp_setup"


def pending_secret(session, *, regenerate: bool) -> str:
    stored = None if regenerate else session.get(SESSION_KEY)
    if stored:
        try:
            return decrypt(stored)
        except ImproperlyConfigured:
            pass  # encrypted under a key since retired: the set-up starts with a new secret
    secret = generate_totp_secret()
    session[SESSION_KEY] = encrypt(secret)
    return secret


class EncryptedSecretActivateTOTPForm(ActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        self.user = kwargs.pop("user")
        # allauth's __init__ would put the secret into the session in clear: skipped.
        forms.Form.__init__(self, *args, **kwargs)
        self.secret = pending_secret(context.request.session, regenerate=not self.is_bound)

    def clean_code(self) -> str:
        code = super().clean_code()
        # The right code: allauth activates `self.secret` next; the session needs it no longer.
        context.request.session.pop(SESSION_KEY, None)
        return code
