"""A plain-HTTP listener that only answers 301 to the HTTPS address (R-G-2).

It runs in the supervising process of `consentserve serve --cert ... --redirect-port N`, so the
ASGI workers see TLS traffic only. Host names outside DJANGO_ALLOWED_HOSTS get 400, so the
redirect cannot be pointed at another site.

It is one asyncio event loop in one thread, not a thread per connection: a client that opens
connections and sends half a request costs a few kilobytes each, not a thread. Each request
must arrive whole (request line and headers, at most MAX_HEAD bytes) within READ_TIMEOUT
seconds of the connection; at most MAX_CONNECTIONS are open at once, and one more is closed at
once. Answers name no server software (no `Server` header), and every connection is closed
after its answer.
"""

import asyncio
import contextlib
import threading
from email.utils import formatdate

from django.conf import settings
from django.http.request import split_domain_port, validate_host

READ_TIMEOUT = 5.0
MAX_HEAD = 8192
MAX_CONNECTIONS = 1024


def redirect_location(host_header: str, path: str, https_port: int) -> str | None:
    domain, _port = split_domain_port(host_header)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    netloc = domain if https_port == 443 else f"{domain}:{https_port}"
    return f"https://{netloc}{path if path.startswith('/') else '/'}"


def _answer(status: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Date: {formatdate(usegmt=True)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def _response(head: bytes, https_port: int) -> bytes:
    text = head.decode("latin-1")
    request_line, _, header_text = text.partition("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return _answer("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
    host = ""
    for line in header_text.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "host":
            host = value.strip()
    location = redirect_location(host, parts[1], https_port)
    if location is None:
        return _answer(
            "400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")], b"Unknown host.\n"
        )
    return _answer("301 Moved Permanently", [("Location", location)])


class RedirectServer:
    def __init__(self, host: str, port: int, https_port: int):
        self.https_port = https_port
        self.open = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="https-redirect"
        )
        self._thread.start()
        # Bound on the listener's own thread: the caller's thread may run an event loop of its
        # own, which would refuse to run this one.
        try:
            self._server = asyncio.run_coroutine_threadsafe(
                asyncio.start_server(self._handle, host, port, limit=MAX_HEAD, backlog=512),
                self._loop,
            ).result(10)
        except BaseException:  # the port is taken, say: no thread left behind
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()
            raise

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        try:
            if self.open > MAX_CONNECTIONS:
                return
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return  # too slow, cut short or too long: closed without an answer
            writer.write(_response(head, self.https_port))
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(writer.drain(), READ_TIMEOUT)
        except ConnectionError:
            pass
        finally:
            self.open -= 1
            writer.close()

    async def _stop(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    def shutdown(self) -> None:
        """Close the listener and its connections (tests; the process's end does it too)."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


def start_redirect_server(host: str, port: int, *, https_port: int) -> RedirectServer:
    return RedirectServer(host, port, https_port)
