"""The proof of one consent record: the record, exactly the published version its visitor was
shown, and the hashes that tie the two together (Art. 7(1) GDPR, REQUIREMENTS T4).

Two checks: the record's `sha256` must equal the version's `config["sha256"]` (the texts the
collector accepted the decision for), and the version's stored `sha256` must still be the hash
of its configuration (nothing changed the evidence afterwards). The page shows a warning when
either fails; the JSON download carries both results.
"""

from dataclasses import dataclass

from consentserve.installations.config import TEXT_KEYS, sha256_hex

from .exports import iso_utc, row_document
from .models import ConsentRecord

PROOF_FORMAT = 1


@dataclass
class Proof:
    record: ConsentRecord
    version: object  # installations.PublishedVersion
    language: str  # the record's language, or the version's default when it has no texts in it
    texts_sha256: str  # config["sha256"] of the version
    texts_match: bool
    config_sha256: str  # recomputed from the stored configuration
    config_intact: bool

    @property
    def valid(self) -> bool:
        return self.texts_match and self.config_intact


def proof_of(record: ConsentRecord) -> Proof:
    version = record.version
    config = version.config
    texts_sha256 = config.get("sha256", "")
    config_sha256 = sha256_hex(config)
    language = record.language
    if language not in (config.get("texts") or {}):
        language = config.get("default_language", "")
    return Proof(
        record=record,
        version=version,
        language=language,
        texts_sha256=texts_sha256,
        texts_match=record.sha256 == texts_sha256
        and record.installation_id == version.installation_id,
        config_sha256=config_sha256,
        config_intact=config_sha256 == version.sha256,
    )


def _text(value, language: str) -> str:
    """A text of the configuration: one string, or one per language."""
    if isinstance(value, dict):
        return value.get(language) or ""
    return value or ""


def shown_texts(proof: Proof) -> list[tuple[str, str]]:
    """(key, text) of the banner's texts in the record's language, in the runtime's order."""
    texts = (proof.version.config.get("texts") or {}).get(proof.language) or {}
    return [(key, texts.get(key, "")) for key in TEXT_KEYS]


def shown_categories(proof: Proof) -> list[dict]:
    """The version's categories with their services, each with the record's choice."""
    config = proof.version.config
    choices = proof.record.choices or {}
    chosen_categories = choices.get("categories") or {}
    chosen_services = choices.get("services") or {}
    language = proof.language
    services_by_category: dict[str, list[dict]] = {}
    for service in config.get("services") or []:
        services_by_category.setdefault(service.get("category"), []).append(
            {
                "id": service.get("id"),
                "name": service.get("name") or service.get("id"),
                "provider": _text(service.get("provider"), language),
                "purpose": _text(service.get("purpose"), language),
                "granted": chosen_services.get(service.get("id")),
            }
        )
    return [
        {
            "id": category.get("id"),
            "label": _text(category.get("label"), language) or category.get("id"),
            "description": _text(category.get("description"), language),
            "required": bool(category.get("required")),
            "granted": chosen_categories.get(category.get("id")),
            "services": services_by_category.get(category.get("id"), []),
        }
        for category in config.get("categories") or []
    ]


def proof_document(proof: Proof) -> dict:
    """The downloadable proof: the record as exported, the version's whole configuration and
    the checks."""
    record = proof.record
    version = proof.version
    row = (
        record.pk,
        record.created_at,
        record.installation.public_key,
        version.number,
        record.consent_id,
        record.sha256,
        record.action,
        record.choices,
        record.layer,
        record.gpc,
        record.language,
        record.ip,
        record.browser,
        record.os,
        record.origin,
        record.path,
        record.client_time,
    )
    return {
        "format": PROOF_FORMAT,
        "record": row_document(row),
        "version": {
            "number": version.number,
            "published_at": iso_utc(version.published_at),
            "sha256": version.sha256,
            "config": version.config,
        },
        "checks": {
            "record_sha256": record.sha256,
            "version_texts_sha256": proof.texts_sha256,
            "texts_match": proof.texts_match,
            "version_config_sha256_recomputed": proof.config_sha256,
            "config_intact": proof.config_intact,
            "hash": "SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8)",
        },
    }
