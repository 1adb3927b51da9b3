"""Issue 15: the server's own limits. uvicorn closes a connection whose request does not arrive
whole within the read time-out; the HTTPS redirect listener is one event loop with a time-out,
not a thread per connection, and names no server software; TLS 1.2 at least, with the
documented suites."""

import socket
import ssl
import threading
import time

import pytest
from django.test import override_settings
from support import free_port
from test_serve import Server, _get, _self_signed

from consentserve.core import https_redirect, tls


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed `sock` (reads EOF or a reset)."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(1024):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - start


@pytest.fixture
def plain_server(tmp_path):
    server = Server(tmp_path, CONSENTSERVE_READ_TIMEOUT="2")
    yield server
    server.stop()


def test_half_sent_headers_and_bodies_are_cut_off_after_the_read_timeout(plain_server):
    port = plain_server.port
    silent = socket.create_connection(("127.0.0.1", port))
    headers = socket.create_connection(("127.0.0.1", port))
    headers.sendall(b"GET /de/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    body = socket.create_connection(("127.0.0.1", port))
    body.sendall(
        b"POST /c/abc/consent HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    for sock in (silent, headers, body):
        with sock:
            assert _closed_within(sock, 15) < 10
    # Whole requests are answered as before (production mode: to HTTPS).
    assert _get(port, "/de/").status == 301


def test_200_half_sent_requests_leave_the_redirect_listener_answering(monkeypatch):
    monkeypatch.setattr(https_redirect, "READ_TIMEOUT", 1.0)
    port = free_port()
    threads_before = threading.active_count()
    with override_settings(ALLOWED_HOSTS=["127.0.0.1"]):
        server = https_redirect.start_redirect_server("127.0.0.1", port, https_port=8443)
        try:
            half_sent = []
            for _ in range(200):
                sock = socket.create_connection(("127.0.0.1", port))
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                half_sent.append(sock)
            time.sleep(0.2)
            assert threading.active_count() <= threads_before + 1  # the listener's one thread
            response = _get(port, "/de/preise/?a=1")
            assert response.status == 301
            assert response.getheader("Location") == "https://127.0.0.1:8443/de/preise/?a=1"
            assert response.getheader("Server") is None
            # The half-sent ones are closed once their time is up.
            assert max(_closed_within(sock, 10) for sock in half_sent) < 5
            for sock in half_sent:
                sock.close()
        finally:
            server.shutdown()


def test_the_product_sets_tls_1_2_as_the_minimum(tmp_path):
    cert, key = _self_signed(tmp_path)
    config = tls.ServerConfig(
        app="config.asgi:application", ssl_certfile=str(cert), ssl_keyfile=str(key)
    )
    config.ssl_ciphers = tls.CIPHERS
    config.load()
    assert config.ssl.minimum_version == ssl.TLSVersion.TLSv1_2
    offered = {c["name"] for c in config.ssl.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert offered == set(tls.CIPHERS.split(":")) & offered
    assert "ECDHE-ECDSA-AES128-SHA" not in offered


def _client(maximum=ssl.TLSVersion.TLSv1_2, ciphers=None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.maximum_version = maximum
    if ciphers:
        context.set_ciphers(ciphers)
    return context


def test_the_server_speaks_only_the_documented_suites(tmp_path):
    cert, key = _self_signed(tmp_path)
    server = Server(tmp_path, "--cert", str(cert), "--key", str(key))
    try:
        with (
            socket.create_connection(("127.0.0.1", server.port)) as raw,
            _client().wrap_socket(raw) as conn,
        ):
            assert conn.version() == "TLSv1.2"
            assert conn.cipher()[0] in tls.CIPHERS.split(":")
        # A client that offers only a suite without forward secrecy or AEAD is refused.
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            context = _client(ciphers="ECDHE-ECDSA-AES128-SHA")
            with pytest.raises(ssl.SSLError):
                context.wrap_socket(raw)
    finally:
        server.stop()


async def _hello(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.mark.parametrize("protocol", ["H11ReadTimeout", "HttpToolsReadTimeout"])
def test_both_protocols_cut_half_sent_requests_and_answer_whole_ones(settings, protocol):
    """In process, for the protocol uvicorn would not pick here as well."""
    import asyncio

    import uvicorn

    from consentserve.core import read_timeout

    settings.CONSENTSERVE_READ_TIMEOUT = 1.0
    port = free_port()
    config = uvicorn.Config(
        _hello,
        host="127.0.0.1",
        port=port,
        http=getattr(read_timeout, protocol),
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port)) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            assert _closed_within(slow, 10) < 5
        with socket.create_connection(("127.0.0.1", port)) as body:
            body.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
            assert _closed_within(body, 10) < 5
        with socket.create_connection(("127.0.0.1", port)) as whole:
            whole.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(1.5)  # answering is not timed; the connection is kept alive
            whole.settimeout(5)
            assert whole.recv(1024).startswith(b"HTTP/1.1 200")
            whole.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert whole.recv(1024).startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(10)
