"""A plain-HTTP listener that only answers 301 to the HTTPS address (R-G-2).

It runs in the supervising process of `consentserve serve --cert ... --redirect-port N`, so the
ASGI workers see TLS traffic only. Host names outside DJANGO_ALLOWED_HOSTS get 400, so the
redirect cannot be pointed at another site.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.http.request import split_domain_port, validate_host


def redirect_location(host_header: str, path: str, https_port: int) -> str | None:
    domain, _port = split_domain_port(host_header)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    netloc = domain if https_port == 443 else f"{domain}:{https_port}"
    return f"https://{netloc}{path if path.startswith('/') else '/'}"


def start_redirect_server(host: str, port: int, *, https_port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _redirect(self) -> None:
            location = redirect_location(self.headers.get("Host", ""), self.path, https_port)
            if location is None:
                self.send_response(400)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.end_headers()
                self.wfile.write(b"Unknown host.\n")
                return
            self.send_response(301)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = do_POST = _redirect

        def log_message(self, format, *args):  # noqa: A002
            """Silent: the request line would carry the client address into the log."""

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="https-redirect").start()
    return server
