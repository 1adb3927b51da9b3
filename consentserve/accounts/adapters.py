from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from consentserve.core.crypto import decrypt, encrypt


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under the same keys as payment
    details, so a database dump alone cannot generate anyone's second factor (R-G-3)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """Failed sign-ins are counted per account *and* client network (the address truncated
        as allauth's per-address limit does): a stranger who guesses wrong five times locks
        only themselves out, not the account's owner, while one network still gets only five
        guesses per account. The per-address limit (`login_failed`, `…/ip`) stays on top."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{ratelimit.get_ip(request)}"
