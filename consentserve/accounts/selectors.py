"""Reads of the accounts app."""

from dataclasses import dataclass

from consentserve.privacy.register import get_register

REGISTRATION_ACTIVITY = "customer-registration"


@dataclass(frozen=True)
class RegistrationNotice:
    """What the registration page tells the customer at the moment of collection (Art. 13),
    taken from the register so that it never drifts apart from the privacy policy."""

    purposes: tuple[str, ...]
    bases: tuple[str, ...]  # each citation with what it covers
    retention: str
    privacy_email: str
    policy_anchor: str


def registration_notice(*, language: str) -> RegistrationNotice:
    register = get_register()
    activity = register.activity(REGISTRATION_ACTIVITY)
    bases = []
    for basis in activity.bases:
        citation = register.legal_bases[basis.article].citation.get(language)
        bases.append(f"{citation} {basis.scope.get(language)}" if basis.scope else citation)
    return RegistrationNotice(
        purposes=tuple(text.get(language) for text in activity.purposes),
        bases=tuple(bases),
        retention=activity.retention.description.get(language),
        privacy_email=register.privacy_email,
        policy_anchor=activity.id,
    )
