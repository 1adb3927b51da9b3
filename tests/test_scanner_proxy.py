"""Issue 18, safety: the proxy that every connection of the scan's browser goes through refuses
hosts outside the public internet before connecting, whatever the request's form."""

import socket

import pytest
from scanner_fixture import Secret

from consentserve.scanner.guard import Guard
from consentserve.scanner.proxy import GuardedProxy


@pytest.fixture
def proxy():
    running = GuardedProxy(Guard(), byte_limit=1_000_000).start()
    yield running
    running.stop()


@pytest.fixture
def secret():
    server = Secret()
    yield server
    server.close()


def _ask(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(text.encode())
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    return answer.decode(errors="replace")


@pytest.mark.parametrize(
    "request_text",
    [
        "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        "CONNECT localhost:{port} HTTP/1.1\r\n\r\n",
        "CONNECT [::ffff:127.0.0.1]:{port} HTTP/1.1\r\n\r\n",
        "GET http://127.0.0.1:{port}/secret HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        "GET http://localhost:{port}/secret HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET ftp://127.0.0.1:{port}/ HTTP/1.1\r\n\r\n",
        # The Host header is not what the proxy connects to: the target of the request line is.
        "GET http://169.254.169.254/latest/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        "garbage\r\n\r\n",
    ],
)
def test_private_targets_are_refused_before_any_connection(proxy, secret, request_text):
    answer = _ask(proxy.port, request_text.format(port=secret.port))
    assert answer.startswith("HTTP/1.1 403 Forbidden")
    assert "refused by the scanner" in answer
    assert secret.hits == []
    assert proxy.stats.refusals


def test_the_scanned_site_itself_may_be_private_with_allow_private(secret):
    guard = Guard.for_url(
        "http://shop.test/", allow_private=True, resolve={"shop.test": "127.0.0.1"}
    )
    running = GuardedProxy(guard, byte_limit=1_000_000).start()
    try:
        ok = _ask(
            running.port,
            f"GET http://shop.test:{secret.port}/page HTTP/1.1\r\nHost: shop.test\r\n\r\n",
        )
        refused = _ask(
            running.port,
            f"GET http://127.0.0.1:{secret.port}/other HTTP/1.1\r\nHost: x\r\n\r\n",
        )
    finally:
        running.stop()
    assert ok.startswith("HTTP/1.0 200") or ok.startswith("HTTP/1.1 200")
    assert refused.startswith("HTTP/1.1 403")
    assert secret.hits == ["/page"]
