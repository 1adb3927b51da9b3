"""R-REG-2: `manage.py check` fails when a model holds data the register does not describe."""

import pytest
import yaml

from consentserve.privacy import checks
from consentserve.privacy.register import REGISTER_PATH, RegisterError, parse_register

pytestmark = pytest.mark.req("R-REG-2")


def _data() -> dict:
    return yaml.safe_load(REGISTER_PATH.read_text(encoding="utf-8"))


def _access_log_store(data: dict) -> dict:
    activity = next(a for a in data["activities"] if a["id"] == "access-logs")
    return activity["stores"][0]


def _check_with(monkeypatch, data: dict) -> list:
    register = parse_register(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    monkeypatch.setattr(checks, "get_register", lambda: register)
    return checks.register_describes_every_model()


def _ids(errors) -> list[tuple[str, str]]:
    return [(e.id, e.msg) for e in errors]


def test_the_register_describes_every_model_r_reg_2():
    assert checks.register_describes_every_model() == []


def test_an_undescribed_model_fails_the_check_r_reg_2(monkeypatch):
    data = _data()
    next(a for a in data["activities"] if a["id"] == "access-logs")["stores"] = []
    errors = _check_with(monkeypatch, data)
    assert _ids(errors) == [
        ("privacy.E001", "model privacy.AccessLogEntry is not described in the privacy register")
    ]


def test_an_unlabelled_field_fails_the_check_r_reg_2(monkeypatch):
    data = _data()
    del _access_log_store(data)["fields"]["referrer_url"]
    errors = _check_with(monkeypatch, data)
    assert _ids(errors) == [
        (
            "privacy.E002",
            "field privacy.AccessLogEntry.referrer_url has no data category in activity "
            "access-logs",
        )
    ]


def test_a_field_the_model_lacks_fails_the_check_r_reg_2(monkeypatch):
    data = _data()
    _access_log_store(data)["fields"]["user_agent"] = "device.user_agent"
    errors = _check_with(monkeypatch, data)
    assert _ids(errors) == [
        ("privacy.E003", "register names unknown field privacy.AccessLogEntry.user_agent")
    ]


def test_a_retention_rule_on_an_unknown_field_fails_the_check_r_reg_2(monkeypatch):
    data = _data()
    _access_log_store(data)["trigger"] = "seen_at"
    errors = _check_with(monkeypatch, data)
    assert [e.id for e in errors] == ["privacy.E004"]


def test_a_model_that_does_not_exist_fails_the_check_r_reg_2(monkeypatch):
    data = _data()
    data["non_personal"]["website.Brochure"] = "gone"
    errors = _check_with(monkeypatch, data)
    assert _ids(errors) == [
        ("privacy.E005", "register names a model that does not exist: website.brochure")
    ]


def test_an_invalid_register_fails_the_check_r_reg_2(monkeypatch):
    def broken():
        raise RegisterError("activity access-logs: needs a retention rule")

    monkeypatch.setattr(checks, "get_register", broken)
    (error,) = checks.register_describes_every_model()
    assert error.id == "privacy.E000"
    assert "needs a retention rule" in error.msg
