"""Banner benchmark: our banner (`/c/KEY.js`) against vanilla-cookieconsent and klaro (pinned in
package.json), all three with the same 3 categories, 4 services and German texts, on the same
content page, against that page without a banner, in Debian's headless Chromium.

Every load is cold (a fresh browser context) and the variants are interleaved (baseline, ours,
vanilla-cookieconsent, klaro, baseline, …). Three kinds of load per variant and round:

timing  a rAF poll in the page timestamps when the banner is first visible (non-zero size on
        screen, not hidden, opacity above 0) and, after a click on "accept all", when it is no
        longer visible
clean   1x CPU, no polling: main-thread script time (CDP Performance.getMetrics ScriptDuration:
        JavaScript only) and style and layout time (RecalcStyleDuration + LayoutDuration), long
        tasks and layout shifts (PerformanceObserver from an init script), DOM nodes (elements
        and text nodes, shadow roots included) and requests, all taken 800 ms after the load
        event
slow    the same at 4x CPU throttling (Emulation.setCPUThrottlingRate), 1,500 ms after load

Script, style and layout time and DOM nodes are reported as added to the baseline's median in
the same run.
Bytes are what the local server sent for the banner's requests: every asset pre-compressed with
gzip -9 and brotli quality 11 and sent as the browser's Accept-Encoding asks; both sizes are
reported. The page has a hero image that takes 300 ms, so "visible before the load event" says
whether a banner waits for it.

Usage: python bench/banner/run.py [--loads N] [--warmup N] [--out FILE] [--json FILE]
Prints a Markdown report and writes it to bench/results/banner.md (or --out).
"""

import argparse
import gzip
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(HERE))

import configs  # noqa: E402  (bench/banner is not a package)

SITE = "shop.example.com"  # mapped to loopback by Chromium's host resolver rules
BANNERS = ("ours", "vanilla", "klaro")
VARIANTS = ("baseline", *BANNERS)
NAMES = {
    "baseline": "page without banner",
    "ours": "CONSENTserve",
    "vanilla": "vanilla-cookieconsent 3.1.0",
    "klaro": "klaro 0.7.22",
}
HERO_DELAY = 0.3
SETTLE_MS = {1: 800, 4: 1500}
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--host-resolver-rules=MAP {SITE} 127.0.0.1",
]

PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Beispiel Shop</title><link rel="icon" href="data:,">{head}</head>
<body><main>
<h1>Willkommen im Beispiel Shop</h1>
<img src="/hero.svg" width="640" height="240" alt="Produktbild">
<p>Wir verkaufen handgemachte Keramik aus einer kleinen Werkstatt in Brandenburg. Jedes Stück
wird von Hand gedreht, glasiert und zweimal gebrannt.</p>
<p>Unsere Tassen, Teller und Schalen sind spülmaschinenfest und bleifrei. Die Glasuren mischen
wir selbst; deshalb sieht jedes Stück ein wenig anders aus.</p>
<h2>Versand</h2>
<p>Bestellungen bis 14 Uhr verlassen die Werkstatt am selben Tag. Innerhalb Deutschlands ist der
Versand ab 50 Euro kostenlos, sonst kostet er 4,90 Euro.</p>
<p>Sie können jede Bestellung innerhalb von 30 Tagen zurückschicken. Schreiben Sie uns einfach
eine kurze Nachricht.</p>
</main></body></html>"""

HERO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="240">'
    b'<rect width="640" height="240" fill="#d9c7a7"/></svg>'
)

# How each page includes its banner, as each library documents it (no whitespace between the
# tags, so the baseline's text nodes stay the same).
HEADS = {
    "baseline": "",
    "ours": '<script src="/c/{key}.js" async></script>',
    "vanilla": '<link rel="stylesheet" href="/vendor/cookieconsent.css">'
    '<script defer src="/vendor/cookieconsent.umd.js"></script>'
    '<script defer src="/cookieconsent-config.js"></script>',
    "klaro": '<script defer src="/klaro-config.js"></script>'
    '<script defer data-klaro-config="klaroConfig" src="/vendor/klaro.js"></script>',
}

# The banner's first-layer root element, per variant.
FINDERS = {
    "baseline": "() => null",
    "ours": "() => { const h = document.querySelector('div[data-consentserve]');"
    " return h && h.shadowRoot && h.shadowRoot.querySelector('[role=dialog]'); }",
    "vanilla": "() => document.querySelector('#cc-main .cm')",
    "klaro": "() => document.querySelector('#klaro .cookie-notice')",
}

# Passive observers, installed before any of the page's scripts run.
OBSERVE = """(() => {
  const b = window.__bench = {longtasks: [], cls: 0, visible: null, click: null, gone: null};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push(e.duration);
  }).observe({type: 'longtask', buffered: true});
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) b.cls += e.value;
  }).observe({type: 'layout-shift', buffered: true});
})();"""

SHOWN = """(el) => {
  if (!el || !el.isConnected) return false;
  const r = el.getBoundingClientRect();
  if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.right <= 0
      || r.top >= innerHeight || r.left >= innerWidth) return false;
  for (let n = el; n; n = n.parentElement || (n.getRootNode() || {}).host) {
    const s = getComputedStyle(n);
    if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0)
      return false;
  }
  return true;
}"""

# Timing loads only: a poll on every frame until the banner shows, and after the click on
# "accept all" (a capturing listener runs before the banner's own) until it is gone.
POLL = """(() => {
  const b = window.__bench, find = FIND, shown = SHOWN;
  const until = (want, key) => {
    const tick = () => {
      if (shown(find()) === want) b[key] = performance.now();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  until(true, 'visible');
  addEventListener('click', () => {
    if (b.click === null) { b.click = performance.now(); until(false, 'gone'); }
  }, true);
})();"""

COLLECT = """(find) => {
  const count = (node) => {
    let n = node.nodeType === 1 || node.nodeType === 3 ? 1 : 0;
    if (node.shadowRoot) for (const c of node.shadowRoot.childNodes) n += count(c);
    for (const c of node.childNodes) n += count(c);
    return n;
  };
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    longtasks: window.__bench.longtasks, cls: window.__bench.cls,
    nodes: count(document.documentElement), load: nav.loadEventStart,
    shown: (SHOWN)((new Function('return ' + find))()()),
  };
}""".replace("SHOWN", SHOWN)


@dataclass
class Asset:
    body: bytes
    content_type: str
    encoded: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Fixture:
    """Everything the server answers: pages by variant, assets by path, and which assets each
    variant's banner needs."""

    key: str
    config: dict
    assets: dict[str, Asset]
    pages: dict[str, bytes]
    cert: Path
    log: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def npm_ci() -> None:
    """The pinned packages into bench/banner/node_modules (from the committed lock file)."""
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        check=True,
    )


def build_ours(tmp: Path) -> tuple[bytes, dict, str]:
    """The loader's response for the reference configuration, from a real publish on a fresh
    SQLite database (see ours.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)
    env["CONSENTSERVE_VAR_DIR"] = str(tmp / "var")
    subprocess.run([BIN / "consentserve", "migrate"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [sys.executable, HERE / "ours.py", tmp / "ours", SITE],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = done.stdout.strip().splitlines()[-1]
    config = json.loads((tmp / "ours" / "config.json").read_text())
    return (tmp / "ours" / "loader.js").read_bytes(), config, key


def compress(assets: dict[str, Asset], tmp: Path) -> None:
    """gzip -9 here, brotli quality 11 through Node's zlib (no Python brotli needed)."""
    files = []
    for i, asset in enumerate(assets.values()):
        asset.encoded["gzip"] = gzip.compress(asset.body, 9, mtime=0)
        path = tmp / f"asset{i}"
        path.write_bytes(asset.body)
        files.append(str(path))
    script = (
        "const z = require('zlib'), fs = require('fs');"
        "for (const f of process.argv.slice(1)) fs.writeFileSync(f + '.br',"
        " z.brotliCompressSync(fs.readFileSync(f),"
        " {params: {[z.constants.BROTLI_PARAM_QUALITY]: 11}}));"
    )
    subprocess.run(["node", "-e", script, *files], check=True)
    for path, asset in zip(files, assets.values(), strict=True):
        asset.encoded["br"] = Path(path + ".br").read_bytes()


