"""A website on loopback for the scanner's tests: real tracker libraries from npm (pinned in
tests/scanner_site/package-lock.json, installed with `npm ci`), each initialised against a local
sink that stands in for the vendor's host, so nothing leaves the machine. The vendors' host names
reach the sink through the scanner's `resolve` overrides.

Modes: "open" loads every tracker at once; "banner" blocks them behind our banner (the committed
bundle with a configuration of the three catalog services); "leak" is "banner" with Mixpanel
loaded unblocked by mistake.
"""

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from support import free_port
from test_banner_runtime import CONFIG

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = Path(__file__).resolve().parent / "scanner_site"
BUNDLE = ROOT / "consentserve" / "banner" / "static" / "banner" / "banner.js"
HOST = "www.shop.test"
# The vendors' hosts, as the libraries' options name them; all answered by the sink.
POSTHOG, MIXPANEL, AMPLITUDE = "eu.i.posthog.com", "api-js.mixpanel.com", "api2.amplitude.com"
VENDOR_FILES = {
    "/vendor/posthog.js": "posthog-js/dist/array.js",
    "/vendor/mixpanel.js": "mixpanel-browser/dist/mixpanel.umd.js",
    "/vendor/amplitude.js": "@amplitude/analytics-browser/lib/scripts/amplitude-min.js",
}


def npm_ci() -> None:
    """The pinned tracker libraries into tests/scanner_site/node_modules (from the lock file)."""
    installed = SITE_DIR / "node_modules" / ".package-lock.json"
    lock = SITE_DIR / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=SITE_DIR,
        check=True,
        timeout=600,
    )


def banner_config() -> dict:
    from consentserve.installations.catalog import catalog_get, catalog_service_to_config

    catalog = catalog_get()
    config = json.loads(json.dumps(CONFIG))
    config["domains"] = [HOST]
    config["services"] = [
        catalog_service_to_config(catalog.get(i)) for i in ("posthog", "mixpanel", "amplitude")
    ]
    return config


def _tracker(service: str, blocked: bool, sink_port: int) -> str:
    """The library's script and its initialisation, as a site would embed them."""
    attrs = f' type="text/plain" data-consent="{service}"' if blocked else ""
    init = {
        "posthog": (
            f"posthog.init('phc_fixture', {{api_host: 'http://{POSTHOG}:{sink_port}',"
            " autocapture: false, capture_pageview: true, disable_session_recording: true,"
            " request_batching: false, persistence: 'localStorage+cookie'});"
            " posthog.capture('fixture_view');"
        ),
        "mixpanel": (
            f"mixpanel.init('fixturetoken', {{api_host: 'http://{MIXPANEL}:{sink_port}',"
            " persistence: 'cookie', batch_requests: false, track_pageview: true});"
            " mixpanel.track('fixture_view');"
        ),
        "amplitude": (
            f"amplitude.init('fixturekey0123456789', {{serverUrl:"
            f" 'http://{AMPLITUDE}:{sink_port}/2/httpapi', flushIntervalMillis: 100,"
            " autocapture: false});"
            " amplitude.track('fixture_view');"
        ),
    }[service]
    return f'<script{attrs} src="/vendor/{service}.js"></script>\n<script{attrs}>{init}</script>\n'


class Sink:
    """Answers every request of the trackers with `{}` and keeps (host, path) of each."""

    def __init__(self):
        self.hits: list[tuple[str, str]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                host = (self.headers.get("Host") or "").split(":")[0]
                sink.hits.append((host, urlsplit(self.path).path))
                origin = self.headers.get("Origin") or "*"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                asked = self.headers.get("Access-Control-Request-Headers")
                if asked:
                    self.send_header("Access-Control-Allow-Headers", asked)
                self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_OPTIONS = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FixtureSite:
    """The shop: /, /about and /contact linked from the start page, /pricing only in
    sitemap.xml; /ssrf requests private addresses and /redirect leads into one."""

    def __init__(self, mode: str, sink: Sink, secret_port: int = 0, extra_pages: int = 0):
        self.mode = mode
        self.extra_pages = extra_pages
        self.sink = sink
        self.secret_port = secret_port
        self.visits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                site.visits.append(path)
                if path in VENDOR_FILES:
                    body = (SITE_DIR / "node_modules" / VENDOR_FILES[path]).read_bytes()
                    self._send(200, "application/javascript", body)
                elif path == "/banner.js":
                    head = f"window.__CONSENTSERVE_CONFIG__={json.dumps(banner_config())};\n"
                    self._send(200, "application/javascript", head.encode() + BUNDLE.read_bytes())
                elif path == "/sitemap.xml":
                    urls = "".join(
                        f"<url><loc>{site.origin}{p}</loc></url>" for p in ("/", "/pricing")
                    )
                    xml = f'<?xml version="1.0"?><urlset>{urls}</urlset>'
                    self._send(200, "application/xml", xml.encode())
                elif path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{site.secret_port}/secret")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path in ("/", "/about", "/contact", "/pricing", "/ssrf") or (
                    path.startswith("/p/") and path[3:].isdigit()
                ):
                    self._send(200, "text/html; charset=utf-8", site.page(path).encode())
                else:
                    self._send(404, "text/plain", b"not found")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self._send(204, "text/plain", b"")

            def _send(self, status, kind, body):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        self.origin = f"http://{HOST}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def resolve(self) -> dict:
        return {
            HOST: "127.0.0.1",
            POSTHOG: "127.0.0.1",
            MIXPANEL: "127.0.0.1",
            AMPLITUDE: "127.0.0.1",
        }

    def page(self, path: str) -> str:
        banner = self.mode in ("banner", "leak")
        trackers = "".join(
            _tracker(
                service,
                banner and not (self.mode == "leak" and service == "mixpanel"),
                self.sink.port,
            )
            for service in ("posthog", "mixpanel", "amplitude")
        )
        extra = ""
        if path == "/ssrf":
            secret = f"http://127.0.0.1:{self.secret_port}"
            extra = (
                f'<img src="{secret}/img" alt="">'
                '<img src="http://169.254.169.254/latest/meta-data/" alt="">'
                f'<iframe src="http://localhost:{self.secret_port}/frame"></iframe>'
                f'<script>fetch("{secret}/fetch").catch(() => {{}});'
                f'fetch("http://[::ffff:127.0.0.1]:{self.secret_port}/mapped").catch(() => {{}});'
                'fetch("http://10.0.0.1/").catch(() => {});</script>'
                '<iframe src="/redirect"></iframe>'
            )
        more = "".join(f'<a href="/p/{n}">Page {n}</a> ' for n in range(1, self.extra_pages + 1))
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop {path}</title>
{'<script src="/banner.js"></script>' if banner else ""}
{trackers}
</head><body><h1>Shop</h1>
<p><a href="/about">About</a> <a href="/contact#form">Contact</a>
<a href="https://example.com/">Elsewhere</a></p>{more}{extra}
</body></html>"""

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Secret:
    """A server that stands for the internal network: no request of a scan may reach it."""

    def __init__(self):
        self.hits: list[str] = []
        secret = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                secret.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secret")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
