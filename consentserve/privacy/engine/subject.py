"""The data subject whose rights the engine serves."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """A person, known by their account and/or an e-mail address.

    Only the account's sign-in address counts as theirs: allauth verifies it before the first
    sign-in and before it becomes primary, while a secondary address may still be unconfirmed
    and belong to somebody else.
    """

    user_id: int | None = None
    email: str = ""

    @classmethod
    def for_user(cls, user) -> "Subject":
        return cls(user_id=user.pk, email=user.email or "")

    @classmethod
    def for_email(cls, email: str) -> "Subject":
        return cls(email=email.strip())
