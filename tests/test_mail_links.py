"""Every mail's links are absolute and under the one configured site address
(CONSENTSERVE_SITE_URL, core.site_url), whatever host the request that caused the mail named:
the staff notice of a quote request once carried a bare path, and sign-up mails used the
request's host while privacy-request mails used the setting."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from test_portal_factories import make_customer
from test_website_quote import VALID

from consentserve.core.site_url import rebased, site_url

pytestmark = pytest.mark.django_db
SITE = "https://consent.example.com"
# A path standing alone where a link belongs: at the start of a line or after a space.
BARE_PATH = re.compile(r"(?:^|\s)(/[a-z][\w\-/]*/)", re.M)
LINK = re.compile(r"https?://[^\s/]+")


def links_of(body: str) -> list[str]:
    assert BARE_PATH.findall(body) == []
    return LINK.findall(body)


def test_site_url_joins_paths_and_rebases_urls():
    with override_settings(CONSENTSERVE_SITE_URL=SITE + "/"):
        assert site_url("/en/") == SITE + "/en/"
        assert rebased("http://internal:8000/a/b/?c=1#d") == SITE + "/a/b/?c=1#d"
        with pytest.raises(ValueError, match="starts with"):
            site_url("en/")


@override_settings(CONSENTSERVE_SITE_URL=SITE)
def test_staff_notice_of_a_quote_request_links_absolutely(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_HOST="localhost").post("/en/quote/", VALID)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert set(links_of(message.body)) <= {SITE}
    notice = mail.outbox[1].body
    assert re.search(re.escape(SITE) + r"/backoffice/website/quoterequest/\d+/change/", notice)


@override_settings(CONSENTSERVE_SITE_URL=SITE)
def test_account_mails_link_to_the_site_not_the_requests_host():
    customer = make_customer("a", "Alpha GmbH")
    client = Client(HTTP_HOST="localhost")
    client.post("/en/account/password/reset/", {"email": customer.owner.user.email})
    client.post(
        "/en/account/signup/",
        {"email": customer.viewer.user.email, "password1": "x", "password2": "x"},
    )
    assert mail.outbox, "no mail was sent"
    for message in mail.outbox:
        links = links_of(message.body)
        assert links, message.subject
        assert set(links) == {SITE}, message.subject


@override_settings(CONSENTSERVE_SITE_URL=SITE)
def test_invitation_links_to_the_site(django_capture_on_commit_callbacks):
    customer = make_customer("a", "Alpha GmbH")
    client = Client(HTTP_HOST="localhost")
    client.force_login(customer.owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/portal/o/{customer.organisation.pk}/team/invite/",
            {"email": "colleague@example.org", "role": "viewer"},
        )
    [message] = mail.outbox
    assert set(links_of(message.body)) == {SITE}