def fixture(tmp: Path) -> Fixture:
    loader, config, key = build_ours(tmp)
    vendor_cc = HERE / "node_modules" / "vanilla-cookieconsent" / "dist"
    vendor_klaro = HERE / "node_modules" / "klaro" / "dist"
    js, css = "application/javascript; charset=utf-8", "text/css; charset=utf-8"
    assets = {
        f"/c/{key}.js": Asset(loader, js),
        "/vendor/cookieconsent.css": Asset((vendor_cc / "cookieconsent.css").read_bytes(), css),
        "/vendor/cookieconsent.umd.js": Asset(
            (vendor_cc / "cookieconsent.umd.js").read_bytes(), js
        ),
        "/cookieconsent-config.js": Asset(configs.vanilla_init(config).encode(), js),
        "/vendor/klaro.js": Asset((vendor_klaro / "klaro.js").read_bytes(), js),
        "/klaro-config.js": Asset(configs.klaro_config(config).encode(), js),
    }
    compress(assets, tmp)
    pages = {
        variant: PAGE.format(head=head.format(key=key)).encode() for variant, head in HEADS.items()
    }
    return Fixture(key, config, assets, pages, certificate(tmp))


def certificate(tmp: Path) -> Path:
    """A throw-away self-signed certificate: pages are served over HTTPS like real ones (Secure
    cookies work, Chromium offers brotli only there)."""
    pem = tmp / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={SITE}",
            "-addext",
            f"subjectAltName=DNS:{SITE}",
            "-keyout",
            pem,
            "-out",
            pem,
        ],
        check=True,
        capture_output=True,
    )
    return pem


def serve(fx: Fixture) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _send(self, status, body=b"", content_type=None, headers=()):
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = self.path.split("?")[0]
            variant = path.strip("/").removesuffix(".html")
            if variant in fx.pages and path.endswith(".html"):
                self._send(
                    200,
                    fx.pages[variant],
                    "text/html; charset=utf-8",
                    [("Cache-Control", "no-store")],
                )
            elif path == "/hero.svg":
                time.sleep(HERO_DELAY)
                self._send(200, HERO, "image/svg+xml", [("Cache-Control", "no-store")])
            elif path in fx.assets:
                asset = fx.assets[path]
                accepted = [
                    e.split(";")[0].strip()
                    for e in self.headers.get("Accept-Encoding", "").split(",")
                ]
                encoding = next((e for e in ("br", "gzip") if e in accepted), None)
                body = asset.encoded[encoding] if encoding else asset.body
                headers = [("Cache-Control", "public, max-age=300"), ("Vary", "Accept-Encoding")]
                if encoding:
                    headers.append(("Content-Encoding", encoding))
                with fx.lock:
                    fx.log.append((path, encoding, len(body)))
                self._send(200, body, asset.content_type, headers)
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == f"/c/{fx.key}/consent":
                self._send(204)
            else:
                self._send(404, b"not found", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(fx.cert)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def load_clean(browser, url: str, variant: str, rate: int) -> dict:
    """One cold load without polling: script time, long tasks, CLS, DOM nodes, requests."""
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE", ignore_https_errors=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        if rate > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        page.add_init_script(OBSERVE)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url, wait_until="load")
        page.wait_for_timeout(SETTLE_MS[rate])
        # Before any evaluate, so that the measurement itself is not in it.
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        state = page.evaluate(COLLECT, FINDERS[variant])
    finally:
        context.close()
    if variant != "baseline" and not state["shown"]:
        raise RuntimeError(f"{variant}: banner not visible {SETTLE_MS[rate]} ms after load")
    return {
        "script_ms": metrics["ScriptDuration"] * 1000,
        "layout_ms": (metrics["RecalcStyleDuration"] + metrics["LayoutDuration"]) * 1000,
        "longtasks": len(state["longtasks"]),
        "longest_ms": max(state["longtasks"], default=0.0),
        "tbt_ms": sum(max(0.0, d - 50) for d in state["longtasks"]),
        "cls": state["cls"],
        "nodes": state["nodes"],
        "requests": len(requests),
    }


def load_timing(browser, url: str, variant: str, accept_all: str) -> dict:
    """One cold load with the frame poll: time to visible, before/after load, click → gone."""
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE", ignore_https_errors=True)
    try:
        page = context.new_page()
        poll = POLL.replace("FIND", FINDERS[variant]).replace("SHOWN", SHOWN)
        page.add_init_script(OBSERVE + "\n" + poll)
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url, wait_until="load")
        page.wait_for_function("window.__bench.visible !== null", polling=50, timeout=10_000)
        load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart")
        visible = page.evaluate("window.__bench.visible")
        before_click = len(requests)
        page.get_by_role("button", name=accept_all, exact=True).first.click()
        page.wait_for_function("window.__bench.gone !== null", polling=50, timeout=10_000)
        bench = page.evaluate("window.__bench")
        if not context.cookies():
            raise RuntimeError(f"{variant}: no consent cookie after accept all")
    finally:
        context.close()
    return {
        "visible_ms": visible,
        "load_ms": load,
        "before_load": visible < load,
        "gone_ms": bench["gone"] - bench["click"],
        "requests_before_click": before_click,
    }


