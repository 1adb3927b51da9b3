from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from consentserve.core.crypto import decrypt, encrypt
from consentserve.core.site_url import rebased

from .invitee import AFTER_VERIFICATION, safe_next


class AccountAdapter(DefaultAccountAdapter):
    """allauth builds the links in its mails from the request's host; ours point to the
    configured site address, like every other mail (core.site_url)."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            key: rebased(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        super().send_mail(template_prefix, email, context)

    def get_email_verification_redirect_url(self, email_address) -> str:
        """Back to where the sign-up started (an invitation link), through the sign-in when the
        newcomer is not signed in: `next` survives the confirmation of the address."""
        after = safe_next(self.request, self.request.session.pop(AFTER_VERIFICATION, None))
        if after is None:
            return super().get_email_verification_redirect_url(email_address)
        if self.request.user.is_authenticated:
            return after
        return reverse("account_login") + "?" + urlencode({"next": after})


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under the same keys as payment
    details, so a database dump alone cannot generate anyone's second factor (R-G-3)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
