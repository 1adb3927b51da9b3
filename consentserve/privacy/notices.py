"""The privacy notice shown where personal data are collected (Art. 13), for any activity of
the register, so that every form says what the privacy policy says."""

from dataclasses import dataclass

from .register import get_register


@dataclass(frozen=True)
class CollectionNotice:
    data_categories: tuple[str, ...]
    purposes: tuple[str, ...]
    bases: tuple[str, ...]  # each citation with what it covers, or the interest pursued
    retention: str
    privacy_email: str
    policy_anchor: str  # the activity's section in the rendered policy


def collection_notice(activity_id: str, *, language: str) -> CollectionNotice:
    register = get_register()
    activity = register.activity(activity_id)
    bases = []
    for basis in activity.bases:
        citation = register.legal_bases[basis.article].citation.get(language)
        if basis.scope:
            bases.append(f"{citation} {basis.scope.get(language)}")
        elif basis.interest:
            bases.append(f"{citation}. {basis.interest.get(language)}")
        else:
            bases.append(citation)
    return CollectionNotice(
        data_categories=tuple(text.get(language) for text in activity.data_categories),
        purposes=tuple(text.get(language) for text in activity.purposes),
        bases=tuple(bases),
        retention=activity.retention.description.get(language),
        privacy_email=register.privacy_email,
        policy_anchor=activity.id,
    )