def median(values):
    return statistics.median(values)


def p90(values):
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def run(loads: int, warmup: int = 1) -> dict:
    from playwright.sync_api import sync_playwright

    npm_ci()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    samples = {kind: {v: [] for v in VARIANTS} for kind in ("timing", "clean", "slow")}
    with tempfile.TemporaryDirectory() as tmp:
        fx = fixture(Path(tmp))
        server = serve(fx)
        base = f"https://{SITE}:{server.server_address[1]}"
        accept_all = fx.config["texts"]["de"]["accept_all"]
        started = time.monotonic()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for round_ in range(warmup + loads):
                    keep = round_ >= warmup
                    for variant in BANNERS:
                        url = f"{base}/{variant}.html"
                        fx.log.clear()
                        result = load_timing(browser, url, variant, accept_all)
                        result["sent"] = list(fx.log)
                        if keep:
                            samples["timing"][variant].append(result)
                    for kind, rate in (("clean", 1), ("slow", 4)):
                        for variant in VARIANTS:
                            result = load_clean(browser, f"{base}/{variant}.html", variant, rate)
                            if keep:
                                samples[kind][variant].append(result)
                browser.close()
        finally:
            server.shutdown()
        elapsed = time.monotonic() - started
        # What the banner's requests fetched, as the server logged them (one timing load).
        sizes = {}
        for variant in BANNERS:
            paths = sorted({path for path, _, _ in samples["timing"][variant][0]["sent"]})
            sizes[variant] = {
                "raw": sum(len(fx.assets[p].body) for p in paths),
                "gzip": sum(len(fx.assets[p].encoded["gzip"]) for p in paths),
                "br": sum(len(fx.assets[p].encoded["br"]) for p in paths),
                "files": paths,
            }
    # Other work on the machine shows in absolute times; the ratios in one run are fairer.
    return {
        "key": fx.key,
        "load_average": os.getloadavg()[1],
        **summarise(samples, sizes, loads, elapsed),
    }


