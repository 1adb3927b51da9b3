"""Issue 21: the back office is CONSENTserve's, and complete in German. Staff sign in (German)
and walk the admin index and every list; no English word from the stock admin or the apps'
own names may show."""

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Words that appear in the English back office and have no place in the German one (stock
# Django admin, allauth, and this project's own app and model names).
ENGLISH = [
    "Accounts",
    "Account",
    "Analytics",
    "Audit entries",
    "Authenticators",
    "Authenticator",
    "Billing",
    "Collector",
    "Privacy",
    "PRIVACY",
    "Installations",
    "Email addresses",
    "Email address",
    "Users",
    "Groups",
    "Recent actions",
    "My actions",
    "Site administration",
    "Django administration",
    "Django-Verwaltung",
    "Django",
    "View site",
    "Log out",
    "Change password",
    "Reset password",
    "Add",
    "Change",
    "Delete",
    "Search",
    "Action",
    "Go",
    "Choose",
    "Select",
    "Invoices",
    "Requests",
    "Sessions",
    "User",
    "Type",
    "Created at",
    "Last used at",
    "Email",
    "email",
    "Verified",
    "Primary",
    "Can add",
    "Can change",
    "Can view",
    "Raw passwords",
    "After you’ve created",
]


def visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return " ".join(unescape(text).split())


def english_words(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


def _german_staff_client(client, admin_user):
    # Lists with a row, so that their columns and values are checked too (admin_user has its
    # second factor already).
    EmailAddress.objects.create(
        user=admin_user, email=admin_user.email, verified=True, primary=True
    )
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    return client


def test_the_back_office_is_branded_consentserve(client, admin_user):
    client = _german_staff_client(client, admin_user)
    page = client.get("/backoffice/").content.decode()
    assert "<title>Übersicht | CONSENTserve Backoffice</title>" in page
    assert "CONSENTserve Backoffice" in visible_text(page)
    assert "Django" not in page.split("<body", 1)[1]
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.cookies.clear()
    client.force_login(admin_user)
    page = client.get("/backoffice/").content.decode()
    assert "<title>Overview | CONSENTserve back office</title>" in page


def test_no_english_word_on_the_german_index_and_lists(client, admin_user):
    client = _german_staff_client(client, admin_user)
    pages = ["/backoffice/"] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    # The pages of a staff member and a role, with the choices of roles and permissions.
    role = Group.objects.get(name="Privacy officer")
    pages += [
        f"/backoffice/accounts/user/{admin_user.pk}/change/",
        "/backoffice/accounts/user/add/",
        f"/backoffice/auth/group/{role.pk}/change/",
    ]
    found = {}
    for path in pages:
        response = client.get(path, follow=True)  # some lists lead to their own page
        assert response.status_code == 200, path
        assert '<html lang="de"' in response.content.decode(), path
        words = english_words(visible_text(response.content.decode()))
        if words:
            found[path] = words
    assert found == {}
    role_page = visible_text(
        client.get(f"/backoffice/auth/group/{role.pk}/change/").content.decode()
    )
    assert "Gruppe ändern Datenschutzbeauftragte" in role_page


def test_the_word_list_finds_english():
    """The check itself: it finds the stock admin's English, and passes German."""
    assert english_words("Website-Verwaltung PRIVACY Authenticators Gruppen") == [
        "Authenticators",
        "PRIVACY",
    ]
    assert english_words("Benutzer Gruppen Datenschutz Abrechnung Konten") == []
