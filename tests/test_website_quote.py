"""B.2 "Angebot anfordern": every accepted request becomes a case and is confirmed by mail through
a real SMTP server; bad input is refused with a clear message and stores nothing (R-B2-1)."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from support import free_port

from consentserve.website.models import QuoteRequest
from consentserve.website.services import quote_request_create

pytestmark = pytest.mark.req("R-B2-1")

CSRF_FAILURE_VIEW = "consentserve.website.views.csrf_failure"
VALID = {
    "contact_name": "Anna Beispiel",
    "email": "anna@beispiel.example",
    "company": "Beispiel & Söhne GmbH",
    "message": "Wir betreiben 3 Websites mit zusammen etwa 200.000 Aufrufen im Monat.",
}


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_request_opens_a_case_and_confirms_it_in_english_r_b2_1(
    client, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/quote/", VALID)
    assert response.status_code == 302
    assert response["Location"] == "/en/quote/thanks/"

    case = QuoteRequest.objects.get()
    assert (case.status, case.language, case.resolved_at) == ("open", "en", None)
    assert (case.contact_name, case.email, case.company, case.message) == tuple(VALID.values())

    [confirmation] = smtp.to(VALID["email"])
    assert confirmation["Subject"] == f"Your quote request {case.case_number}"
    assert confirmation["Content-Language"] == "en"
    assert confirmation["Auto-Submitted"] == "auto-generated"
    body = _body(confirmation)
    assert "Hello Anna Beispiel," in body
    assert case.case_number in body
    assert VALID["message"] in body
    assert VALID["company"] in body
    assert "90 days" in body  # how long it is kept
    assert "datenschutz@CONSENTserve.com" in body
    assert "\n- " in body  # each purpose on a line of its own
    # Sentences of the register were once joined with "; " after their own full stop.
    assert not re.search(r"[.!?][;,]", body)


@pytest.mark.django_db
def test_confirmation_is_in_the_requesters_language_r_b2_1(
    client, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/de/angebot/", VALID)
    assert response["Location"] == "/de/angebot/danke/"
    case = QuoteRequest.objects.get()
    assert case.language == "de"
    [confirmation] = smtp.to(VALID["email"])
    assert confirmation["Subject"] == f"Ihre Angebotsanfrage {case.case_number}"
    assert confirmation["Content-Language"] == "de"
    body = _body(confirmation)
    assert "Guten Tag Anna Beispiel," in body
    assert "vielen Dank für Ihre Anfrage" in body
    assert "90 Tage" in body
    assert "Mit freundlichen Grüßen" in body
    assert not re.search(r"[.!?][;,]", body)  # once "… beantworten.; …"


@pytest.mark.django_db
def test_operator_gets_the_case_number_and_the_back_office_link_only_r_b2_1(
    client, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/quote/", VALID)
    case = QuoteRequest.objects.get()
    [notice] = smtp.to(settings.CONSENTSERVE_OPERATOR_EMAIL)
    assert case.case_number in notice["Subject"]
    body = _body(notice)
    assert f"/backoffice/website/quoterequest/{case.pk}/change/" in body
    # The data stay in the back office; the mail is only the pointer to it.
    for value in VALID.values():
        assert value not in body


@pytest.mark.django_db
def test_no_mail_leaves_before_the_case_is_committed_r_b2_1(
    client, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/en/quote/", VALID)
    assert len(callbacks) == 1
    assert smtp.messages == []


@pytest.mark.django_db
def test_mail_server_down_keeps_the_case_and_logs_no_personal_data_r_b2_1(
    client, caplog, django_capture_on_commit_callbacks
):
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=free_port(),  # nobody listens here
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/en/quote/", VALID)
    assert response.status_code == 302
    assert QuoteRequest.objects.count() == 1
    assert "failed" in caplog.text
    for value in VALID.values():
        assert value not in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("contact_name", "Please enter your name."),
        ("email", "Please enter your e-mail address."),
        ("company", "Please enter the name of your company."),
        ("message", "Please tell us what you need."),
    ],
)
def test_each_missing_field_is_refused_with_a_clear_message_r_b2_1(client, field, error):
    response = client.post("/en/quote/", {**VALID, field: "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert "Please check your details" in html  # the summary at the top
    # The message is tied to its field for screen readers.
    widget = re.search(rf'<(?:input|textarea)[^>]*id="id_{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in widget
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', widget)
    assert f'id="id_{field}_error"' in html
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_field_errors_are_in_the_visitors_language_r_b2_1(client):
    response = client.post("/de/angebot/", {**VALID, "contact_name": "", "email": "anna@"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bitte geben Sie Ihren Namen ein." in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein" in html
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_invalid_email_is_refused_r_b2_1(client):
    response = client.post("/en/quote/", {**VALID, "email": "not-an-address"})
    assert response.status_code == 400
    assert "Please enter a valid e-mail address" in response.content.decode()
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_message_of_one_megabyte_is_refused_r_b2_1(client):
    response = client.post("/en/quote/", {**VALID, "message": "x" * 1_000_000})
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 5000 characters (it has 1000000)" in html
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_body_above_the_upload_limit_gets_the_friendly_400_page_r_b2_1(client):
    too_big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = client.post("/en/quote/", {**VALID, "message": "x" * too_big})
    assert response.status_code == 400
    assert "We could not process this request" in response.content.decode()
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
@override_settings(CSRF_FAILURE_VIEW=CSRF_FAILURE_VIEW)
def test_missing_csrf_token_is_refused_with_a_clear_page_r_b2_1():
    browser = Client(enforce_csrf_checks=True)
    browser.get("/en/quote/")  # the form sets its cookie
    response = browser.post("/en/quote/", VALID)  # but the token is not sent
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form could not be sent" in html
    assert "missing, invalid or had expired" in html
    assert 'href="/en/quote/"' in html  # how to send it again
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
@override_settings(CSRF_FAILURE_VIEW=CSRF_FAILURE_VIEW)
def test_missing_csrf_cookie_is_explained_in_german_r_b2_1_r_c1_1():
    response = Client(enforce_csrf_checks=True).post("/de/angebot/", VALID)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ihr Formular konnte nicht gesendet werden" in html
    assert "Bitte lassen Sie Cookies für diese Website zu" in html
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_form_with_its_token_is_accepted_r_b2_1(django_capture_on_commit_callbacks):
    browser = Client(enforce_csrf_checks=True)
    html = browser.get("/en/quote/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/en/quote/", {**VALID, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert QuoteRequest.objects.count() == 1


@pytest.mark.django_db
def test_pricing_plan_is_suggested_in_the_message(client):
    html = client.get("/en/quote/", {"plan": "agency"}).content.decode()
    assert "We are interested in the Agency plan." in html
    html = client.get("/en/quote/", {"plan": "<script>"}).content.decode()
    assert "We are interested" not in html


@pytest.mark.django_db
def test_form_shows_the_privacy_notice_from_the_register_r_b2_1(client):
    html = client.get("/de/angebot/").content.decode()
    assert "Art. 6 Abs. 1 lit. f DSGVO" in html
    assert "90 Tage" in html
    assert 'href="/de/datenschutz/#quote-requests"' in html
    html = client.get("/en/quote/").content.decode()
    assert "Art. 6(1)(f) GDPR" in html
    assert "90 days" in html


@pytest.mark.django_db
def test_service_validates_before_storing_r_b2_1():
    with pytest.raises(ValidationError):
        quote_request_create(**{**VALID, "email": "nope"}, language="en")
    with pytest.raises(ValidationError):
        quote_request_create(**VALID, language="fr")
    with pytest.raises(TypeError):
        quote_request_create(*VALID.values(), "en")  # keyword-only
    assert QuoteRequest.objects.count() == 0


@pytest.mark.django_db
def test_quote_requests_are_limited_per_client(client, django_capture_on_commit_callbacks):
    """The form sends mail to the address given; a client gets five cases an hour, then 429."""
    from consentserve.website.views import QUOTES_PER_HOUR

    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    url = "/en/quote/"
    with override_settings(CACHES=locmem), django_capture_on_commit_callbacks(execute=True):
        from django.core.cache import cache

        cache.clear()
        for _ in range(QUOTES_PER_HOUR):
            assert client.post(url, VALID, REMOTE_ADDR="203.0.113.20").status_code == 302
        refused = client.post(url, VALID, REMOTE_ADDR="203.0.113.20")
        other = client.post(url, VALID, REMOTE_ADDR="203.0.113.21")
    assert refused.status_code == 429
    assert b"Too many requests" in refused.content
    assert other.status_code == 302
    assert QuoteRequest.objects.count() == QUOTES_PER_HOUR + 1
