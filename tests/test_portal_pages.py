"""The portal pages (B.3): every page in German and English, what each shows, the header link
into the portal, the team table's htmx fragments and the number of queries of the busiest
pages. Personal data of members are shown only inside their own organisation (R-B3-2, seed D)."""

import re

import pytest
from django.test import Client
from test_portal_factories import make_customer, make_member, make_organisation, make_user

from consentserve.accounts.models import Membership
from consentserve.installations.models import Installation

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]
Role = Membership.Role

PAGES = {
    "": ("Dashboard", "Übersicht"),
    "installations/": ("No installations yet.", "Noch keine Installationen."),
    "team/": ("Team", "Team"),
    "account/": ("Your account", "Ihr Konto"),
    "payment/": ("Payment details", "Zahlungsdaten"),
    "invoices/": ("No invoices yet.", "Noch keine Rechnungen."),
    "team/transfer/": ("Transfer ownership", "Inhaberschaft übertragen"),
}


@pytest.fixture
def a():
    return make_customer("a", "Alpha GmbH")


def client_of(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_page_in_both_languages(a, language):
    client = client_of(a.owner)
    for path, texts in PAGES.items():
        response = client.get(f"/{language}/portal/o/{a.organisation.pk}/{path}")
        assert response.status_code == 200, path
        text = response.content.decode()
        assert f'<html lang="{language}">' in text
        assert text.count("<h1") == 1, path
        assert texts[language == "de"] in text, path
        # Portal pages hold personal data: no cache keeps them.
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_navigation_offers_every_section_and_marks_the_current_one(a):
    text = client_of(a.owner).get(f"/en/portal/o/{a.organisation.pk}/team/").content.decode()
    base = f"/en/portal/o/{a.organisation.pk}/"
    for href in ("", "installations/", "team/", "account/", "payment/", "invoices/"):
        assert f'href="{base}{href}"' in text, href
    assert 'href="/en/portal/privacy/"' in text
    assert f'<a href="{base}team/" aria-current="page">Team</a>' in text
    assert 'action="/en/account/logout/"' in text


def test_dashboard_sums_up_the_organisation(a):
    text = client_of(a.admin).get(f"/en/portal/o/{a.organisation.pk}/").content.decode()
    assert "Alpha GmbH" in text
    assert "Hauptstraße 1" in text
    assert re.search(r'portal-stat">3</p>\s*<p>members', text)
    assert re.search(r'portal-stat">1</p>\s*<p>open invitation', text)
    assert "Your role: Admin" in text


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1</p>\\s*<p>installation ·", "2</p>\\s*<p>installations ·"),
        ("de", "1</p>\\s*<p>Installation ·", "2</p>\\s*<p>Installationen ·"),
    ],
)
def test_dashboard_counts_the_installations(a, language, one, two):
    """The count was once a fixed 0 in the template."""
    client = client_of(a.viewer)
    url = f"/{language}/portal/o/{a.organisation.pk}/"
    assert re.search(r'portal-stat">0</p>', client.get(url).content.decode())
    Installation.objects.create(organisation=a.organisation, name="Shop")
    assert re.search('portal-stat">' + one, client.get(url).content.decode())
    Installation.objects.create(organisation=a.organisation, name="Blog")
    other = make_customer("b", "Beta AG")
    Installation.objects.create(organisation=other.organisation, name="Elsewhere")
    assert re.search('portal-stat">' + two, client.get(url).content.decode())


def test_switcher_lists_only_the_users_organisations(a):
    b = make_customer("b", "Beta AG")
    make_member(b.organisation, a.viewer.user, Role.VIEWER)
    make_organisation("Gamma KG")
    text = client_of(a.viewer).get(f"/en/portal/o/{b.organisation.pk}/").content.decode()
    assert f'href="/en/portal/o/{a.organisation.pk}/"' in text
    assert "Beta AG" in text
    assert "Gamma KG" not in text


def test_team_shows_names_and_addresses_of_this_organisation_only_r_b3_2(a):
    b = make_customer("b", "Beta AG")
    text = client_of(a.viewer).get(f"/en/portal/o/{a.organisation.pk}/team/").content.decode()
    for member in (a.owner, a.admin, a.viewer):
        assert member.user.email in text
        assert member.user.get_full_name() in text
    for member in (b.owner, b.admin, b.viewer):
        assert member.user.email not in text
        assert member.user.get_full_name() not in text


def test_a_member_whose_processing_is_restricted_is_not_named_r_f_18(a):
    a.viewer.user.restricted = True
    a.viewer.user.save()
    text = client_of(a.owner).get(f"/en/portal/o/{a.organisation.pk}/team/").content.decode()
    assert "Member (data restricted)" in text
    assert "viewer@a.example" not in text
    assert "Viewer Alpha GmbH" not in text


def test_payment_details_are_masked_r_g_3(a):
    text = client_of(a.owner).get(f"/en/portal/o/{a.organisation.pk}/payment/").content.decode()
    assert "DE89 **** **** 3000" in text
    assert "DE89370400440532013000" not in text
    assert "Alpha GmbH Holder" in text
    assert "COBADEFFXXX" in text
    assert "CS-A" in text


def test_payment_details_restricted_or_missing_are_not_shown(a):
    client = client_of(a.owner)
    a.mandate.restricted = True
    a.mandate.save()
    text = client.get(f"/en/portal/o/{a.organisation.pk}/payment/").content.decode()
    assert "processing of these payment details is restricted" in text
    assert "Alpha GmbH Holder" not in text
    a.mandate.delete()
    text = client.get(f"/en/portal/o/{a.organisation.pk}/payment/").content.decode()
    assert "No SEPA direct-debit mandate is on file." in text


