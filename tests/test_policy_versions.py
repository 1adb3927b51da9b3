"""R-REG-4: published versions of the privacy policy are immutable, dated and hashed; the page
shows the version in force and every earlier version exactly as it was published."""

import hashlib
from datetime import timedelta

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from consentserve.privacy import policy
from consentserve.privacy.models import PolicyVersion
from consentserve.privacy.policy import policy_publish, policy_versions
from consentserve.privacy.register import REGISTER_PATH, get_register, parse_register

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-REG-4")]

CHANGED_TEXT = "Wir löschen die Zugriffsdaten spätestens 7 Tage nach dem Zugriff."


def _publish(*args) -> None:
    call_command("privacy_publish_policy", *args)


def _change_register(monkeypatch):
    """The register with one sentence of B.1 changed, as the policy module sees it."""
    data = yaml.safe_load(REGISTER_PATH.read_text(encoding="utf-8"))
    activity = next(a for a in data["activities"] if a["id"] == "access-logs")
    activity["retention"]["description"]["de"] = CHANGED_TEXT
    changed = parse_register(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    monkeypatch.setattr(policy, "get_register", lambda: changed)
    return changed


def _url(language: str, number: int | None = None) -> str:
    with translation.override(language):
        if number is None:
            return reverse("website:privacy")
        return reverse("website:privacy-version", kwargs={"number": number})


def test_publishing_stores_a_dated_hashed_version_r_reg_4(capsys):
    _publish()
    version = PolicyVersion.objects.get()
    assert version.number == 1
    assert version.effective_from == timezone.localdate()
    assert version.register_sha256 == get_register().sha256
    expected = hashlib.sha256((version.html_de + "\0" + version.html_en).encode()).hexdigest()
    assert version.content_sha256 == expected
    assert "Published version 1" in capsys.readouterr().out


def test_publishing_again_without_a_change_creates_no_version_r_reg_4(capsys):
    _publish()
    _publish()
    assert PolicyVersion.objects.count() == 1
    assert "Unchanged" in capsys.readouterr().out


def test_a_changed_register_creates_version_2_and_keeps_version_1_r_reg_4(monkeypatch):
    _publish()
    first = PolicyVersion.objects.get(number=1)
    _change_register(monkeypatch)
    _publish()
    second = PolicyVersion.objects.get(number=2)
    assert CHANGED_TEXT in second.html_de
    assert CHANGED_TEXT not in first.html_de
    assert second.register_sha256 != first.register_sha256
    assert PolicyVersion.objects.get(number=1).html_de == first.html_de


def test_an_earlier_version_stays_viewable_exactly_as_published_r_reg_4(client, monkeypatch):
    _publish()
    first = PolicyVersion.objects.get(number=1)
    _change_register(monkeypatch)
    _publish()
    for language in ("de", "en"):
        response = client.get(_url(language, 1))
        assert response.status_code == 200
        assert first.html(language) in response.content.decode()
    current = client.get(_url("de")).content.decode()
    assert CHANGED_TEXT in current
    assert f'href="{_url("de", 1)}"' in current


def test_a_future_version_is_announced_and_not_yet_in_force_r_reg_4(client, monkeypatch):
    _publish()
    _change_register(monkeypatch)
    start = timezone.localdate() + timedelta(days=14)
    _publish("--effective-from", start.isoformat())
    assert [v.status for v in policy_versions()] == ["upcoming", "current"]
    page = client.get(_url("de")).content.decode()
    assert "Version 1, gültig seit dem" in page
    assert "Version 2 gilt ab dem" in page
    assert CHANGED_TEXT not in page


def test_an_effective_date_in_the_past_is_refused_r_reg_4():
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(CommandError, match="cannot take effect in the past"):
        _publish("--effective-from", yesterday.isoformat())
    assert not PolicyVersion.objects.exists()


def test_versions_know_when_they_were_replaced_r_reg_4(monkeypatch):
    policy_publish()
    _change_register(monkeypatch)
    policy_publish()
    newest, oldest = policy_versions()
    assert (newest.number, newest.status) == (2, "current")
    assert (oldest.number, oldest.status) == (1, "earlier")
    assert oldest.replaced_on == newest.effective_from


def test_a_published_version_refuses_update_r_reg_4():
    version, _created = policy_publish()
    version.html_de = "geändert"
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        PolicyVersion.objects.filter(pk=version.pk).update(html_de="geändert")


def test_a_published_version_refuses_delete_r_reg_4():
    version, _created = policy_publish()
    with pytest.raises(PermissionError):
        version.delete()
    assert PolicyVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.parametrize(
    ("language", "title", "line"),
    [
        ("de", "Datenschutzerklärung", "Version 1, gültig seit dem"),
        ("en", "Privacy policy", "Version 1, in force since"),
    ],
)
def test_the_policy_page_answers_in_both_languages_r_reg_3_r_reg_4(client, language, title, line):
    response = client.get(_url(language))
    assert response.status_code == 200
    page = response.content.decode()
    version = PolicyVersion.objects.get()
    assert '<article class="policy">' in page
    assert f"<h1>{title}</h1>" in page
    assert line in page
    assert version.content_sha256 in page
    assert version.html(language) in page


def test_an_unknown_version_is_not_found_r_reg_4(client):
    assert client.get(_url("de", 99)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_database_refuses_raw_update_r_reg_4():
    from django.db import DatabaseError, connection

    version, _created = policy_publish()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE privacy_policyversion SET html_de = 'changed' WHERE id = %s", [version.pk]
        )
    version.refresh_from_db()
    assert version.html_de != "changed"


def test_bulk_delete_is_refused_r_reg_4():
    policy_publish()
    with pytest.raises(PermissionError):
        PolicyVersion.objects.all().delete()
    assert PolicyVersion.objects.count() == 1
