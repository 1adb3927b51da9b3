"""The service catalog shipped with the product (services.yaml): common third-party services
with what a banner must disclose about them. Customers add a service from it to their draft
with catalog_service_to_config, or define their own.

Loaded once into frozen dataclasses; a broken entry fails loudly with its id and field.
"""

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import yaml

from ..config import CONSENT_MODE_SIGNALS

CATALOG_PATH = Path(__file__).with_name("services.yaml")
CATEGORIES = ("necessary", "preferences", "statistics", "marketing")
LEGAL_BASES = ("consent", "necessary", "contract")
# How a transfer to a third country is made lawful (Chapter V GDPR).
MECHANISMS = {
    "none": ("", ""),
    "adequacy": ("Angemessenheitsbeschluss (Art. 45 DSGVO)", "adequacy decision (Art. 45 GDPR)"),
    "dpf": (
        "EU-US Data Privacy Framework (Art. 45 DSGVO)",
        "EU-US Data Privacy Framework (Art. 45 GDPR)",
    ),
    "scc": (
        "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)",
        "standard contractual clauses (Art. 46(2)(c) GDPR)",
    ),
    "bcr": (
        "verbindliche interne Datenschutzvorschriften (Art. 47 DSGVO)",
        "binding corporate rules (Art. 47 GDPR)",
    ),
}
COUNTRY_NAMES = {
    "US": ("USA", "USA"),
    "GB": ("Vereinigtes Königreich", "United Kingdom"),
    "NZ": ("Neuseeland", "New Zealand"),
}
FIELDS = (
    "id",
    "name",
    "category",
    "provider",
    "purpose",
    "privacy_url",
    "cookies",
    "storage",
    "transfer",
    "legal_basis",
    "consent_mode",
    "essential",
)


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Text:
    de: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"de": self.de, "en": self.en}


@dataclass(frozen=True)
class StorageItem:
    name: str
    pattern: bool  # the name contains * standing for any characters
    lifetime: Text


@dataclass(frozen=True)
class Transfer:
    countries: tuple[str, ...]
    mechanism: str


@dataclass(frozen=True)
class CatalogService:
    id: str
    name: str
    category: str
    # None for software the website's operator runs itself: the operator is the provider. The
    # address ends in the country, whose name differs between the languages.
    provider: Text | None
    purpose: Text
    privacy_url: str | None
    cookies: tuple[StorageItem, ...]
    storage: tuple[StorageItem, ...]
    transfer: Transfer
    legal_basis: str
    consent_mode: tuple[str, ...]
    essential: bool
    # Where the website scanner recognises the service: "host" (and its subdomains) or
    # "host/path" (the `detection` section of services.yaml); not part of what a banner shows.
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    services: tuple[CatalogService, ...]

    def get(self, service_id: str) -> CatalogService | None:
        return next((s for s in self.services if s.id == service_id), None)


def _text(value, where: str) -> Text:
    if not isinstance(value, dict) or set(value) != {"de", "en"}:
        raise CatalogError(f"{where}: needs exactly a German and an English text")
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise CatalogError(f"{where}: texts must not be empty")
    return Text(de=value["de"], en=value["en"])


def _items(value, where: str) -> tuple[StorageItem, ...]:
    if not isinstance(value, list):
        raise CatalogError(f"{where}: must be a list")
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"name", "lifetime"}:
            raise CatalogError(f"{where}.{i}: needs name and lifetime")
        name = item["name"]
        if not isinstance(name, str) or not name:
            raise CatalogError(f"{where}.{i}.name: must be text")
        items.append(StorageItem(name, "*" in name, _text(item["lifetime"], f"{where}.{i}")))
    return tuple(items)