def test_account_page_shows_the_user_and_links_to_sign_in_security(a):
    text = client_of(a.viewer).get(f"/en/portal/o/{a.organisation.pk}/account/").content.decode()
    assert "Viewer Alpha GmbH" in text
    assert "viewer@a.example" in text
    for href in ("/en/account/email/", "/en/account/password/change/", "/en/account/2fa/"):
        assert f'href="{href}"' in text


def test_header_offers_sign_in_or_the_portal(a):
    assert 'href="/en/account/login/">Sign in</a>' in Client().get("/en/").content.decode()
    assert 'href="/de/account/login/">Anmelden</a>' in Client().get("/de/").content.decode()
    text = client_of(a.viewer).get("/en/").content.decode()
    assert 'href="/en/portal/">Portal</a>' in text


def test_entry_page_without_organisation_says_so():
    client = Client()
    client.force_login(make_user("lonely@example.net"))
    response = client.get("/de/portal/")
    assert response.status_code == 200
    assert "Sie gehören noch keiner Organisation an" in response.content.decode()


def test_role_change_through_htmx_returns_the_row_and_an_announcement(a):
    response = client_of(a.owner).post(
        f"/en/portal/o/{a.organisation.pk}/team/{a.viewer.pk}/role/",
        {"role": "admin"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith(f'<tr id="member-{a.viewer.pk}">')
    assert (
        '<div id="team-status" hx-swap-oob="innerHTML"><p>Viewer Alpha GmbH is now Admin.' in text
    )
    assert "<html" not in text
    assert "HX-Request" in response["Vary"]
    a.viewer.refresh_from_db()
    assert a.viewer.role == "admin"


def test_invalid_role_through_htmx_is_shown_in_the_row(a):
    response = client_of(a.admin).post(
        f"/en/portal/o/{a.organisation.pk}/team/{a.viewer.pk}/role/",
        {"role": "owner"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert text.startswith(f'<tr id="member-{a.viewer.pk}">')
    assert "Please choose one of the roles offered." in text
    assert 'aria-invalid="true"' in text


def test_dashboard_query_count_is_pinned(a, django_assert_max_num_queries):
    client = client_of(a.owner)
    # session, user, membership, the switcher's memberships, three counts, and whether the
    # operator's own banner is published (it is shown on portal pages too)
    with django_assert_max_num_queries(8):
        assert client.get(f"/en/portal/o/{a.organisation.pk}/").status_code == 200


def test_team_query_count_does_not_grow_with_the_team(a, django_assert_max_num_queries):
    for number in range(20):
        make_member(a.organisation, make_user(f"member{number}@a.example"), Role.VIEWER)
    client = client_of(a.owner)
    # session, user, membership, the switcher's memberships, members with users, invitations,
    # the operator banner's newest version
    with django_assert_max_num_queries(7):
        assert client.get(f"/en/portal/o/{a.organisation.pk}/team/").status_code == 200


MANDATE = {
    "account_holder": "Alpha GmbH",
    "iban": "DE02 1203 0000 0000 2020 51",
    "bic": "",
    "mandate_authorised": "on",
}


def test_owner_replaces_the_mandate_with_a_new_reference_r_b3_1(a):
    client = client_of(a.owner)
    replace = f"/en/portal/o/{a.organisation.pk}/payment/replace/"
    page = client.get(replace)
    assert page.status_code == 200
    assert "The new mandate replaces mandate CS-A." in page.content.decode()
    response = client.post(replace, MANDATE)
    assert response.status_code == 302
    assert response["Location"] == f"/en/portal/o/{a.organisation.pk}/payment/"
    a.mandate.refresh_from_db()
    assert a.mandate.iban == "DE02120300000000202051"
    assert a.mandate.reference != "CS-A"
    text = client.get(response["Location"]).content.decode()
    assert "DE02 **** **** 2051" in text
    assert a.mandate.reference in text


def test_a_wrong_iban_is_explained_and_changes_nothing_r_b3_1(a):
    client = client_of(a.owner)
    response = client.post(
        f"/en/portal/o/{a.organisation.pk}/payment/replace/",
        MANDATE | {"iban": "DE00 1234"},
    )
    assert response.status_code == 422
    assert "This is not a valid IBAN." in response.content.decode()
    a.mandate.refresh_from_db()
    assert a.mandate.reference == "CS-A"


def test_only_the_owner_replaces_the_mandate_r_b3_2(a):
    response = client_of(a.admin).post(
        f"/en/portal/o/{a.organisation.pk}/payment/replace/", MANDATE
    )
    assert response.status_code == 403
    text = client_of(a.admin).get(f"/en/portal/o/{a.organisation.pk}/payment/").content
    assert b"payment/replace/" not in text
    a.mandate.refresh_from_db()
    assert a.mandate.reference == "CS-A"


def test_restricted_payment_details_are_not_replaced_r_f_18(a):
    a.mandate.restricted = True
    a.mandate.save()
    client = client_of(a.owner)
    response = client.post(f"/en/portal/o/{a.organisation.pk}/payment/replace/", MANDATE)
    assert response.status_code == 409
    assert "restricted" in response.content.decode()
    a.mandate.refresh_from_db()
    assert a.mandate.reference == "CS-A"


def test_invalid_role_without_htmx_is_shown_in_the_members_row(a):
    response = client_of(a.admin).post(
        f"/en/portal/o/{a.organisation.pk}/team/{a.viewer.pk}/role/", {"role": "owner"}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert text.count("Please choose one of the roles offered.") == 1
    assert f'aria-describedby="role-error-{a.viewer.pk}"' in text
