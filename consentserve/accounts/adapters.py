from allauth.mfa.adapter import DefaultMFAAdapter

from consentserve.core.crypto import decrypt, encrypt


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted under the same keys as payment
    details, so a database dump alone cannot generate anyone's second factor (R-G-3)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