def summarise(samples: dict, sizes: dict, loads: int, elapsed: float) -> dict:
    clean, slow, timing = samples["clean"], samples["slow"], samples["timing"]

    def values(kind, variant, key):
        return [s[key] for s in kind[variant]]

    base = {
        "script_1x": median(values(clean, "baseline", "script_ms")),
        "script_4x": median(values(slow, "baseline", "script_ms")),
        "layout_1x": median(values(clean, "baseline", "layout_ms")),
        "nodes": median(values(clean, "baseline", "nodes")),
        "requests": median(values(clean, "baseline", "requests")),
        "tbt_1x": median(values(clean, "baseline", "tbt_ms")),
        "tbt_4x": median(values(slow, "baseline", "tbt_ms")),
        "longtasks_1x": max(values(clean, "baseline", "longtasks")),
    }
    result = {
        "loads": loads,
        "elapsed_s": elapsed,
        "baseline": base,
        "banners": {},
        "samples": samples,
    }
    for v in BANNERS:
        sent = timing[v][0]["sent"]
        result["banners"][v] = {
            "bytes_raw": sizes[v]["raw"],
            "bytes_gzip": sizes[v]["gzip"],
            "bytes_br": sizes[v]["br"],
            "files": sizes[v]["files"],
            "encoding_sent": sorted({e or "identity" for _, e, _ in sent}),
            "requests_added": median(values(clean, v, "requests")) - base["requests"],
            "requests_before_click": max(values(timing, v, "requests_before_click"))
            - base["requests"],
            "visible_ms": median(values(timing, v, "visible_ms")),
            "visible_p90_ms": p90(values(timing, v, "visible_ms")),
            "load_ms": median(values(timing, v, "load_ms")),
            "before_load": sum(values(timing, v, "before_load")),
            "script_1x_ms": median(values(clean, v, "script_ms")) - base["script_1x"],
            "script_4x_ms": median(values(slow, v, "script_ms")) - base["script_4x"],
            "layout_1x_ms": median(values(clean, v, "layout_ms")) - base["layout_1x"],
            "longtasks_1x_max": max(values(clean, v, "longtasks")),
            "longtask_loads_1x": sum(1 for x in values(clean, v, "longtasks") if x),
            "longest_task_1x_ms": max(values(clean, v, "longest_ms")),
            "tbt_1x_ms": median(values(clean, v, "tbt_ms")),
            "tbt_1x_p90_ms": p90(values(clean, v, "tbt_ms")),
            "tbt_4x_ms": median(values(slow, v, "tbt_ms")),
            "tbt_4x_p90_ms": p90(values(slow, v, "tbt_ms")),
            "cls_max": max(values(clean, v, "cls") + values(slow, v, "cls")),
            "nodes_added": median(values(clean, v, "nodes")) - base["nodes"],
            "gone_ms": median(values(timing, v, "gone_ms")),
            "gone_p90_ms": p90(values(timing, v, "gone_ms")),
        }
    return result


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB ({n:,})"


