"""The privacy centre under /<lang>/portal/privacy/ (R-F-15…R-F-21, R-B3-6, R-B3-8)."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from test_privacy_engine_world import PASSWORD, build_world, hold

from consentserve.accounts.models import OptionalConsent, Organisation
from consentserve.privacy.models import Objection, Restriction

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.req("R-B3-6", "R-B3-8", "R-F-15", "R-F-16/17", "R-F-18", "R-F-20", "R-F-21"),
]
User = get_user_model()


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def mara(world, client):
    client.force_login(world.mara.user)
    return client


def url(name: str, language: str = "de") -> str:
    with translation.override(language):
        return reverse(f"privacy-centre:{name}")


def test_the_centre_needs_a_signed_in_user(client):
    for name in ("overview", "export-json", "export-zip", "delete"):
        response = client.get(url(name))
        assert response.status_code == 302
        assert "/account/login/" in response["Location"]


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Datenschutz-Center", "Ihre Daten", "Zwecke", "Empfänger", "Konto löschen"]),
        ("en", ["Privacy centre", "Your data", "Purposes", "Recipients", "Delete your account"]),
    ],
)
def test_overview_shows_my_data_by_activity_in_both_languages_r_f_15(mara, language, texts):
    response = mara.get(url("overview", language))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    for text in texts:
        assert text in page
    assert "Nebelung Design" in page
    assert "Ostwind Media" not in page  # Olaf's organisation is not hers
    assert "olaf.ostermann@example.org" not in page
    assert page.count("<h1") == 1


def test_downloads_are_json_and_a_zip_of_csv_files_r_f_20(mara):
    response = mara.get(url("export-json"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="consentserve-my-data-')
    assert json.loads(response.content)["subject_email"] == "mara.nebelung@example.org"
    response = mara.get(url("export-zip"))
    assert response["Content-Type"] == "application/zip"
    assert "fields.csv" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_name_is_corrected_through_the_centre_r_b3_7(mara, world):
    response = mara.post(url("name"), {"first_name": "Marah", "last_name": "Nebelung-Ost"})
    assert response.status_code == 302
    user = User.objects.get(pk=world.mara.user.pk)
    assert (user.first_name, user.last_name) == ("Marah", "Nebelung-Ost")


def test_a_name_that_is_too_long_is_refused_and_nothing_changes_r_b3_7(mara, world):
    response = mara.post(url("name"), {"first_name": "M" * 151, "last_name": "X"})
    assert response.status_code == 400
    assert User.objects.get(pk=world.mara.user.pk).first_name == "Mara"


def test_restrict_and_lift_with_a_notice_first_r_f_18(mara, world):
    response = mara.post(url("restrict"), {"reason": "disputed_accuracy", "note": "Name falsch"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.mara.user.pk).restricted
    assert "nur noch" in mara.get(url("overview")).content.decode()
    assert mara.post(url("restrict"), {"reason": "unlawful"}).status_code == 409
    response = mara.post(url("lift"))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["mara.nebelung@example.org"]]
    assert not User.objects.get(pk=world.mara.user.pk).restricted
    assert mara.post(url("lift")).status_code == 409


def test_an_unknown_restriction_reason_is_refused_r_f_18(mara, world):
    response = mara.post(url("restrict"), {"reason": "because"})
    assert response.status_code == 400
    assert not Restriction.objects.exists()
    assert not User.objects.get(pk=world.mara.user.pk).restricted


def test_objection_to_direct_marketing_withdraws_consents_r_f_21(mara, world):
    response = mara.post(url("object"), {"target": "direct-marketing", "reason": ""})
    assert response.status_code == 302
    assert not OptionalConsent.objects.filter(user=world.mara.user, withdrawn_at=None).exists()
    assert Objection.objects.get().decision == "granted"


def test_objection_without_grounds_or_to_an_unknown_target_changes_nothing_r_f_21(mara):
    assert mara.post(url("object"), {"target": "access-logs", "reason": ""}).status_code == 400
    assert mara.post(url("object"), {"target": "nonsense", "reason": "x"}).status_code == 400
    assert not Objection.objects.exists()
    response = mara.post(url("object"), {"target": "access-logs", "reason": "Bitte nicht."})
    assert response.status_code == 302
    assert Objection.objects.get().decision == "pending"


def test_withdraw_each_consent_with_one_action_r_b3_8(mara, world):
    response = mara.post(
        url("withdraw"),
        {"store": "accounts.OptionalConsent", "consent": world.mara.newsletter.pk},
    )
    assert response.status_code == 302
    world.mara.newsletter.refresh_from_db()
    assert world.mara.newsletter.withdrawn_at is not None
    page = mara.get(url("overview")).content.decode()
    assert page.count('name="consent"') == 1  # only the other consent can still be withdrawn


def test_withdrawing_someone_elses_consent_is_not_found_r_b3_8(mara, world):
    response = mara.post(
        url("withdraw"),
        {"store": "accounts.OptionalConsent", "consent": world.olaf.newsletter.pk},
    )
    assert response.status_code == 404
    assert mara.post(url("withdraw"), {}).status_code == 400
    assert not OptionalConsent.objects.exclude(withdrawn_at=None).exists()


def test_actions_need_post(mara):
    for name in ("name", "restrict", "lift", "object", "withdraw"):
        assert mara.get(url(name)).status_code == 405
    assert mara.post(url("export-json")).status_code == 405


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.mara.user)
    for name, data in (
        ("delete", {"password": PASSWORD}),
        ("restrict", {"reason": "unlawful"}),
        ("withdraw", {"store": "accounts.OptionalConsent", "consent": world.mara.newsletter.pk}),
    ):
        assert client.post(url(name), data).status_code == 403
    assert User.objects.filter(pk=world.mara.user.pk, restricted=False).exists()
    assert not OptionalConsent.objects.exclude(withdrawn_at=None).exists()


def test_delete_with_a_wrong_password_deletes_nothing_r_b3_6(mara, world):
    assert mara.get(url("delete")).status_code == 200
    response = mara.post(url("delete"), {"password": "wrong-password"})
    assert response.status_code == 400
    assert "Passwort ist nicht korrekt" in response.content.decode()
    assert mara.post(url("delete"), {}).status_code == 400
    assert User.objects.filter(pk=world.mara.user.pk).exists()


def test_delete_my_account_signs_out_and_says_what_was_kept_r_b3_6(mara, world):
    hold(world.mara.organisation, basis="§ 257 Abs. 1 Nr. 4 HGB; § 147 Abs. 1 Nr. 4 AO")
    response = mara.post(url("delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == url("deleted")
    assert not User.objects.filter(pk=world.mara.user.pk).exists()
    page = mara.get(response["Location"]).content.decode()
    assert "Art. 17 Abs. 3 lit. b DSGVO" in page
    assert "§ 257 Abs. 1 Nr. 4 HGB" in page
    assert "Organisationen (1)" in page
    # Signed out: the centre asks for a sign-in again, and the answer is shown only once.
    assert mara.get(url("overview")).status_code == 302
    assert mara.get(url("deleted")).status_code == 302
    assert Organisation.objects.get(pk=world.mara.organisation.pk).restricted


def test_an_owner_with_other_members_is_asked_to_transfer_first_r_b3_6(world, client):
    client.force_login(world.olaf.user)
    page = client.get(url("delete", "en")).content.decode()
    assert "Transfer the ownership" in page
    response = client.post(url("delete", "en"), {"password": PASSWORD})
    assert response.status_code == 409
    assert User.objects.filter(pk=world.olaf.user.pk).exists()
