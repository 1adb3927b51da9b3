"""What one scan sees, in one headless Chromium: run as a child process (`python -m
consentserve.scanner.collect`, a job as JSON on stdin, the observations as JSON on stdout), so
the parent can kill it, Chromium included, when the scan's time is up (run.py).

Each page is visited in each state in a fresh browser context; nothing of one state leaks into
the next. Values of cookies and storage items are never read into the result, only their names.
This module knows nothing of Django or of services: classify.py names what was seen.
"""

import contextlib
import ipaddress
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from .guard import Guard, ScanRefused, address_public
from .proxy import GuardedProxy

NO_CHOICE, REJECT, ACCEPT, GPC = "no_choice", "reject", "accept", "gpc"
STATES = (NO_CHOICE, REJECT, ACCEPT, GPC)
VIEWPORT = {"width": 1366, "height": 800}
# Chromium resolves no name itself: every connection goes through the guarded proxy, which
# resolves and checks (only the proxy's own loopback address is exempt).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
_STORAGE_JS = """async () => {
  const keys = (s) => { try { return Object.keys(s); } catch (e) { return []; } };
  let dbs = [];
  try { dbs = (await indexedDB.databases()).map((d) => d.name); } catch (e) {}
  return {local: keys(localStorage), session: keys(sessionStorage), idb: dbs,
          banner: typeof window.CONSENTserve === "object" && window.CONSENTserve !== null};
}"""
_LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]'), (a) => a.href)"
_GPC_JS = (
    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl',"
    " {get: () => true, configurable: true});"
)
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass
class Job:
    url: str
    pages: int = 20
    allow_private: bool = False
    resolve: dict | None = None
    offline: bool = False
    page_timeout: float = 20.0
    settle: float = 2.0
    deadline: float = 600.0  # seconds for the whole scan
    byte_limit: int = 200 * 1024 * 1024
    shots_dir: str = ""
    # Empty: the `chromium` on PATH (CONSENTSERVE_CHROMIUM first), see run.chromium_path.
    chromium: str = ""


class StateRecorder:
    """Everything one page shows in one state, with the time after the navigation began."""

    def __init__(self, page, cdp, site_host: str):
        self.page = page
        self.cdp = cdp
        self.site_host = site_host
        self.t0 = time.time()
        self.requests: list[dict] = []
        self.scripts: dict[str, int] = {}
        self.console: list[str] = []
        self.cookies: dict[tuple, dict] = {}
        self.storage: dict[tuple, int] = {}
        self.idb: dict[str, int] = {}
        self.banner = False

    def ms(self, at: float | None = None) -> int:
        return max(0, round(((at or time.time()) - self.t0) * 1000))

    def on_request(self, event: dict) -> None:
        request = event.get("request", {})
        url = request.get("url", "")
        if not url.startswith(("http://", "https://")):
            return
        initiator = _initiator(event.get("initiator") or {})
        kind = (event.get("type") or "Other").lower()
        at = self.ms(event.get("wallTime"))
        if kind == "script":
            self.scripts.setdefault(without_query(url), at)
        host = urlsplit(url).hostname or ""
        if host != self.site_host:
            self.requests.append(
                {
                    "host": host,
                    "path": urlsplit(url).path or "/",
                    "url": without_query(url),
                    "type": kind,
                    "initiator": initiator,
                    "ms": at,
                }
            )

    def on_console(self, message) -> None:
        if message.type == "error" and len(self.console) < 50:
            self.console.append(message.text[:300])

    def on_page_error(self, error) -> None:
        if len(self.console) < 50:
            self.console.append(str(error)[:300])

    def poll(self, context, storage: bool = True) -> None:
        now = self.ms()
        with contextlib.suppress(Exception):
            for cookie in context.cookies():
                key = (cookie["name"], cookie["domain"], cookie["path"])
                if key not in self.cookies:
                    domain = cookie["domain"].lstrip(".")
                    site = self.site_host
                    self.cookies[key] = {
                        "name": cookie["name"],
                        "domain": cookie["domain"],
                        "path": cookie["path"],
                        "expires": None if cookie["expires"] < 0 else int(cookie["expires"]),
                        "http_only": cookie["httpOnly"],
                        "secure": cookie["secure"],
                        "same_site": cookie.get("sameSite", ""),
                        "third_party": not (site == domain or site.endswith("." + domain)),
                        "ms": now,
                    }
        if not storage:
            return
        with contextlib.suppress(Exception):
            # Through CDP, not page.evaluate: that waits for a document, which a page stuck in
            # navigation never gets; this answers at once from whatever document is there.
            answer = self.cdp.send(
                "Runtime.evaluate",
                {
                    # indexedDB.databases() never settles in a document that is still
                    # loading: give up on this poll rather than wait for it.
                    "expression": (
                        f"Promise.race([({_STORAGE_JS})(),"
                        " new Promise((r) => setTimeout(() => r(null), 1500))])"
                    ),
                    "awaitPromise": True,
                    "returnByValue": True,
                    "timeout": 2000,
                },
            )
            found = answer["result"]["value"]
            if not found:
                return
            self.banner = self.banner or found["banner"]
            for area in ("local", "session"):
                for key in found[area]:
                    self.storage.setdefault((area, key), now)
            for name in found["idb"]:
                self.idb.setdefault(name, now)

    def result(self, frames: list[str]) -> dict:
        return {
            "cookies": sorted(self.cookies.values(), key=lambda c: (c["ms"], c["name"])),
            "local_storage": [
                {"key": k, "ms": ms} for (area, k), ms in self.storage.items() if area == "local"
            ],
            "session_storage": [
                {"key": k, "ms": ms} for (area, k), ms in self.storage.items() if area == "session"
            ],
            "indexeddb": [{"name": n, "ms": ms} for n, ms in self.idb.items()],
            "requests": self.requests,
            "scripts": [{"url": u, "ms": ms} for u, ms in self.scripts.items()],
            "iframes": frames,
            "console_errors": self.console,
        }