def report(r: dict) -> str:
    b = r["banners"]
    ours, cc = b["ours"], b["vanilla"]
    n = r["loads"]
    rows = [
        ("bytes on the wire, gzip", lambda x: _kb(x["bytes_gzip"])),
        ("bytes on the wire, brotli", lambda x: _kb(x["bytes_br"])),
        ("uncompressed", lambda x: _kb(x["bytes_raw"])),
        ("requests added", lambda x: f"{x['requests_added']:g}"),
        (
            "banner visible after navigation start, median (p90)",
            lambda x: f"{x['visible_ms']:.0f} ms ({x['visible_p90_ms']:.0f})",
        ),
        ("… before the load event", lambda x: f"{x['before_load']}/{n}"),
        ("added script time, 1x CPU, median", lambda x: f"{x['script_1x_ms']:.1f} ms"),
        ("added script time, 4x CPU, median", lambda x: f"{x['script_4x_ms']:.1f} ms"),
        ("added style and layout time, 1x CPU, median", lambda x: f"{x['layout_1x_ms']:.1f} ms"),
        (
            "loads with a long task at 1x CPU (longest task)",
            lambda x: f"{x['longtask_loads_1x']}/{n} ({x['longest_task_1x_ms']:.0f} ms)",
        ),
        (
            "total blocking time, 1x CPU, median (p90)",
            lambda x: f"{x['tbt_1x_ms']:.0f} ms ({x['tbt_1x_p90_ms']:.0f})",
        ),
        (
            "total blocking time, 4x CPU, median (p90)",
            lambda x: f"{x['tbt_4x_ms']:.0f} ms ({x['tbt_4x_p90_ms']:.0f})",
        ),
        ("CLS, largest", lambda x: f"{x['cls_max']:.3f}"),
        ("DOM nodes added before interaction", lambda x: f"{x['nodes_added']:g}"),
        (
            'click on "accept all" until gone, median (p90)',
            lambda x: f"{x['gone_ms']:.0f} ms ({x['gone_p90_ms']:.0f})",
        ),
    ]
    lines = [
        f"## Banner benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores",
        "",
        f"{n} cold loads per variant and kind, interleaved, headless Chromium; "
        f"{r['elapsed_s']:.0f} s in all, load average {r['load_average']:.1f} over the last 5 "
        "minutes.",
        "",
        "| | " + " | ".join(NAMES[v] for v in BANNERS) + " | ours / vanilla |",
        "|---|" + "---|" * (len(BANNERS) + 1),
    ]
    ratio_keys = {
        "bytes on the wire, gzip": "bytes_gzip",
        "bytes on the wire, brotli": "bytes_br",
        "added script time, 1x CPU, median": "script_1x_ms",
        "added script time, 4x CPU, median": "script_4x_ms",
        "banner visible after navigation start, median (p90)": "visible_ms",
        'click on "accept all" until gone, median (p90)': "gone_ms",
    }
    for label, fmt in rows:
        key = ratio_keys.get(label)
        ratio = f"{ours[key] / cc[key]:.2f}" if key and cc[key] else ""
        lines.append(f"| {label} | " + " | ".join(fmt(b[v]) for v in BANNERS) + f" | {ratio} |")
    base = r["baseline"]
    lines += [
        "",
        f"Baseline page: script time {base['script_1x']:.1f} ms (1x) and "
        f"{base['script_4x']:.1f} ms (4x), style and layout {base['layout_1x']:.1f} ms (1x), "
        f"{base['nodes']:g} DOM nodes, "
        f"{base['requests']:g} requests, total blocking time {base['tbt_1x']:.0f} ms (1x) and "
        f"{base['tbt_4x']:.0f} ms (4x).",
        "",
        "### Targets (ours)",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    checks = [
        (
            "everything the banner needs ≤ 8 KB gzip",
            _kb(ours["bytes_gzip"]),
            ours["bytes_gzip"] <= 8192,
        ),
        ("at most 2 requests", f"{ours['requests_added']:g}", ours["requests_added"] <= 2),
        ("added script time ≤ 5 ms", f"{ours['script_1x_ms']:.1f} ms", ours["script_1x_ms"] <= 5),
        (
            "… and ≤ 40 % of vanilla-cookieconsent's",
            f"{ours['script_1x_ms'] / cc['script_1x_ms']:.0%}" if cc["script_1x_ms"] > 0 else "–",
            cc["script_1x_ms"] > 0 and ours["script_1x_ms"] <= 0.4 * cc["script_1x_ms"],
        ),
        (
            "no long task at 1x CPU",
            f"{ours['longtask_loads_1x']}/{n} loads",
            ours["longtask_loads_1x"] == 0,
        ),
        (
            "total blocking time 0 at 1x CPU",
            f"{ours['tbt_1x_p90_ms']:.0f} ms (p90)",
            ours["tbt_1x_p90_ms"] == 0,
        ),
        ("CLS 0", f"{ours['cls_max']:.3f}", ours["cls_max"] == 0),
        (
            "≤ 40 DOM nodes before interaction",
            f"{ours['nodes_added']:g}",
            ours["nodes_added"] <= 40,
        ),
        ("visible before the load event", f"{ours['before_load']}/{n}", ours["before_load"] == n),
        (
            "gone within 50 ms of the click",
            f"{ours['gone_p90_ms']:.0f} ms (p90)",
            ours["gone_p90_ms"] <= 50,
        ),
    ]
    for label, measured, met in checks:
        lines.append(f"| {label} | {measured} | {'yes' if met else '**no**'} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=15, help="cold loads per variant and kind")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and discarded")
    parser.add_argument("--out", type=Path, default=RESULTS / "banner.md")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON")
    args = parser.parse_args()
    result = run(args.loads, args.warmup)
    text = report(result)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
