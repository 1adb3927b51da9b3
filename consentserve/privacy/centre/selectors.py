"""What the privacy centre shows, gathered in one place for the views."""

from dataclasses import dataclass

from ..engine import (
    AccessReport,
    ConsentEntry,
    Subject,
    access_report,
    consent_list,
    erasure_blockers,
    objection_targets,
    restriction_active,
    store_name,
)
from ..engine.objections import ObjectionTarget, objection_list
from ..models import Objection, Restriction
from ..register import get_register


@dataclass(frozen=True)
class CentreOverview:
    report: AccessReport
    consents: list[ConsentEntry]
    restriction: Restriction | None
    objections: list[Objection]
    objection_targets: list[ObjectionTarget]


def centre_overview(*, user, language: str) -> CentreOverview:
    return CentreOverview(
        report=access_report(Subject.for_user(user), language=language),
        consents=consent_list(Subject.for_user(user)),
        restriction=restriction_active(user=user),
        objections=objection_list(user=user),
        objection_targets=objection_targets(language=language),
    )


def shared_store_names(*, user) -> list[str]:
    """The data others still share with the user, which keeps the account from being deleted."""
    return [store_name(label) for label in erasure_blockers(Subject.for_user(user))]


def controller_contact() -> dict[str, str]:
    """Who answers for the processing, for every reply to a request (R-A-1)."""
    reg = get_register()
    controller = reg.controller
    return {
        "name": controller.name.de,  # a proper name, the same in both languages
        "address": f"{controller.street}, {controller.postcode} {controller.city}",
        "email": reg.privacy_email,
    }
