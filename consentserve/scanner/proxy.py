"""The only way out for the scan's browser: a forward proxy on loopback that Chromium must use for
every request (loopback included, see browser.py). For each connection it resolves the host once
through the guard and connects to exactly that checked address, so DNS rebinding between the
check and the connection is impossible; it counts the bytes and stops at the scan's limit.

Plain HTTP requests are forwarded one per connection (Connection: close), so a kept-alive
connection of the browser cannot reach a second host unchecked; HTTPS and WebSockets use
CONNECT and stay end-to-end encrypted.
"""

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .guard import Guard, ScanRefused

HEAD_LIMIT = 64 * 1024
CONNECT_TIMEOUT = 10


@dataclass
class Refusal:
    host: str
    reason: str
    at: float  # time.monotonic()


@dataclass
class ProxyStats:
    byte_limit: int
    bytes: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def exhausted(self) -> bool:
        return self.bytes >= self.byte_limit

    def add(self, count: int) -> None:
        with self.lock:
            self.bytes += count

    def refuse(self, host: str, reason: str) -> None:
        with self.lock:
            self.refusals.append(Refusal(host, reason, time.monotonic()))


class GuardedProxy:
    """Runs in its own thread with its own event loop; `port` once started."""

    def __init__(self, guard: Guard, byte_limit: int):
        self.guard = guard
        self.stats = ProxyStats(byte_limit)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scan-proxy", daemon=True)

    def start(self) -> "GuardedProxy":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the scan proxy did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0, limit=HEAD_LIMIT)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CONNECT_TIMEOUT)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ")
        except ValueError:
            await self._deny(writer, "", "malformed request")
            return
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            tunnel = True
            port = int(port_text) if port_text.isdigit() else 443
            rest = b""
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await self._deny(writer, parts.hostname or "", "only http and https")
                return
            host, port, tunnel = parts.hostname, parts.port or 80, False
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            headers = [
                line
                for line in lines[1:]
                if line and not line.lower().startswith(("proxy-connection:", "connection:"))
            ]
            rest = "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close", ""])
            rest = (rest + "\r\n").encode("latin-1")
        if self.stats.exhausted:
            await self._deny(writer, host, "byte limit of the scan reached")
            return
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(
                None, self.guard.addresses, host, port
            )
        except ScanRefused as refused:
            await self._deny(writer, host, str(refused))
            return
        upstream = None
        for address in addresses:
            with contextlib.suppress(OSError, TimeoutError):
                upstream = await asyncio.wait_for(
                    asyncio.open_connection(address, port), CONNECT_TIMEOUT
                )
                break
        if upstream is None:
            await self._deny(writer, host, "connection failed", status="502 Bad Gateway")
            return
        up_reader, up_writer = upstream
        if tunnel:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(rest)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                self.stats.add(len(data))
                if self.stats.exhausted:
                    break
                sink.write(data)
                await sink.drain()
        finally:
            with contextlib.suppress(OSError):
                sink.close()

    async def _deny(self, writer, host: str, reason: str, status: str = "403 Forbidden") -> None:
        self.stats.refuse(host, reason)
        body = f"refused by the scanner: {reason}\n".encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(OSError):
            await writer.drain()
            writer.close()
