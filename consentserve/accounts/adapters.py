from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from consentserve.core.crypto import decrypt, encrypt
from consentserve.core.site_url import rebased


class AccountAdapter(DefaultAccountAdapter):
    """allauth builds the links in its mails from the request's host; ours point to the
    configured site address, like every other mail (core.site_url)."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            key: rebased(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        super().send_mail(template_prefix, email, context)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under the same keys as payment
    details, so a database dump alone cannot generate anyone's second factor (R-G-3)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