def _initiator(initiator: dict) -> str:
    """The script that caused a request: the innermost frame of the stack with a URL."""
    stack = initiator.get("stack") or {}
    while stack:
        for frame in stack.get("callFrames") or ():
            if frame.get("url"):
                return without_query(frame["url"])
        stack = stack.get("parent") or {}
    if initiator.get("url"):
        return without_query(initiator["url"])
    return initiator.get("type", "other")


class Collector:
    def __init__(self, job: Job):
        self.job = job
        self.guard = Guard.for_url(job.url, job.allow_private, job.resolve, job.offline)
        self.started = time.monotonic()
        self.refused_in_browser: list[dict] = []
        self.errors: list[str] = []

    def time_left(self) -> float:
        return self.job.deadline - (time.monotonic() - self.started)

    def run(self) -> dict:
        from playwright.sync_api import sync_playwright

        start_host, _, _ = self.guard.url(self.job.url)  # refused before anything starts
        netloc = urlsplit(self.job.url).netloc.lower()
        proxy = GuardedProxy(self.guard, self.job.byte_limit).start()
        pages: list[dict] = []
        banner = False
        truncated = ""
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=self.job.chromium,
                    args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{proxy.port}"],
                )
                try:
                    queue = [urldefrag(self.job.url)[0]]
                    queue += self.sitemap(browser, netloc)
                    seen: set[str] = set()
                    while queue and len(pages) < self.job.pages:
                        url = queue.pop(0)
                        if url in seen:
                            continue
                        seen.add(url)
                        if self.time_left() <= 0:
                            truncated = "time"
                            break
                        if proxy.stats.exhausted:
                            truncated = "bytes"
                            break
                        entry = {"url": url, "states": {}}
                        record, links = self.visit(browser, url, netloc, NO_CHOICE, len(pages))
                        entry["states"][NO_CHOICE] = record
                        if not pages:
                            banner = record.get("banner", False)
                        queue += [link for link in links if link not in seen]
                        if banner:
                            for state in (REJECT, ACCEPT, GPC):
                                if self.time_left() <= 0:
                                    truncated = "time"
                                    break
                                entry["states"][state], _ = self.visit(
                                    browser, url, netloc, state, len(pages)
                                )
                        pages.append(entry)
                finally:
                    browser.close()
        finally:
            proxy.stop()
        refusals = {}
        for host, reason in [(r.host, r.reason) for r in proxy.stats.refusals] + [
            (r["host"], r["reason"]) for r in self.refused_in_browser
        ]:
            entry = refusals.setdefault(
                (host, reason), {"host": host, "reason": reason, "count": 0}
            )
            entry["count"] += 1
        return {
            "url": self.job.url,
            "host": start_host,
            "banner": banner,
            "pages": pages,
            "refused": list(refusals.values()),
            "bytes": proxy.stats.bytes,
            "truncated": truncated,
            "errors": self.errors,
            "seconds": round(time.monotonic() - self.started, 1),
        }

    def allowed_by_route(self, route) -> None:
        """Playwright's routing sees every request of the page before the network does: only
        http(s), and no address literal outside the public internet; names are resolved and
        pinned by the proxy."""
        url = route.request.url
        parts = urlsplit(url)
        host = (parts.hostname or "").strip("[]")
        reason = ""
        if parts.scheme not in ("http", "https"):
            reason = "only http and https"
        elif (
            _address_literal(host)
            and not self.guard.private_allowed(host)
            and not address_public(host)
        ):
            reason = f"{host} is not a public address"
        if reason:
            self.refused_in_browser.append({"host": parts.hostname or "", "reason": reason})
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def context(self, browser, state: str):
        context = browser.new_context(
            viewport=VIEWPORT,
            service_workers="block",
            ignore_https_errors=False,
            extra_http_headers={"Sec-GPC": "1"} if state == GPC else None,
        )
        if state == GPC:
            context.add_init_script(_GPC_JS)
        context.route("**/*", self.allowed_by_route)
        context.set_default_timeout(self.job.page_timeout * 1000)
        return context

    def sitemap(self, browser, netloc: str) -> list[str]:
        """Same-host page addresses of /sitemap.xml, fetched through the same guarded browser."""
        context = self.context(browser, NO_CHOICE)
        try:
            page = context.new_page()
            response = page.goto(urljoin(self.job.url, "/sitemap.xml"))
            if response is None or not response.ok:
                return []
            text = response.text()[:2_000_000]
        except Exception:  # noqa: BLE001 - a site without a sitemap is the usual case
            return []
        finally:
            context.close()
        return [u for u in (urldefrag(m)[0] for m in _LOC.findall(text)) if _same(u, netloc)]

    def visit(self, browser, url: str, netloc: str, state: str, index: int) -> tuple[dict, list]:
        context = self.context(browser, state)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        recorder = StateRecorder(page, cdp, urlsplit(url).hostname or "")
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", recorder.on_request)
        page.on("console", recorder.on_console)
        page.on("pageerror", recorder.on_page_error)
        result: dict = {"choice": "", "screenshot": ""}
        links: list[str] = []
        try:
            timeout = min(self.job.page_timeout, max(self.time_left(), 1)) * 1000
            recorder.t0 = time.time()
            page.goto(url, wait_until="load", timeout=timeout)
            recorder.poll(context)
            if self.job.shots_dir:
                name = f"{index:03d}-{state}.jpg"
                page.screenshot(path=str(Path(self.job.shots_dir) / name), type="jpeg", quality=60)
                result["screenshot"] = name
            if state in (REJECT, ACCEPT):
                result["choice"] = self.choose(page, state)
            elif state == GPC:
                result["choice"] = self.gpc_recorded(page)
            settle_until = time.monotonic() + self.job.settle
            while time.monotonic() < settle_until:
                page.wait_for_timeout(250)
                recorder.poll(context)
            if state == NO_CHOICE:
                links = [
                    urldefrag(link)[0]
                    for link in page.evaluate(_LINKS_JS)
                    if _same(urldefrag(link)[0], netloc)
                ]
            frames = [without_query(f.url) for f in page.frames[1:] if f.url.startswith("http")]
        except Exception as error:  # noqa: BLE001 - one broken page does not end the scan
            self.errors.append(f"{url} ({state}): {str(error).splitlines()[0][:200]}")
            result["error"] = str(error).splitlines()[0][:200]
            frames = []
            # A page whose navigation failed has no document to ask about its storage (and
            # asking would wait for one); its cookies are still the browser's to tell.
            recorder.poll(context, storage=False)
        finally:
            with contextlib.suppress(Exception):
                context.close()
        result.update(recorder.result(frames))
        result["banner"] = recorder.banner
        return result, list(dict.fromkeys(links))

    def choose(self, page, state: str) -> str:
        """Reject or accept through our banner's own first-layer button (in its open shadow
        root, which Playwright's selectors pierce)."""
        button = page.locator(f'[data-a="{"reject_all" if state == REJECT else "accept_all"}"]')
        try:
            button.first.click(timeout=5000)
        except Exception:  # noqa: BLE001 - recorded as a failed choice, the scan goes on
            return "failed"
        return "made"

    def gpc_recorded(self, page) -> str:
        with contextlib.suppress(Exception):
            consent = page.wait_for_function(
                "() => window.CONSENTserve && window.CONSENTserve.getConsent()", timeout=3000
            ).json_value()
            return "gpc" if consent and consent.get("gpc") else "ignored"
        return "ignored"


def _address_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _same(url: str, netloc: str) -> bool:
    """Whether `url` is a page of the scanned site: the same host and port."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == netloc


def main() -> None:
    job = Job(**json.loads(sys.stdin.read()))
    try:
        result = Collector(job).run()
    except ScanRefused as refused:
        result = {"refused_start": str(refused)}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
