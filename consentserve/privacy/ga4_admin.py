"""What section C.2 of the privacy policy promises about Google Analytics 4, read back from the
property itself through Google's Admin API (R-C2-3).

The settings live in the GA4 property, not in this code: data retention (TWO_MONTHS for event and
user data), Google signals (off), the account's data sharing with Google for its own purposes
(off) and that the measurement ID the banner loads belongs to that property. Each check returns
one line; a failed one is a finding. A network or HTTP error is an AdminApiError naming the
endpoint and status. The access token goes into the Authorization header only: it is never part
of a message, and nothing here logs.
"""

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

TIMEOUT = 10  # seconds per request
RETENTION = "TWO_MONTHS"
SIGNALS_OFF = "GOOGLE_SIGNALS_DISABLED"
WEB_STREAM = "WEB_DATA_STREAM"
PAGE_SIZE = 200  # the API's maximum for dataStreams.list
MAX_PAGES = 20  # a property has few streams; this only bounds a misbehaving server
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

# Account-level sharing that lets Google use the data for purposes of its own, by the Admin API
# reference: improving Google's products, modelling and benchmarks shared with others, and its
# sales teams ("any sales" is deprecated and always false, but must not come back on). Technical
# support (sharingWithGoogleSupportEnabled) only helps us on request and may stay on.
SHARING_FOR_GOOGLE = {
    "sharingWithGoogleProductsEnabled": "Google products and services",
    "sharingWithOthersEnabled": "modelling contributions and business insights",
    "sharingWithGoogleAssignedSalesEnabled": "Google's assigned sales team",
    "sharingWithGoogleAnySalesEnabled": "any Google sales team",
}
SHARING_SUPPORT = "sharingWithGoogleSupportEnabled"


class AdminApiError(Exception):
    """The Admin API could not be read; the message names the endpoint, never the token."""


