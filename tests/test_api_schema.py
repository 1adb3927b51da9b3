"""schemathesis against the served OpenAPI document (issue 5: "schemathesis against the OpenAPI
schema finds no 5xx"): every operation gets generated valid and invalid requests, in process
through the WSGI application, with a valid API key. No answer may be a 5xx, and every answer
must be declared in the document, with the declared content type and schema.

The operations are driven through schemathesis' Python API (`as_strategy`) under hypothesis,
bounded to 25 examples per operation and mode."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from test_api_factories import make_key, make_records, published
from test_portal_factories import make_customer

from consentserve.api.schemas import MAX_ID, MAX_VERSION

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("/api/v1/installations", "GET"),
    ("/api/v1/installations/{installation_id}", "GET"),
    ("/api/v1/installations/{installation_id}/versions", "GET"),
    ("/api/v1/installations/{installation_id}/versions/{number}", "GET"),
    ("/api/v1/installations/{installation_id}/consents", "GET"),
    ("/api/v1/installations/{installation_id}/consents/export", "GET"),
    ("/api/v1/installations/{installation_id}/consents/exports", "POST"),
    ("/api/v1/installations/{installation_id}/consents/exports/{export_id}", "GET"),
    ("/api/v1/installations/{installation_id}/statistics", "GET"),
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


@pytest.fixture
def wsgi_app():
    """Django's WSGI application as a server runs it, except that a request's end does not
    close the database connection, which holds the test's transaction (Django's own test
    client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(wsgi_app):
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    make_records(installation, version, 12)
    _key, secret = make_key(customer)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    return {"installation_id": installation.pk, "secret": secret, "schema": schema}


def test_every_operation_is_fuzzed(api_world):
    document = api_world["schema"].raw_schema
    assert sorted(document["paths"]) == sorted({path for path, _method in OPERATIONS})


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_operation_answers_5xx_or_outside_its_schema(api_world, path, method, mode):
    operation = api_world["schema"][path][method]
    headers = {"Authorization": f"Bearer {api_world['secret']}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # Generated IDs mostly name nothing; every other one is pointed at the real
        # installation (and version 1), so filters, pages, export and statistics meet records.
        params = case.path_parameters or {}
        installation_id = params.get("installation_id")
        valid = isinstance(installation_id, int) and 0 < installation_id <= MAX_ID
        if valid and installation_id % 2 == 0:
            params["installation_id"] = api_world["installation_id"]
            number = params.get("number")
            if isinstance(number, int) and 0 < number <= MAX_VERSION:
                params["number"] = 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
