"""R-C2-3: `manage.py privacy_check_ga4` reads the GA4 property through the Admin API and fails
unless it keeps what the policy's section C.2 promises. A real HTTP server on loopback plays the
Admin API, so the requests, headers and errors are the real ones."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from support import free_port

from consentserve.privacy import ga4_admin
from consentserve.privacy.management.commands.privacy_check_ga4 import Command

pytestmark = pytest.mark.req("R-C2-3")

TOKEN = "ya29.test-access-token-0123456789"
MEASUREMENT_ID = "G-ABC123XYZ"
PROPERTY = "123456789"
ACCOUNT = "987654"


def _good_routes() -> dict:
    return {
        f"/v1beta/properties/{PROPERTY}/dataRetentionSettings": {
            "name": f"properties/{PROPERTY}/dataRetentionSettings",
            "eventDataRetention": "TWO_MONTHS",
            "userDataRetention": "TWO_MONTHS",
        },
        f"/v1alpha/properties/{PROPERTY}/googleSignalsSettings": {
            "name": f"properties/{PROPERTY}/googleSignalsSettings",
            "state": "GOOGLE_SIGNALS_DISABLED",
            "consent": "GOOGLE_SIGNALS_CONSENT_CONSENTED",
        },
        f"/v1beta/properties/{PROPERTY}/dataStreams": {
            "dataStreams": [
                {
                    "name": f"properties/{PROPERTY}/dataStreams/1",
                    "type": "ANDROID_APP_DATA_STREAM",
                    "displayName": "App",
                    "androidAppStreamData": {"packageName": "com.example"},
                },
                {
                    "name": f"properties/{PROPERTY}/dataStreams/2",
                    "type": "WEB_DATA_STREAM",
                    "displayName": "consentserve.com",
                    "webStreamData": {
                        "measurementId": MEASUREMENT_ID,
                        "defaultUri": "https://consentserve.com",
                    },
                },
            ]
        },
        # Proto3 JSON leaves out the booleans that are false.
        f"/v1beta/accounts/{ACCOUNT}/dataSharingSettings": {
            "name": f"accounts/{ACCOUNT}/dataSharingSettings",
            "sharingWithGoogleSupportEnabled": True,
        },
    }


class AdminApiHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        server = self.server
        url = urlsplit(self.path)
        server.requests.append((url.path, parse_qs(url.query), self.headers.get("Authorization")))
        if server.delay:
            time.sleep(server.delay)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._json(
                401, _error(401, "UNAUTHENTICATED", "Request had invalid credentials.")
            )
        answer = server.routes.get(url.path)
        if answer is None:
            return self._json(404, _error(404, "NOT_FOUND", "Requested entity was not found."))
        if isinstance(answer, tuple):  # (status, body bytes, extra headers)
            status, body, headers = answer
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        if callable(answer):
            answer = answer(parse_qs(url.query))
        return self._json(200, answer)

    def _json(self, status: int, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


@pytest.fixture(scope="module")
def _server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AdminApiHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=2)


@pytest.fixture
def api(_server):
    """The fake Admin API with a well-kept property, and settings that point at it."""
    _server.routes = _good_routes()
    _server.requests = []
    _server.delay = 0
    with override_settings(
        CONSENTSERVE_GA4_MEASUREMENT_ID=MEASUREMENT_ID,
        CONSENTSERVE_GA4_PROPERTY=PROPERTY,
        CONSENTSERVE_GA4_ACCOUNT=ACCOUNT,
        CONSENTSERVE_GA4_ADMIN_API=f"http://127.0.0.1:{_server.server_port}",
        CONSENTSERVE_GA4_ADMIN_TOKEN=TOKEN,
    ):
        yield _server


def _run(*args) -> str:
    out = StringIO()
    call_command("privacy_check_ga4", *args, stdout=out)
    return out.getvalue()


def _fails(*args) -> str:
    with pytest.raises(CommandError) as caught:
        _run(*args)
    message = str(caught.value)
    assert TOKEN not in message
    return message


def test_a_property_as_the_policy_says_passes_with_one_line_per_check(api):
    out = _run()
    assert out.splitlines() == [
        f"data stream: web stream 'consentserve.com' of property {PROPERTY} has {MEASUREMENT_ID}"
        " — the measurement ID the website's banner loads",
        "data retention: events TWO_MONTHS, users TWO_MONTHS — as the policy says",
        "Google signals: GOOGLE_SIGNALS_DISABLED — as the policy says",
        f"data sharing of account {ACCOUNT}: nothing shared with Google for its own purposes "
        "(technical support on) — as the policy says",
    ]
    assert TOKEN not in out
    assert [path for path, _, _ in api.requests] == [
        f"/v1beta/properties/{PROPERTY}/dataStreams",
        f"/v1beta/properties/{PROPERTY}/dataRetentionSettings",
        f"/v1alpha/properties/{PROPERTY}/googleSignalsSettings",
        f"/v1beta/accounts/{ACCOUNT}/dataSharingSettings",
    ]
    assert {auth for _, _, auth in api.requests} == {f"Bearer {TOKEN}"}


def test_the_account_option_overrides_the_setting_and_without_one_sharing_is_not_checked(api):
    with override_settings(CONSENTSERVE_GA4_ACCOUNT=""):
        out = _run()
        assert "data sharing: not checked" in out
        assert not any("accounts/" in path for path, _, _ in api.requests)
        assert "nothing shared with Google" in _run("--account", ACCOUNT)


def _set(api, path_end: str, **fields) -> None:
    path = next(path for path in api.routes if path.endswith(path_end))
    api.routes[path] = api.routes[path] | fields


@pytest.mark.parametrize(
    ("path_end", "fields", "expected"),
    [
        (
            "dataRetentionSettings",
            {"eventDataRetention": "FOURTEEN_MONTHS"},
            "data retention: event data are kept FOURTEEN_MONTHS, but the policy says",
        ),
        (
            "dataRetentionSettings",
            {"userDataRetention": "FOURTEEN_MONTHS"},
            "data retention: user data are kept FOURTEEN_MONTHS, but",
        ),
        (
            "dataRetentionSettings",
            {"eventDataRetention": "TWENTY_SIX_MONTHS", "userDataRetention": "FIFTY_MONTHS"},
            "event data are kept TWENTY_SIX_MONTHS and user data are kept FIFTY_MONTHS",
        ),
        (
            "googleSignalsSettings",
            {"state": "GOOGLE_SIGNALS_ENABLED"},
            "Google signals: GOOGLE_SIGNALS_ENABLED, but the policy says they are switched off",
        ),
        (
            "dataSharingSettings",
            {"sharingWithGoogleProductsEnabled": True},
            f"data sharing of account {ACCOUNT}: Google products and services switched on",
        ),
        (
            "dataSharingSettings",
            {"sharingWithOthersEnabled": True, "sharingWithGoogleAssignedSalesEnabled": True},
            "modelling contributions and business insights, Google's assigned sales team "
            "switched on",
        ),
        (
            "dataSharingSettings",
            {"sharingWithGoogleAnySalesEnabled": True},
            "any Google sales team switched on",
        ),
    ],
)
def test_each_finding_alone_fails_and_names_it(api, path_end, fields, expected):
    _set(api, path_end, **fields)
    message = _fails()
    assert "(1 finding)" in message
    assert expected in message


def test_a_signals_state_left_unspecified_is_a_finding(api):
    del api.routes[f"/v1alpha/properties/{PROPERTY}/googleSignalsSettings"]["state"]
    assert "Google signals: GOOGLE_SIGNALS_STATE_UNSPECIFIED, but" in _fails()


def test_a_period_restarted_by_each_visit_is_a_finding(api):
    _set(api, "dataRetentionSettings", resetUserDataOnNewActivity=True)
    message = _fails()
    assert "a new visit restarts the user data's period (resetUserDataOnNewActivity)" in message
    assert 'switch off "Reset user data on new activity"' in message


def test_a_retention_field_left_out_is_a_finding(api):
    del api.routes[f"/v1beta/properties/{PROPERTY}/dataRetentionSettings"]["userDataRetention"]
    assert "user data are kept RETENTION_DURATION_UNSPECIFIED" in _fails()


def test_a_stream_with_another_measurement_id_is_a_finding(api):
    streams = api.routes[f"/v1beta/properties/{PROPERTY}/dataStreams"]["dataStreams"]
    streams[1]["webStreamData"]["measurementId"] = "G-OTHER0001"
    message = _fails()
    assert f"property {PROPERTY} has no web stream with the measurement ID {MEASUREMENT_ID}" in (
        message
    )
    assert "(its web streams: G-OTHER0001)" in message


def test_support_alone_may_stay_on_and_findings_are_all_listed(api):
    _set(api, "dataRetentionSettings", eventDataRetention="FOURTEEN_MONTHS")
    _set(api, "googleSignalsSettings", state="GOOGLE_SIGNALS_ENABLED")
    _set(api, "dataSharingSettings", sharingWithGoogleProductsEnabled=True)
    message = _fails()
    assert "(3 findings)" in message
    assert message.count("\n- ") == 3
    assert "support" not in message


def test_the_stream_is_found_on_a_later_page(api):
    path = f"/v1beta/properties/{PROPERTY}/dataStreams"
    first, second = api.routes[path]["dataStreams"]

    def pages(query):
        if query.get("pageToken") == ["page-2"]:
            return {"dataStreams": [second]}
        return {"dataStreams": [first], "nextPageToken": "page-2"}

    api.routes[path] = pages
    assert "has G-ABC123XYZ" in _run()
    queries = [query for p, query, _ in api.requests if p == path]
    assert queries == [{"pageSize": ["200"]}, {"pageSize": ["200"], "pageToken": ["page-2"]}]


def test_a_wrong_token_is_a_clear_error_without_the_token(api):
    with (
        override_settings(CONSENTSERVE_GA4_ADMIN_TOKEN="ya29.expired-token-000"),
        pytest.raises(CommandError) as caught,
    ):
        _run()
    message = str(caught.value)
    assert (
        f"GET http://127.0.0.1:{api.server_port}/v1beta/properties/{PROPERTY}/dataStreams: "
        "HTTP 401 UNAUTHENTICATED"
    ) in message
    assert "expired" in message
    assert "ya29.expired-token-000" not in message
    assert len(api.requests) == 1  # the first error stops the checks


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (403, "HTTP 403 PERMISSION_DENIED The caller does not have permission (the token lacks"),
        (404, "HTTP 404 NOT_FOUND Requested entity was not found. (no such property"),
        (503, "HTTP 503 UNAVAILABLE The service is currently unavailable."),
    ],
)
def test_http_errors_name_endpoint_and_status(api, status, expected):
    names = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 503: "UNAVAILABLE"}
    messages = {
        403: "The caller does not have permission",
        404: "Requested entity was not found.",
        503: "The service is currently unavailable.",
    }
    body = json.dumps(_error(status, names[status], messages[status])).encode()
    path = f"/v1beta/properties/{PROPERTY}/dataRetentionSettings"
    api.routes[path] = (status, body, {"Content-Type": "application/json"})
    message = _fails()
    assert f"{path}: {expected}" in message


def test_a_token_echoed_by_the_server_is_not_repeated(api):
    path = f"/v1beta/properties/{PROPERTY}/dataStreams"
    body = json.dumps(_error(400, "INVALID_ARGUMENT", f"bad header Bearer {TOKEN}")).encode()
    api.routes[path] = (400, body, {"Content-Type": "application/json"})
    assert "HTTP 400 INVALID_ARGUMENT bad header Bearer [token]" in _fails()


def test_an_answer_that_is_not_json_is_a_clear_error(api):
    path = f"/v1alpha/properties/{PROPERTY}/googleSignalsSettings"
    api.routes[path] = (200, b"<html>proxy login</html>", {"Content-Type": "text/html"})
    assert f"{path}: the answer is not JSON" in _fails()


def test_a_redirect_is_not_followed(api):
    path = f"/v1beta/properties/{PROPERTY}/dataStreams"
    api.routes[path] = (302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
    assert f"{path}: HTTP 302" in _fails()
    assert len(api.requests) == 1


def test_a_server_that_is_down_is_a_clear_error(api):
    with override_settings(CONSENTSERVE_GA4_ADMIN_API=f"http://127.0.0.1:{free_port()}"):
        message = _fails()
    assert "/dataStreams: no answer (" in message
    assert "is the Admin API reachable?" in message


def test_a_server_that_hangs_times_out(api, monkeypatch):
    monkeypatch.setattr(ga4_admin, "TIMEOUT", 0.05)
    api.delay = 0.3
    started = time.monotonic()
    message = _fails()
    assert time.monotonic() - started < 0.25
    assert "no answer (timed out)" in message


def test_plain_http_to_another_host_is_refused_before_sending_the_token(api):
    with override_settings(CONSENTSERVE_GA4_ADMIN_API="http://analyticsadmin.example"):
        message = _fails()
    assert "plain http is allowed on loopback only" in message
    assert api.requests == []


@pytest.mark.parametrize("token", [f"{TOKEN}\nX-Injected: 1", f"{TOKEN} extra", f"{TOKEN}é"])
def test_a_malformed_token_is_refused_without_quoting_it(api, token):
    with override_settings(CONSENTSERVE_GA4_ADMIN_TOKEN=token):
        message = _fails()
    assert "the access token is empty or holds spaces" in message
    assert api.requests == []


def test_a_token_with_a_trailing_newline_is_used_without_it(api):
    with override_settings(CONSENTSERVE_GA4_ADMIN_TOKEN=f" {TOKEN}\n"):
        assert "as the policy says" in _run()
    assert {auth for _, _, auth in api.requests} == {f"Bearer {TOKEN}"}


def test_without_a_measurement_id_there_is_nothing_to_check(api):
    with override_settings(CONSENTSERVE_GA4_MEASUREMENT_ID=""):
        assert "there is nothing to check" in _run()
    assert api.requests == []


def test_with_a_measurement_id_but_no_property_or_token_it_says_what_is_missing(api):
    with override_settings(CONSENTSERVE_GA4_PROPERTY="", CONSENTSERVE_GA4_ADMIN_TOKEN=""):
        message = _fails()
    assert "CONSENTSERVE_GA4_PROPERTY and CONSENTSERVE_GA4_ADMIN_TOKEN are not set" in message
    with override_settings(CONSENTSERVE_GA4_ADMIN_TOKEN=""):
        assert "CONSENTSERVE_GA4_ADMIN_TOKEN is not set" in _fails()
    assert api.requests == []


@pytest.mark.parametrize("value", ["properties/123", "G-ABC123XYZ", "12 34"])
def test_a_property_id_that_is_not_numeric_is_refused(api, value):
    with override_settings(CONSENTSERVE_GA4_PROPERTY=value):
        assert "must be the numeric property ID" in _fails()
    assert "account ID must be numeric" in _fails("--account", "accounts/1")
    assert api.requests == []


def test_from_the_command_line_a_finding_exits_non_zero_without_the_token(api, capsys):
    _set(api, "googleSignalsSettings", state="GOOGLE_SIGNALS_ENABLED")
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "privacy_check_ga4", "--skip-checks"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "Google signals: GOOGLE_SIGNALS_ENABLED" in captured.err
    assert "data retention: events TWO_MONTHS" in captured.out
    assert TOKEN not in captured.out + captured.err
