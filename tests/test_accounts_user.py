"""Users sign in with their e-mail address; there is no separate user name."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from support import with_second_factor

pytestmark = pytest.mark.django_db


def test_user_signs_in_with_email():
    user = get_user_model().objects.create_user("Erika@Example.COM", "a-long-passphrase")
    assert user.email == "Erika@example.com"  # the domain part is case-insensitive
    assert not user.is_staff
    assert authenticate(email="Erika@example.com", password="a-long-passphrase") == user
    assert authenticate(email="Erika@example.com", password="wrong") is None


def test_email_is_required_and_unique():
    users = get_user_model().objects
    with pytest.raises(ValueError, match="e-mail"):
        users.create_user("", "x")
    users.create_user("staff@example.com", "x")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        users.create_user("staff@example.com", "y")


def test_superuser_reaches_the_back_office(client):
    with_second_factor(
        get_user_model().objects.create_superuser("boss@example.com", "a-long-passphrase")
    )
    assert client.login(email="boss@example.com", password="a-long-passphrase")
    assert client.get("/backoffice/").status_code == 200
