"""Error reports through sentry-sdk, switched on by CONSENTSERVE_SENTRY_DSN (config/settings.py).

`send_default_pii=False` keeps Sentry from sending cookies, the user and the client address;
`_scrub` also drops what it would still send of a request (headers, body, query string) and the
local variables of the stack, which can hold anything a form carried. What remains: the error's
type and stack, the route, the release and the request ID."""


def _scrub(event, _hint):
    request = event.get("request")
    if request:
        event["request"] = {"method": request.get("method"), "url": request.get("url", "")}
        event["request"]["url"] = event["request"]["url"].split("?", 1)[0]
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = ""  # the message can quote input
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    event.get("logentry", {}).pop("params", None)
    return event


def sentry_init(dsn: str, *, environment: str) -> None:
    import sentry_sdk

    from .logs import request_id

    def before_send(event, hint):
        rid = request_id.get()
        if rid:
            event.setdefault("tags", {})["request_id"] = rid
        return _scrub(event, hint)

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0,
        before_send=before_send,
    )
