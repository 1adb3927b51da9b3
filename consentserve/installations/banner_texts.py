"""Banner texts that depend on what the banner configures, worked out when a version is
compiled, so that they are true of each version rather than of a default.

- The number of services takes its plural form: German and English use the singular exactly
  for one (CLDR plural category "one"), so a draft may give `services_count_one` for it.
- The sentence on transfers to third countries names the services that make them and the
  countries, from the catalog; a draft whose services transfer nothing says nothing about it.
"""

import re

from .catalog import COUNTRY_NAMES, catalog_get, transfer_text
from .catalog import Transfer as CatalogTransfer

# The singular where a draft has none of its own (drafts saved before it existed).
SERVICES_COUNT_ONE = {"de": "{n} Dienst", "en": "{n} service"}
# Words with which a text claims transfers to third countries.
THIRD_COUNTRY_WORDS = re.compile(
    r"drittl[aä]nd|third[- ]countr|au(ß|ss)erhalb de[rs] (EU|EWR)|outside the (EU|EEA)", re.I
)
_NO_TRANSFER = transfer_text(CatalogTransfer((), "none"))


def services_count_text(texts: dict, lang: str, count: int) -> str:
    if count == 1:
        return (texts.get("services_count_one") or "").strip() or SERVICES_COUNT_ONE[lang]
    return texts.get("services_count", "")


def transfers(services: list[dict]) -> list[tuple[str, tuple[str, ...]]]:
    """(service name, ISO codes of the third countries) of each service that transfers data out
    of the EEA: the catalog knows the countries of its services; of a service described by the
    customer, its own transfer text says whether (but not where) it does."""
    catalog = catalog_get()
    found = []
    for service in services:
        entry = catalog.get(service["id"])
        if entry is not None:
            if entry.transfer.countries:
                found.append((service["name"], entry.transfer.countries))
            continue
        text = service.get("transfer") or {}
        if any(
            (text.get(lang) or "").strip() not in ("", getattr(_NO_TRANSFER, lang))
            for lang in ("de", "en")
        ):
            found.append((service["name"], ()))
    return found


def transfer_sentence(services: list[dict], lang: str) -> str:
    """The banner's sentence on third-country transfers, or "" when no service makes one."""
    found = transfers(services)
    if not found:
        return ""
    index = 0 if lang == "de" else 1
    parts = []
    for name, countries in found:
        where = ", ".join(COUNTRY_NAMES[code][index] for code in countries)
        parts.append(f"{name} ({where})" if where else name)
    if lang == "de":
        return (
            "Diese Dienste übermitteln Daten in Länder außerhalb der EU: " + ", ".join(parts) + "."
        )
    return "These services transfer data to countries outside the EU: " + ", ".join(parts) + "."


def body_text(texts: dict, lang: str, services: list[dict]) -> str:
    """The banner's text with the transfer sentence, unless the text already speaks of third
    countries (the linter refuses that claim when no service transfers)."""
    body = texts.get("body", "")
    sentence = transfer_sentence(services, lang)
    if not sentence or THIRD_COUNTRY_WORDS.search(body):
        return body
    return f"{body.rstrip()} {sentence}".strip()