def _service(raw, index: int) -> CatalogService:
    if not isinstance(raw, dict):
        raise CatalogError(f"entry {index}: must be a mapping")
    where = str(raw.get("id", f"entry {index}"))
    if set(raw) != set(FIELDS):
        raise CatalogError(f"{where}: fields must be exactly {', '.join(FIELDS)}")
    if raw["category"] not in CATEGORIES:
        raise CatalogError(f"{where}: unknown category {raw['category']!r}")
    if raw["legal_basis"] not in LEGAL_BASES:
        raise CatalogError(f"{where}: unknown legal basis {raw['legal_basis']!r}")
    if not isinstance(raw["essential"], bool):
        raise CatalogError(f"{where}: essential must be true or false")
    # Only what the visitor asked for may run without consent (§ 25(2) no. 2 TDDDG).
    if raw["essential"] != (raw["legal_basis"] != "consent"):
        raise CatalogError(f"{where}: essential services need no consent, the others do")
    if raw["essential"] != (raw["category"] == "necessary"):
        raise CatalogError(f"{where}: essential services belong in 'necessary', only they")
    self_hosted = raw["provider"] is None
    if self_hosted and raw["privacy_url"] is not None:
        raise CatalogError(f"{where}: self-hosted services have neither provider nor privacy_url")
    if not self_hosted:
        provider = _text(raw["provider"], f"{where}.provider")
        if "," not in provider.de or "," not in provider.en:
            raise CatalogError(f"{where}: provider must be its name and address")
        # null: a processor on the website's behalf, which the website's own policy describes.
        if raw["privacy_url"] is not None and not str(raw["privacy_url"]).startswith("https://"):
            raise CatalogError(f"{where}: privacy_url must be an https address")
    transfer = raw["transfer"]
    if not isinstance(transfer, dict) or set(transfer) != {"countries", "mechanism"}:
        raise CatalogError(f"{where}: transfer needs countries and mechanism")
    countries = tuple(transfer["countries"] or ())
    if any(country not in COUNTRY_NAMES for country in countries):
        raise CatalogError(f"{where}: unknown transfer country in {countries}")
    if transfer["mechanism"] not in MECHANISMS or (transfer["mechanism"] == "none") != (
        not countries
    ):
        raise CatalogError(f"{where}: a transfer needs a mechanism, and only a transfer has one")
    signals = tuple(raw["consent_mode"] or ())
    if any(signal not in CONSENT_MODE_SIGNALS for signal in signals):
        raise CatalogError(f"{where}: unknown Consent Mode signal in {signals}")
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        raise CatalogError(f"{where}: name must be text")
    return CatalogService(
        id=raw["id"],
        name=raw["name"],
        category=raw["category"],
        provider=None if self_hosted else _text(raw["provider"], f"{where}.provider"),
        purpose=_text(raw["purpose"], f"{where}.purpose"),
        privacy_url=raw["privacy_url"],
        cookies=_items(raw["cookies"], f"{where}.cookies"),
        storage=_items(raw["storage"], f"{where}.storage"),
        transfer=Transfer(countries, transfer["mechanism"]),
        legal_basis=raw["legal_basis"],
        consent_mode=signals,
        essential=raw["essential"],
    )


def catalog_parse(text: str) -> Catalog:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise CatalogError("the catalog needs a list under 'services'")
    services = tuple(_service(raw, i) for i, raw in enumerate(data["services"]))
    ids = [service.id for service in services]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"service ids used twice: {', '.join(duplicates)}")
    hosts = _detection(data.get("detection") or {}, set(ids))
    return Catalog(tuple(replace(s, hosts=hosts.get(s.id, ())) for s in services))


def _detection(value, ids: set[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise CatalogError("detection: must map service ids to their hosts")
    hosts = {}
    for service_id, entry in value.items():
        if service_id not in ids:
            raise CatalogError(f"detection: unknown service {service_id!r}")
        if not isinstance(entry, dict) or set(entry) != {"hosts"}:
            raise CatalogError(f"detection.{service_id}: needs exactly hosts")
        names = entry["hosts"]
        if not isinstance(names, list) or not all(
            isinstance(h, str) and h and h == h.lower() and "://" not in h and " " not in h
            for h in names
        ):
            raise CatalogError(f"detection.{service_id}: hosts must be lower-case host names")
        hosts[service_id] = tuple(names)
    return hosts


@cache
def catalog_get() -> Catalog:
    return catalog_parse(CATALOG_PATH.read_text(encoding="utf-8"))


def transfer_text(transfer: Transfer) -> Text:
    """What the banner says about a third-country transfer."""
    if not transfer.countries:
        return Text(de="Keine Übermittlung in Drittländer.", en="No transfer to third countries.")
    mechanism_de, mechanism_en = MECHANISMS[transfer.mechanism]
    names = [COUNTRY_NAMES[country] for country in transfer.countries]
    return Text(
        de=f"Übermittlung in: {', '.join(n[0] for n in names)}; Grundlage: {mechanism_de}.",
        en=f"Transfer to: {', '.join(n[1] for n in names)}; safeguard: {mechanism_en}.",
    )


def catalog_service_to_config(entry: CatalogService) -> dict:
    """`entry` as a service of the draft and the compiled configuration. For self-hosted
    software provider and privacy_url are empty: the website's operator provides it and its own
    privacy policy (texts.privacy_url) describes it."""

    def items(values: tuple[StorageItem, ...]) -> list[dict]:
        return [
            {"name": item.name, "pattern": item.pattern, "lifetime": item.lifetime.as_dict()}
            for item in values
        ]

    return {
        "id": entry.id,
        "category": entry.category,
        "name": entry.name,
        "provider": entry.provider.as_dict() if entry.provider else "",
        "purpose": entry.purpose.as_dict(),
        "privacy_url": entry.privacy_url or "",
        "cookies": items(entry.cookies),
        "storage": items(entry.storage),
        "consent_mode": list(entry.consent_mode),
        "transfer": transfer_text(entry.transfer).as_dict(),
    }
