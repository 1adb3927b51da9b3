from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.urls import reverse

from consentserve.core.crypto import decrypt, encrypt
from consentserve.core.site_url import rebased

from .invitee import AFTER_VERIFICATION, safe_next
from .staff_audit import record_failed_password


class AccountAdapter(DefaultAccountAdapter):
    """allauth builds the links in its mails from the request's host; ours point to the
    configured site address, like every other mail (core.site_url). Failed sign-ins count per
    account and client network."""

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

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """Failed sign-ins are counted per account *and* client network (the address truncated
        as allauth's per-address limit does): a stranger who guesses wrong five times locks
        only themselves out, not the account's owner, while one network still gets only five
        guesses per account. The per-address limit (`login_failed`, `…/ip`) stays on top."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{ratelimit.get_ip(request)}"

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        """A wrong password for a staff account is audited (by account id only)."""
        super().authentication_failed(request, **credentials)
        record_failed_password(credentials)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under the same keys as payment
    details, so a database dump alone cannot generate anyone's second factor (R-G-3)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
