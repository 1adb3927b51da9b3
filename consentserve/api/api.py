"""The customer API, version 1, under /api/v1/ (docs/api.md).

Read-only: every route answers GET for the organisation of the request's API key, but for
starting a background export (POST), which changes none of the organisation's data. The OpenAPI
document is /api/v1/openapi.json; /api/v1/docs shows it with Swagger UI served by this server
(docs.py), as the Content-Security-Policy allows no CDN."""

from ninja import NinjaAPI

from .auth import api_key_auth
from .docs import LocalSwagger
from .routers import consents, installations, statistics
from .throttling import PerKeyThrottle

DESCRIPTION = """Read access to an organisation's installations, consent records and statistics.

Authenticate with an API key of the organisation (customer portal, "API"):
`Authorization: Bearer cs_…` or `X-API-Key: cs_…`. Keys are read-only (starting a background
export changes no data). Each key may make
600 requests a minute; above that the answer is 429 with `Retry-After`."""

api = NinjaAPI(
    title="CONSENTserve API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=api_key_auth,
    throttle=[PerKeyThrottle()],
    docs=LocalSwagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/installations", installations.router)
api.add_router("/installations", consents.router)
api.add_router("/installations", statistics.router)
