"""G: the breach runbook names the authority the register names, its deadline and what a
notification must contain, so a change of the register or of the law's numbers shows here."""

import re
from pathlib import Path

import pytest

from consentserve.privacy.register import get_register

RUNBOOK = Path(__file__).resolve().parent.parent / "docs" / "breach-runbook.md"

pytestmark = pytest.mark.req("R-G-5")


def text() -> str:
    return " ".join(RUNBOOK.read_text(encoding="utf-8").split())


def test_the_runbook_names_the_registers_supervisory_authority():
    authority = get_register().authority.organisation
    runbook = text()
    for part in (authority.name.de, authority.street, f"{authority.postcode} {authority.city}"):
        assert part in runbook
    assert authority.url in runbook


def test_the_runbook_sets_the_72_hour_deadline_from_awareness():
    runbook = text()
    assert "within 72 hours" in runbook
    assert "Art. 33(1) GDPR" in runbook
    assert "By hour 72" in runbook
    # The steps count from hour 0, the moment of awareness, and nothing is due after hour 72
    # except the phased additions and the documentation.
    hours = [int(h) for h in re.findall(r"\bhours? (\d+)\b", runbook, flags=re.IGNORECASE)]
    assert hours
    assert max(hours) == 72


def test_the_runbook_lists_what_a_notification_contains_and_when_people_are_told():
    runbook = text()
    for item in ("(a) the nature of the breach", "(b) the name and contact details", "(c)", "(d)"):
        assert item in runbook
    assert "Art. 33(3)" in runbook
    assert "Art. 33(4)" in runbook  # phases instead of waiting for completeness
    assert "Art. 33(5)" in runbook  # every breach documented, notified or not
    assert "Art. 34" in runbook
