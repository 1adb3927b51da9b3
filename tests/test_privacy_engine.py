"""The privacy engine: find, copy, restrict and erase one person's data in every store
(R-F-15, R-F-16/17, R-F-18, R-F-20, R-F-21, R-B3-6, R-B3-8, seed D)."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from test_privacy_engine_world import PASSWORD, build_world, hold, traces

from consentserve.accounts.models import Membership, OptionalConsent, Organisation
from consentserve.billing.models import SepaMandate
from consentserve.privacy import checks, engine
from consentserve.privacy.engine import (
    ErrorCode,
    PrivacyRequestError,
    Subject,
    access_report,
    adapters,
    erase,
)
from consentserve.privacy.engine.adapters import is_secret
from consentserve.privacy.engine.mail import MailPurpose, deliver, send_to_subject
from consentserve.privacy.models import DeferredErasure, Objection, Restriction
from consentserve.privacy.register import REGISTER_PATH, get_register, parse_register
from consentserve.website.models import QuoteRequest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.req("R-B3-6", "R-B3-8", "R-F-15", "R-F-16/17", "R-F-18", "R-F-20", "R-F-21"),
]


@pytest.fixture
def world():
    return build_world()


def _copy(user) -> dict[str, list[dict]]:
    report = access_report(Subject.for_user(user), language="en")
    return {s.store: list(s.rows) for a in report.activities for s in a.stores}


# --- access and portability (R-F-15, R-F-20) --------------------------------------------------


def test_copy_holds_every_field_the_register_attributes_to_the_subject_r_f_15(world):
    copy = _copy(world.mara.user)
    for adapter in adapters():
        rows = copy[adapter.label]
        for row in rows:
            expected = {
                name
                for name, category in adapter.store.fields.items()
                if not is_secret(category) and name not in adapter.store.withhold
            }
            assert set(row) == expected, adapter.label
    mara = world.mara
    assert copy["accounts.User"] == [
        {
            **copy["accounts.User"][0],
            "first_name": "Mara",
            "last_name": "Nebelung",
            "email": "mara.nebelung@example.org",
        }
    ]
    assert len(copy["accounts.Membership"]) == 2  # her own organisation and Olaf's
    assert [o["name"] for o in copy["accounts.Organisation"]] == ["Nebelung Design"]
    # Encrypted at rest, decrypted in the copy.
    assert copy["billing.SepaMandate"][0]["iban"] == mara.mandate.iban
    assert {c["purpose"] for c in copy["accounts.OptionalConsent"]} == {
        "newsletter",
        "product_updates",
    }
    assert copy["website.QuoteRequest"][0]["message"] == "Angebot für Nebelung, bitte."
    assert copy["accounts.Invitation"][0]["email"] == "mara.nebelung@example.org"
    assert len(copy["account.EmailAddress"]) == 1
    assert len(copy["mfa.Authenticator"]) == 1


def test_copy_never_holds_secrets_only_names_them_r_f_15(world):
    report = access_report(Subject.for_user(world.mara.user), language="en")
    stores = {s.store: s for a in report.activities for s in a.stores}
    user_fields = {f.name: f for f in stores["accounts.User"].fields}
    assert not user_fields["password"].exported
    assert "password" not in stores["accounts.User"].rows[0]
    assert "data" not in stores["mfa.Authenticator"].rows[0]
    text = engine.report_json(report).decode()
    assert "SECRETNEBELUNG" not in text
    assert world.mara.user.password not in text


def test_copy_holds_nothing_of_anybody_else_seed_d_r_b3_2(world):
    report = access_report(Subject.for_user(world.mara.user), language="de")
    text = engine.report_json(report).decode() + engine.report_zip(report).decode("latin-1")
    for other in (world.olaf, world.xaver):
        for needle in (other.user.email, other.user.last_name, other.organisation.name):
            assert needle not in text
        assert other.mandate.iban not in text
    assert "someone.else@example.org" not in text
    # Olaf invited Mara: the invitation is hers, who sent it is not.
    invitation = _copy(world.mara.user)["accounts.Invitation"][0]
    assert invitation["invited_by"] is None
    # A member who does not own the organisation gets neither it nor its mandate.
    assert [o["name"] for o in _copy(world.mara.user)["accounts.Organisation"]] == [
        "Nebelung Design"
    ]
    mandates = [m["reference"] for m in _copy(world.mara.user)["billing.SepaMandate"]]
    assert mandates == ["CS-NEBELUNG"]


def test_report_names_purposes_bases_recipients_retention_source_and_rights_r_f_15(world):
    report = access_report(Subject.for_user(world.mara.user), language="de")
    registration = next(a for a in report.activities if a.id == "customer-registration")
    assert "Art. 6 Abs. 1 lit. b DSGVO" in registration.legal_bases[0]
    assert any("Zahlungsdienstleister" in r for r in registration.recipients)
    assert "12 Monate" in registration.retention
    assert registration.source.startswith("Sie selbst")
    assert any("Art. 15 DSGVO" in r for r in registration.rights)
    assert report.controller["name"] == "Multimedia Internet Services GmbH"
    assert report.privacy_email == "datenschutz@CONSENTserve.com"
    # The access log cannot be tied to an account; the report says how to ask for it.
    assert [u.id for u in report.unlinked][0] == "access-logs"


def test_json_and_csv_zip_are_utf8_with_a_field_dictionary_r_f_20(world):
    report = access_report(Subject.for_user(world.mara.user), language="en")
    data = json.loads(engine.report_json(report).decode("utf-8"))
    assert data["subject_email"] == "mara.nebelung@example.org"
    archive = zipfile.ZipFile(io.BytesIO(engine.report_zip(report)))
    names = set(archive.namelist())
    assert {"accounts.User.csv", "billing.SepaMandate.csv", "fields.csv"} <= names
    quote = list(csv.DictReader(io.StringIO(archive.read("website.QuoteRequest.csv").decode())))
    assert quote[0]["message"] == "Angebot für Nebelung, bitte."
    dictionary = list(csv.DictReader(io.StringIO(archive.read("fields.csv").decode("utf-8"))))
    password = next(r for r in dictionary if r["field"] == "password")
    assert (password["data_category"], password["included"]) == ("user.credentials", "secret")
    iban = next(r for r in dictionary if r["field"] == "iban")
    assert (iban["file"], iban["included"]) == ("billing.SepaMandate.csv", "yes")


def test_signed_in_sessions_are_found_by_the_user_inside_them(world, client):
    client.force_login(world.mara.user)
    assert len(_copy(world.mara.user)["sessions.Session"]) == 1
    assert _copy(world.olaf.user)["sessions.Session"] == []


# --- restriction (R-F-18) ---------------------------------------------------------------------


def test_restriction_flags_the_subjects_rows_and_not_the_organisation_of_others_r_f_18(world):
    engine.restriction_request(user=world.mara.user, reason=Restriction.Reason.DISPUTED_ACCURACY)
    mara = get_user_model().objects.get(pk=world.mara.user.pk)
    assert mara.restricted
    assert Organisation.objects.get(pk=world.mara.organisation.pk).restricted
    assert SepaMandate.objects.get(pk=world.mara.mandate.pk).restricted
    assert QuoteRequest.objects.get(email=mara.email).restricted
    assert not Organisation.objects.get(pk=world.olaf.organisation.pk).restricted
    assert not get_user_model().objects.get(pk=world.olaf.user.pk).restricted
    with pytest.raises(PrivacyRequestError) as refused:
        engine.restriction_request(user=mara, reason=Restriction.Reason.LEGAL_CLAIMS)
    assert refused.value.code is ErrorCode.ALREADY_RESTRICTED


def test_restriction_blocks_mail_to_the_subject_r_f_18(world):
    engine.restriction_request(user=world.mara.user, reason=Restriction.Reason.UNLAWFUL)
    assert not send_to_subject(world.mara.user, subject="News", body="Hello")
    assert not send_to_subject("MARA.nebelung@example.org", subject="News", body="Hello")
    assert send_to_subject(world.olaf.user, subject="News", body="Hello")
    message = EmailMessage(
        subject="News",
        body="Hello",
        to=["Mara <mara.nebelung@example.org>", "olaf.ostermann@example.org"],
    )
    assert deliver(message)
    assert [m.to for m in mail.outbox] == [["olaf.ostermann@example.org"]] * 2


def test_restriction_excludes_rows_from_processing_r_f_18(world):
    engine.restriction_request(user=world.mara.user, reason=Restriction.Reason.LEGAL_CLAIMS)
    users = engine.processing_rows(store="accounts.User")
    assert {u["email"] for u in users} == {
        "olaf.ostermann@example.org",
        "xaver.fremdling@example.org",
    }
    memberships = engine.exclude_restricted(Membership.objects.all())
    assert world.mara.user.pk not in {m.user_id for m in memberships}
    consents = engine.exclude_restricted(OptionalConsent.objects.all())
    assert world.mara.newsletter not in consents
    assert world.olaf.newsletter in consents
    quotes = engine.exclude_restricted(QuoteRequest.objects.all())
    assert quotes.count() == 2
    assert engine.is_restricted(world.mara.newsletter)
    assert not engine.is_restricted(world.olaf.newsletter)
    assert "password" not in users[0]


def test_lifting_tells_the_subject_first_then_lifts_r_f_18(world, monkeypatch):
    from consentserve.privacy.engine import restriction as module

    engine.restriction_request(user=world.mara.user, reason=Restriction.Reason.DISPUTED_ACCURACY)
    held = hold(world.mara.organisation)
    seen = []
    original = module.send_to_subject

    def watching(user, **kwargs):
        seen.append(get_user_model().objects.get(pk=user.pk).restricted)
        return original(user, **kwargs)

    monkeypatch.setattr(module, "send_to_subject", watching)
    engine.restriction_lift(user=world.mara.user)
    assert seen == [True]  # the notice left while the restriction was still in force
    assert mail.outbox[0].to == ["mara.nebelung@example.org"]
    assert "Art. 18" in mail.outbox[0].body
    assert not get_user_model().objects.get(pk=world.mara.user.pk).restricted
    # The held organisation stays restricted; the lifted restriction is recorded.
    assert Organisation.objects.get(pk=held.object_id).restricted
    restriction = Restriction.objects.get(user=world.mara.user)
    assert restriction.notice_sent_at is not None
    assert restriction.lifted_at is not None


def test_lifting_without_a_notice_lifts_nothing_r_f_18(world, monkeypatch):
    from consentserve.privacy.engine import restriction as module

    engine.restriction_request(user=world.mara.user, reason=Restriction.Reason.DISPUTED_ACCURACY)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(module, "send_to_subject", broken)
    with pytest.raises(PrivacyRequestError) as refused:
        engine.restriction_lift(user=world.mara.user)
    assert refused.value.code is ErrorCode.NOTICE_FAILED
    assert get_user_model().objects.get(pk=world.mara.user.pk).restricted
    assert engine.restriction_active(user=world.mara.user) is not None


def test_the_lift_notice_is_the_only_mail_a_restricted_user_gets_r_f_18(world):
    engine.restriction_request(user=world.mara.user, reason=Restriction.Reason.UNLAWFUL)
    assert send_to_subject(
        world.mara.user,
        subject="Notice",
        body="Lifting",
        purpose=MailPurpose.RESTRICTION_LIFT_NOTICE,
    )
    assert len(mail.outbox) == 1


# --- objection and withdrawal (R-F-21, R-B3-8) ------------------------------------------------


def test_objection_to_direct_marketing_is_granted_at_once_r_f_21(world):
    objection = engine.objection_lodge(user=world.mara.user, target=engine.DIRECT_MARKETING)
    assert (objection.kind, objection.decision) == ("direct_marketing", "granted")
    assert objection.decided_at is not None
    for consent in (world.mara.newsletter, world.mara.updates):
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None
    world.olaf.newsletter.refresh_from_db()
    assert world.olaf.newsletter.withdrawn_at is None


@pytest.mark.req("R-F-21", "R-B1-7")
def test_objection_to_access_logs_waits_for_review_r_f_21_r_b1_7(world):
    with pytest.raises(PrivacyRequestError) as refused:
        engine.objection_lodge(user=world.mara.user, target="access-logs", reason=" ")
    assert refused.value.code is ErrorCode.REASON_REQUIRED
    objection = engine.objection_lodge(
        user=world.mara.user, target="access-logs", reason="Ich werde verfolgt."
    )
    assert (objection.activity, objection.decision, objection.decided_at) == (
        "access-logs",
        "pending",
        None,
    )


def test_objection_to_unknown_or_unobjectable_processing_is_refused_r_f_21(world):
    for target, code in (
        ("no-such-activity", ErrorCode.UNKNOWN_ACTIVITY),
        ("customer-registration", ErrorCode.NO_OBJECTION_RIGHT),
    ):
        with pytest.raises(PrivacyRequestError) as refused:
            engine.objection_lodge(user=world.mara.user, target=target, reason="weil")
        assert refused.value.code is code
    assert not Objection.objects.exists()


def test_each_consent_is_withdrawn_with_one_action_r_b3_8(world):
    subject = Subject.for_user(world.mara.user)
    assert engine.consent_withdraw(
        subject, store="accounts.OptionalConsent", pk=str(world.mara.newsletter.pk)
    )
    world.mara.newsletter.refresh_from_db()
    world.mara.updates.refresh_from_db()
    assert world.mara.newsletter.withdrawn_at is not None
    assert world.mara.updates.withdrawn_at is None
    with translation.override("en"):
        entries = {e.purpose: e.active for e in engine.consent_list(subject)}
    assert entries == {"newsletter": False, "product updates by e-mail": True}


def test_another_persons_consent_cannot_be_withdrawn_r_b3_8(world):
    subject = Subject.for_user(world.mara.user)
    for store, pk in (
        ("accounts.OptionalConsent", str(world.olaf.newsletter.pk)),
        ("accounts.OptionalConsent", "not-a-number"),
        ("accounts.User", str(world.mara.user.pk)),
    ):
        with pytest.raises(PrivacyRequestError) as refused:
            engine.consent_withdraw(subject, store=store, pk=pk)
        assert refused.value.code is ErrorCode.NOT_FOUND
    world.olaf.newsletter.refresh_from_db()
    assert world.olaf.newsletter.withdrawn_at is None


# --- erasure (R-B3-6, R-F-16/17) --------------------------------------------------------------


def _needles(person) -> list[str]:
    user = person.user
    return [user.email, user.last_name, f"{user.first_name} {user.last_name}"]


def test_erasure_leaves_no_trace_of_the_subject_in_any_table_r_b3_6(world, client):
    client.force_login(world.mara.user)
    mara = world.mara
    report = engine.account_erase(user=mara.user, password=PASSWORD)
    assert report.kept == []
    assert traces(user_id=mara.user.pk, needles=_needles(mara)) == []
    assert not Session.objects.exists()  # signed out on every device
    # Her own organisation went with her, Olaf's and Xaver's did not.
    assert not Organisation.objects.filter(pk=mara.organisation.pk).exists()
    assert Organisation.objects.filter(pk=world.olaf.organisation.pk).exists()
    for other in (world.olaf, world.xaver):
        assert traces(user_id=other.user.pk, needles=_needles(other))
        assert SepaMandate.objects.filter(pk=other.mandate.pk).exists()
    deleted = {s.store: s.deleted for s in report.stores}
    assert deleted["accounts.User"] == 1
    assert deleted["accounts.Membership"] == 2


def test_erasure_asks_for_the_password_and_changes_nothing_without_it_r_b3_6(world):
    for wrong in ("", "not-my-password"):
        with pytest.raises(PrivacyRequestError) as refused:
            engine.account_erase(user=world.mara.user, password=wrong)
        assert refused.value.code is ErrorCode.NOT_CONFIRMED
    assert get_user_model().objects.filter(pk=world.mara.user.pk).exists()


def test_an_owner_with_other_members_must_transfer_first_r_b3_6(world):
    olaf = world.olaf
    assert engine.erasure_blockers(Subject.for_user(olaf.user)) == (
        "accounts.Organisation",
        "billing.SepaMandate",
    )
    with pytest.raises(PrivacyRequestError) as refused:
        engine.account_erase(user=olaf.user, password=PASSWORD)
    assert refused.value.code is ErrorCode.SHARED_DATA
    assert refused.value.stores == ("accounts.Organisation", "billing.SepaMandate")
    assert get_user_model().objects.filter(pk=olaf.user.pk).exists()
    assert QuoteRequest.objects.filter(email=olaf.user.email).exists()


def test_held_records_are_kept_minimised_and_restricted_and_the_reply_says_until_when_r_b3_6(
    world,
):
    mara = world.mara
    until = timezone.now() + timedelta(days=3000)
    hold(mara.organisation, expires_at=until, basis="§ 257 Abs. 1 Nr. 4 HGB; § 147 AO")
    report = engine.account_erase(user=mara.user, password=PASSWORD)
    [(store, kept)] = report.kept
    assert store == "accounts.Organisation"
    assert (kept.count, kept.kind, kept.article, kept.until, kept.direct) == (
        1,
        "statutory",
        "17(3)(b)",
        until,
        True,
    )
    assert kept.legal_basis == "§ 257 Abs. 1 Nr. 4 HGB; § 147 AO"
    organisation = Organisation.objects.get(pk=mara.organisation.pk)
    assert organisation.restricted
    assert organisation.vat_id == ""
    assert organisation.name == "Nebelung Design"  # on the held invoices
    assert DeferredErasure.objects.count() == 1
    allowed = {("accounts.Organisation", organisation.pk)}
    assert traces(user_id=mara.user.pk, needles=_needles(mara), allowed=allowed) == []


def test_a_hold_on_a_dependent_row_keeps_its_parents_r_e_3(world):
    mara = world.mara
    hold(mara.mandate, kind="litigation", basis="chargeback dispute")
    report = engine.erase(Subject.for_user(mara.user))
    kept = dict(report.kept)
    assert kept["billing.SepaMandate"].direct
    assert kept["accounts.Organisation"].article == "17(3)(e)"
    assert not kept["accounts.Organisation"].direct
    mandate = SepaMandate.objects.get(pk=mara.mandate.pk)
    assert mandate.restricted
    assert mandate.iban == mara.mandate.iban
    assert not get_user_model().objects.filter(pk=mara.user.pk).exists()


def test_a_held_user_row_can_no_longer_sign_in_r_b3_5(world, client):
    mara = world.mara
    hold(mara.user, kind="litigation", basis="claim of 2026")
    erase(Subject.for_user(mara.user))
    user = get_user_model().objects.get(pk=mara.user.pk)
    assert user.restricted
    assert not user.is_active
    assert not user.check_password(PASSWORD)
    assert user.last_login is None
    assert not client.login(email=user.email, password=PASSWORD)
    assert not user.emailaddress_set.exists()
    assert not Membership.objects.filter(user=user).exists()


def test_every_store_with_personal_data_can_be_tied_to_a_person():
    for _activity, store in get_register().stores():
        personal = set(store.fields.values()) - {"none"}
        assert store.subject is not None or not personal, store.model


# --- the register gate ------------------------------------------------------------------------


def _check_with(monkeypatch, change) -> list[tuple[str, str]]:
    data = yaml.safe_load(REGISTER_PATH.read_text(encoding="utf-8"))
    stores = {s["model"]: s for a in data["activities"] for s in a.get("stores") or []}
    change(stores)
    register = parse_register(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    monkeypatch.setattr(checks, "get_register", lambda: register)
    return [(e.id, e.msg) for e in checks.register_describes_every_model()]


def test_a_store_with_personal_data_but_no_subject_path_fails_the_check_r_reg_2(monkeypatch):
    errors = _check_with(monkeypatch, lambda s: s["website.QuoteRequest"].pop("subject"))
    assert errors == [
        (
            "privacy.E006",
            "store website.QuoteRequest of activity quote-requests holds personal data but has "
            "no subject path",
        )
    ]


def test_a_subject_path_that_leads_nowhere_fails_the_check_r_reg_2(monkeypatch):
    def change(stores):
        stores["accounts.Membership"]["subject"] = {"user": "organisation"}
        stores["accounts.Invitation"]["subject"] = {"email": "mail"}
        stores["sessions.Session"]["subject"] = {"adapter": "nobody"}
        stores["accounts.Organisation"]["subject"]["when"] = {"memberships__rank": "owner"}

    errors = _check_with(monkeypatch, change)
    assert sorted(code for code, _msg in errors) == [
        "privacy.E007",
        "privacy.E007",
        "privacy.E007",
        "privacy.E008",
    ]


def test_a_rule_over_all_related_rows_needs_a_to_many_path_r_reg_2(monkeypatch):
    def change(stores):
        stores["accounts.Membership"]["trigger_all"] = True

    assert [code for code, _msg in _check_with(monkeypatch, change)] == ["privacy.E009"]


def test_an_owner_restricts_their_own_data_not_an_organisation_shared_with_others_r_f_18(world):
    engine.restriction_request(user=world.olaf.user, reason=Restriction.Reason.LEGAL_CLAIMS)
    assert get_user_model().objects.get(pk=world.olaf.user.pk).restricted
    assert not Organisation.objects.get(pk=world.olaf.organisation.pk).restricted
    assert world.olaf.organisation in engine.exclude_restricted(Organisation.objects.all())
