"""Names what a scan saw: each cookie, storage key, IndexedDB database and request to another host
is matched to a service, first in the product's catalog (names of cookies and storage keys, and
the hosts of its `detection` section), then in the Open Cookie Database (names only), else it
stays unclassified. Anything not strictly necessary that appears while the visitor has not
agreed (no choice, reject all, GPC) is a leak, with its evidence."""

import fnmatch
from dataclasses import dataclass
from functools import cache

from consentserve.installations.catalog import catalog_get

from .collect import ACCEPT, GPC, NO_CHOICE, REJECT, STATES
from .ocd import ocd_entries

# Without consent only these states count: what appears there must be strictly necessary.
REFUSED_STATES = (NO_CHOICE, REJECT, GPC)
# The banner's own consent cookie: strictly necessary, part of no catalog service.
OWN = {"consentserve_consent"}
KINDS = ("cookie", "local_storage", "session_storage", "indexeddb", "request")


@dataclass(frozen=True)
class Match:
    key: str  # "catalog:posthog", "ocd:Mixpanel", "own"
    name: str
    category: str
    source: str  # catalog, ocd, own
    catalog_id: str = ""


def _service_match(service) -> Match:
    return Match(f"catalog:{service.id}", service.name, service.category, "catalog", service.id)


@cache
def _catalog_names() -> tuple[tuple[str, str, Match], ...]:
    """(kind, pattern, match) for every cookie and storage name of the catalog."""
    found = []
    for service in catalog_get().services:
        match = _service_match(service)
        for item in service.cookies:
            found.append(("cookie", item.name, match))
        for item in service.storage:
            found.append(("storage", item.name, match))
    return tuple(found)


@cache
def _catalog_hosts() -> tuple[tuple[str, str, Match], ...]:
    """(host, path prefix, match), the longest host and path first."""
    found = []
    for service in catalog_get().services:
        match = _service_match(service)
        for entry in service.hosts:
            host, _, path = entry.partition("/")
            found.append((host, "/" + path if path else "", match))
    return tuple(sorted(found, key=lambda f: (-len(f[0]), -len(f[1]))))


def _name_matches(pattern: str, name: str) -> bool:
    if "*" in pattern:
        return fnmatch.fnmatchcase(name, pattern)
    return name == pattern


def classify_name(kind: str, name: str) -> Match | None:
    """The service a cookie or storage key (`kind` cookie or storage) belongs to."""
    if name in OWN:
        return Match("own", "CONSENTserve", "necessary", "own")
    for item_kind, pattern, match in _catalog_names():
        # A service's storage keys are often its cookie names too, and the other way round.
        if item_kind == kind and _name_matches(pattern, name):
            return match
    for item_kind, pattern, match in _catalog_names():
        if item_kind != kind and _name_matches(pattern, name):
            return match
    # Exact names before prefixes, so "_ga" does not take "_gat_…" from its own entry.
    best = None
    for platform, category, entry, prefix, _domain, _retention in ocd_entries():
        if entry == name:
            return Match(f"ocd:{platform}", platform, category, "ocd")
        if prefix and name.startswith(entry) and (best is None or len(entry) > len(best[0])):
            best = (entry, Match(f"ocd:{platform}", platform, category, "ocd"))
    return best[1] if best else None


def classify_host(host: str, path: str) -> Match | None:
    """The service a request to `host` and `path` belongs to (catalog hosts only)."""
    host = host.lower()
    for pattern, prefix, match in _catalog_hosts():
        if (host == pattern or host.endswith("." + pattern)) and path.startswith(prefix):
            return match
    return None


def _items(record: dict):
    """(kind, name, detail) of everything one state recorded that can be classified."""
    for cookie in record.get("cookies", ()):
        yield "cookie", cookie["name"], cookie
    for kind in ("local_storage", "session_storage"):
        for item in record.get(kind, ()):
            yield kind, item["key"], item
    for item in record.get("indexeddb", ()):
        yield "indexeddb", item["name"], item
    for request in record.get("requests", ()):
        yield "request", f"{request['host']}{request['path']}", request


