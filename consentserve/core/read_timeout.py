"""uvicorn's HTTP protocols with a read time-out: a request (its headers and its body) must
arrive within `CONSENTSERVE_READ_TIMEOUT` seconds of its first byte, and a new connection must
bring a whole request within that time, else the connection is closed. uvicorn itself only
times out idle keep-alive connections: a client sending headers byte by byte, or a body that
never ends, held a connection and its memory for as long as it liked.

The clock starts with the connection and with each request's first byte, and stops once the
request has been read whole; answering takes as long as the application needs.
`consentserve serve` passes the protocol that uvicorn would pick (httptools where installed).
"""

import asyncio
from typing import Any

import h11
from django.conf import settings
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed: uvicorn uses h11
    HttpToolsProtocol = None  # type: ignore[assignment, misc]


class _ReadDeadline:
    # Given by the uvicorn protocol this is mixed into.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _read_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._read_timer is None:
            self._read_timer = self.loop.call_later(
                settings.CONSENTSERVE_READ_TIMEOUT, self._read_timed_out
            )

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class H11ReadTimeout(_ReadDeadline, H11Protocol):
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.cycle is None or self.cycle.response_complete:
            self._arm()  # the first bytes of a new request
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
            self._disarm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)


if HttpToolsProtocol is not None:

    class HttpToolsReadTimeout(_ReadDeadline, HttpToolsProtocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            self._arm()
            super().on_message_begin()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    PROTOCOL: type[Any] = HttpToolsReadTimeout
else:
    PROTOCOL = H11ReadTimeout
