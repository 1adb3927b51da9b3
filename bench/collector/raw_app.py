"""Baseline (a): a raw ASGI application that reads the body and answers 204, storing nothing.
The ceiling of uvicorn on one core for this request shape."""

HEADERS = [(b"cache-control", b"no-store")]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b""})
