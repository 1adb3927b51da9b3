"""`check --deploy` warns while the imprint lacks a fact § 5 DDG requires (register court and
number, managing director, VAT ID): the imprint leaves out what is not configured, so without
the warning nobody notices."""

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from consentserve.privacy.register import REGISTER_PATH, parse_register
from consentserve.website import checks

FACTS = {
    "register_court": "Amtsgericht Bad Hersfeld",
    "register_number": "HRB 1234",
    "managing_directors": ["Erika Muster"],
    "vat_id": "DE123456789",
}


def _with_controller(monkeypatch, **changes):
    data = yaml.safe_load(REGISTER_PATH.read_text(encoding="utf-8"))
    data["controller"].update(changes)
    register = parse_register(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    monkeypatch.setattr(checks, "get_register", lambda: register)


def test_every_missing_fact_is_named(monkeypatch):
    _with_controller(monkeypatch, **{key: None for key in FACTS})
    [warning] = checks.imprint_is_complete()
    assert warning.id == "website.W001"
    for words in ("register court", "register number", "managing director", "VAT"):
        assert words in warning.msg


def test_one_missing_fact_is_enough_to_warn(monkeypatch):
    _with_controller(monkeypatch, **(FACTS | {"vat_id": ""}))
    [warning] = checks.imprint_is_complete()
    assert "VAT identification number" in warning.msg
    assert "register court" not in warning.msg


def test_a_complete_imprint_passes(monkeypatch):
    _with_controller(monkeypatch, **FACTS)
    assert checks.imprint_is_complete() == []


def test_the_warning_is_part_of_check_deploy(monkeypatch):
    _with_controller(monkeypatch, register_court=None)
    with pytest.raises(SystemCheckError, match=r"website\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "imprint")