@dataclass(frozen=True)
class Check:
    ok: bool
    line: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would repeat the Authorization header to wherever a redirect points.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class AdminApi:
    """GET requests to the Admin API with a bearer token (JSON over HTTPS, standard library)."""

    def __init__(self, base: str, token: str, timeout: float | None = None):
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise AdminApiError(f"Admin API base URL {base!r} is not an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK:
            raise AdminApiError(
                f"Admin API base URL {base!r}: plain http is allowed on loopback only; the "
                "access token must not travel unencrypted"
            )
        token = token.strip()
        if not re.fullmatch(r"[\x21-\x7e]+", token):
            # http.client would refuse it with an error that quotes the header, token included.
            raise AdminApiError(
                "the access token is empty or holds spaces, line breaks or non-ASCII characters"
            )
        self.base = base.rstrip("/")
        self._token = token
        self.timeout = TIMEOUT if timeout is None else timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def get(self, path: str, query: dict | None = None) -> dict:
        endpoint = f"GET {self.base}/{path}"
        url = f"{self.base}/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            url,
            headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                detail = _google_error(exc.read())
            raise AdminApiError(
                self._redact(f"{endpoint}: HTTP {exc.code}{detail}{_hint(exc.code)}")
            ) from None
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
            reason = getattr(exc, "reason", None) or exc
            raise AdminApiError(
                self._redact(f"{endpoint}: no answer ({reason}); is the Admin API reachable?")
            ) from None
        try:
            data = json.loads(body)
        except ValueError:
            raise AdminApiError(f"{endpoint}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise AdminApiError(f"{endpoint}: the answer is not a JSON object")
        return data

    def _redact(self, message: str) -> str:
        return message.replace(self._token, "[token]") if self._token else message


def _google_error(body: bytes) -> str:
    """Google's error status and message ({"error": {"status", "message"}}), shortened."""
    try:
        error = json.loads(body).get("error") or {}
        text = " ".join(str(error[key]) for key in ("status", "message") if error.get(key))
    except (ValueError, AttributeError):
        return ""
    return f" {text[:200]}" if text else ""


def _hint(status: int) -> str:
    if status == 401:
        return " (the access token is missing, wrong or expired; get a new one)"
    if status == 403:
        return (
            " (the token lacks the scope analytics.readonly, or its user read access to this "
            "property or account)"
        )
    if status == 404:
        return " (no such property or account; check the IDs)"
    return ""


def check_retention(api: AdminApi, property_id: str) -> Check:
    data = api.get(f"v1beta/properties/{property_id}/dataRetentionSettings")
    events = data.get("eventDataRetention", "RETENTION_DURATION_UNSPECIFIED")
    users = data.get("userDataRetention", "RETENTION_DURATION_UNSPECIFIED")
    # On, a returning visitor's user data would count their 2 months from the last visit, not
    # from collection (proto3 JSON leaves the field out when it is false).
    reset = data.get("resetUserDataOnNewActivity", False) is True
    if events == RETENTION and users == RETENTION and not reset:
        return Check(True, f"data retention: events {events}, users {users} — as the policy says")
    wrong = [
        f"{kind} data are kept {value}"
        for kind, value in (("event", events), ("user", users))
        if value != RETENTION
    ]
    if reset:
        wrong.append("a new visit restarts the user data's period (resetUserDataOnNewActivity)")
    return Check(
        False,
        f"data retention: {' and '.join(wrong)}, but the policy says Google deletes them after "
        f'2 months; set both to {RETENTION} and switch off "Reset user data on new activity" '
        "(Admin, Data collection and modification, Data retention)",
    )


def check_signals(api: AdminApi, property_id: str) -> Check:
    data = api.get(f"v1alpha/properties/{property_id}/googleSignalsSettings")
    state = data.get("state", "GOOGLE_SIGNALS_STATE_UNSPECIFIED")
    if state == SIGNALS_OFF:
        return Check(True, f"Google signals: {state} — as the policy says")
    return Check(
        False,
        f"Google signals: {state}, but the policy says they are switched off; turn off "
        "Google signals data collection (Admin, Data collection and modification, Data "
        f"collection) so that the state is {SIGNALS_OFF}",
    )


def check_stream(api: AdminApi, property_id: str, measurement_id: str) -> Check:
    found = []
    query = {"pageSize": PAGE_SIZE}
    for _ in range(MAX_PAGES):
        data = api.get(f"v1beta/properties/{property_id}/dataStreams", query)
        for stream in data.get("dataStreams") or []:
            if not isinstance(stream, dict) or stream.get("type") != WEB_STREAM:
                continue
            web = stream.get("webStreamData")
            web_id = web.get("measurementId", "") if isinstance(web, dict) else ""
            if web_id == measurement_id:
                name = stream.get("displayName") or stream.get("name", "")
                return Check(
                    True,
                    f"data stream: web stream {name!r} of property {property_id} has "
                    f"{measurement_id} — the measurement ID the website's banner loads",
                )
            found.append(web_id)
        token = data.get("nextPageToken")
        if not token:
            break
        query = {"pageSize": PAGE_SIZE, "pageToken": token}
    others = ", ".join(found) if found else "none"
    return Check(
        False,
        f"data stream: property {property_id} has no web stream with the measurement ID "
        f"{measurement_id} of CONSENTSERVE_GA4_MEASUREMENT_ID (its web streams: {others}), so "
        "these checks do not cover the property the banner sends to; fix the property ID or "
        "the measurement ID",
    )


def check_data_sharing(api: AdminApi, account_id: str) -> Check:
    data = api.get(f"v1beta/accounts/{account_id}/dataSharingSettings")
    # Proto3 JSON leaves out a boolean that is false.
    on = [label for field, label in SHARING_FOR_GOOGLE.items() if data.get(field) is True]
    support = "on" if data.get(SHARING_SUPPORT) is True else "off"
    if not on:
        return Check(
            True,
            f"data sharing of account {account_id}: nothing shared with Google for its own "
            f"purposes (technical support {support}) — as the policy says",
        )
    return Check(
        False,
        f"data sharing of account {account_id}: {', '.join(on)} switched on, but the policy "
        "says no data is shared with Google for its own purposes; switch them off (Admin, "
        "Account settings, Data sharing settings)",
    )


def check_property(
    api: AdminApi, property_id: str, measurement_id: str, account_id: str = ""
) -> list[Check]:
    """Every check, in the order of the policy's promises; the first API error stops them."""
    checks = [
        check_stream(api, property_id, measurement_id),
        check_retention(api, property_id),
        check_signals(api, property_id),
    ]
    if account_id:
        checks.append(check_data_sharing(api, account_id))
    return checks