def _match(kind: str, detail: dict) -> Match | None:
    if kind == "request":
        return classify_host(detail["host"], detail["path"])
    return classify_name("cookie" if kind == "cookie" else "storage", _name_of(kind, detail))


def _name_of(kind: str, detail: dict) -> str:
    return detail.get("name") or detail.get("key") or ""


def classify(observed: dict, banner_services: list[dict] | None = None) -> dict:
    """The scan's report: `observed` (collect.py's result) with services, unclassified items,
    leaks and, given the services of the installation's banner, what is missing on either side."""
    services: dict[str, dict] = {}
    unclassified: dict[tuple, dict] = {}
    leaks: list[dict] = []
    seen: set[tuple] = set()
    for page in observed.get("pages", ()):
        for state in STATES:
            record = page["states"].get(state)
            if record is None:
                continue
            first_request = {}
            matched = []
            for kind, name, detail in _items(record):
                match = _match(kind, detail)
                matched.append((kind, name, detail, match))
                if match and kind == "request":
                    first_request.setdefault(match.key, detail)
            for kind, name, detail, match in matched:
                if match is None:
                    entry = unclassified.setdefault(
                        (kind, name), {"kind": kind, "name": name, "states": [], "pages": []}
                    )
                    _note(entry, state, page["url"])
                    continue
                service = services.setdefault(
                    match.key,
                    {
                        "key": match.key,
                        "name": match.name,
                        "category": match.category,
                        "source": match.source,
                        "catalog_id": match.catalog_id,
                        "items": {},
                    },
                )
                item = service["items"].setdefault(
                    (kind, name), {"kind": kind, "name": name, "states": [], "pages": []}
                )
                _note(item, state, page["url"])
                # One leak per page, state and item: the first time it appeared.
                key = (page["url"], state, kind, name)
                if state in REFUSED_STATES and match.category != "necessary" and key not in seen:
                    seen.add(key)
                    evidence = detail if kind == "request" else first_request.get(match.key, {})
                    leaks.append(
                        {
                            "page": page["url"],
                            "state": state,
                            "kind": kind,
                            "item": name,
                            "service": match.name,
                            "service_key": match.key,
                            "category": match.category,
                            "ms": detail.get("ms"),
                            "request": evidence.get("url", ""),
                            "initiator": evidence.get("initiator", ""),
                            "screenshot": record.get("screenshot", ""),
                        }
                    )
    for service in services.values():
        service["items"] = sorted(service["items"].values(), key=lambda i: (i["kind"], i["name"]))
    report = {
        **{k: v for k, v in observed.items() if k != "pages"},
        "pages": observed.get("pages", []),
        "services": sorted(services.values(), key=lambda s: (s["category"], s["name"].lower())),
        "unclassified": sorted(unclassified.values(), key=lambda i: (i["kind"], i["name"])),
        "leaks": leaks,
        "states_need_banner": not observed.get("banner", False),
    }
    if banner_services is not None:
        report.update(compare_with_banner(report["services"], banner_services))
    return report


def _note(entry: dict, state: str, url: str) -> None:
    if state not in entry["states"]:
        entry["states"].append(state)
    if url not in entry["pages"]:
        entry["pages"].append(url)


def compare_with_banner(found: list[dict], banner_services: list[dict]) -> dict:
    """Services found but not in the banner, and services in the banner but not found (by
    catalog id; a custom service of the banner counts as found when a finding of the Open Cookie
    Database or the catalog carries its name)."""
    in_banner = {s["id"] for s in banner_services}
    names = {s.get("name", "").lower() for s in banner_services}
    missing, present = [], set()
    for service in found:
        if service["source"] == "own":
            continue
        if service["catalog_id"] in in_banner or service["name"].lower() in names:
            present.add(service["catalog_id"] or service["name"].lower())
            continue
        if service["category"] != "necessary" or service["catalog_id"]:
            missing.append(service)
    not_found = [
        s
        for s in banner_services
        if s["id"] not in present and s.get("name", "").lower() not in present
    ]
    return {"not_in_banner": missing, "not_found": not_found}


__all__ = ["ACCEPT", "classify", "classify_host", "classify_name", "compare_with_banner"]
