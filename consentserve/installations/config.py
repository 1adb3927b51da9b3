"""The banner configuration: the draft a customer edits, its structural validation, and the
document the browser gets for a published version.

The compiled document is the contract with the banner runtime; its shape is pinned by
tests/test_installations_config.py. Only the structure is checked here; what the law asks of
the content is the compliance linter's job (linter.py).
"""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

CONFIG_FORMAT = 1
LANGUAGES = ("de", "en")
CATEGORY_NECESSARY = "necessary"
POSITIONS = ("bottom", "top", "center")
CONSENT_MODE_SIGNALS = (
    "ad_storage",
    "analytics_storage",
    "ad_user_data",
    "ad_personalization",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
)
TEXT_KEYS = (
    "title",
    "body",
    "accept_all",
    "reject_all",
    "settings",
    "save",
    "privacy_label",
    "privacy_url",
    "imprint_label",
    "imprint_url",
    "reopen_label",
    "services_count",
    "services_count_one",
)
THEME_COLOURS = ("background", "text", "accent", "accent_text")
# Styles a theme could give to one button only; the runtime styles accept and reject alike,
# and the linter refuses drafts in which these differ between the two.
BUTTON_STYLE_KEYS = ("background", "text", "border", "font_size", "element")
DRAFT_KEYS = (
    "languages",
    "default_language",
    "lifetime_days",
    "options",
    "theme",
    "categories",
    "services",
    "texts",
)
OPTION_KEYS = ("gpc", "reopen_button", "consent_mode")
SERVICE_KEYS = (
    "id",
    "category",
    "name",
    "provider",
    "purpose",
    "privacy_url",
    "cookies",
    "storage",
    "consent_mode",
    "transfer",
)
# The one catalog service the banner can load by itself, given its measurement ID: Google's tag
# then waits for consent without the website having to block it (banner/gtag.py).
GA4_SERVICE = "google-analytics-4"
# The catalog service of CONSENTserve's own analytics, which its tracker tag names
# (analytics/embed.py, the website's base.html), so visitors consent to it apart from other
# statistics services.
ANALYTICS_SERVICE = "consentserve-analytics"
MEASUREMENT_ID = re.compile(r"^G-[A-Z0-9]{4,20}$")
MAX_LIFETIME_DAYS = 730
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Problem:
    """A structural problem of a draft: where (a dotted path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def canonical_json(document: Any) -> str:
    """One text per document, whatever the key order, so its hash identifies the content."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _category(cid: str, required: bool, label: tuple[str, str], description: tuple[str, str]):
    return {
        "id": cid,
        "required": required,
        "default": False,
        "label": dict(zip(LANGUAGES, label, strict=True)),
        "description": dict(zip(LANGUAGES, description, strict=True)),
    }


def default_draft() -> dict:
    """A new installation's draft: German and English, the four standard categories, no
    services yet, and colours that pass the contrast rule."""
    return {
        "languages": ["de", "en"],
        "default_language": "de",
        "lifetime_days": 365,
        "options": {"gpc": True, "reopen_button": True, "consent_mode": True},
        "theme": {
            "background": "#ffffff",
            "text": "#1f2933",
            "accent": "#0f766e",
            "accent_text": "#ffffff",
            "radius": 8,
            "position": "bottom",
        },
        "categories": [
            _category(
                CATEGORY_NECESSARY,
                True,
                ("Notwendig", "Necessary"),
                (
                    "Für den Betrieb der Website unerlässlich, etwa um Ihre Auswahl zu speichern. "
                    "Diese Dienste lassen sich nicht abwählen.",
                    "Essential for the website to work, for example to remember your choice. "
                    "These services cannot be switched off.",
                ),
            ),
            _category(
                "preferences",
                False,
                ("Präferenzen", "Preferences"),
                (
                    "Merken sich Einstellungen und binden Inhalte Dritter ein, etwa Karten.",
                    "Remember settings and embed third-party content such as maps.",
                ),
            ),
            _category(
                "statistics",
                False,
                ("Statistik", "Statistics"),
                (
                    "Helfen uns zu verstehen, wie die Website genutzt wird.",
                    "Help us understand how the website is used.",
                ),
            ),
            _category(
                "marketing",
                False,
                ("Marketing", "Marketing"),
                (
                    "Werden genutzt, um Werbung zu messen und auf Sie zuzuschneiden.",
                    "Used to measure advertising and tailor it to you.",
                ),
            ),
        ],
        "services": [],
        "texts": {
            "de": {
                "title": "Datenschutz-Einstellungen",
                "body": (
                    "Wir setzen Cookies und ähnliche Techniken ein, um unsere Website zu "
                    "betreiben, Einstellungen zu speichern, die Nutzung zu messen und Werbung "
                    "auszuspielen. Sie entscheiden, welche Dienste Sie zulassen; Ihre "
                    "Einwilligung können Sie jederzeit in den Datenschutz-Einstellungen "
                    "widerrufen."
                ),
                "accept_all": "Alle akzeptieren",
                "reject_all": "Alle ablehnen",
                "settings": "Einstellungen",
                "save": "Auswahl speichern",
                "privacy_label": "Datenschutzerklärung",
                "privacy_url": "",
                "imprint_label": "Impressum",
                "imprint_url": "",
                "reopen_label": "Datenschutz-Einstellungen",
                "services_count": "{n} Dienste",
                "services_count_one": "{n} Dienst",
            },
            "en": {
                "title": "Privacy settings",
                "body": (
                    "We use cookies and similar technologies to run our website, remember "
                    "settings, measure its use and show advertising. You decide which services "
                    "you allow; you can withdraw your consent at any time in the privacy "
                    "settings."
                ),
                "accept_all": "Accept all",
                "reject_all": "Reject all",
                "settings": "Settings",
                "save": "Save selection",
                "privacy_label": "Privacy policy",
                "privacy_url": "",
                "imprint_label": "Imprint",
                "imprint_url": "",
                "reopen_label": "Privacy settings",
                "services_count": "{n} services",
                "services_count_one": "{n} service",
            },
        },
    }


class _Checker:
    """Collects problems while walking a draft; each check returns whether the value fits, so
    callers descend only into values of the right type."""

    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> bool:
        self.problems.append(Problem(path, message))
        return False

    def obj(self, value, path: str, *, keys=None, required=()) -> bool:
        if not isinstance(value, dict):
            return self.add(path, _("must be an object"))
        for key in required:
            if key not in value:
                self.add(f"{path}.{key}" if path else key, _("is missing"))
        if keys is not None:
            for key in value:
                if key not in keys:
                    self.add(f"{path}.{key}" if path else str(key), _("is not a known setting"))
        return True

    def lst(self, value, path: str) -> bool:
        return isinstance(value, list) or self.add(path, _("must be a list"))

    def text(self, value, path: str) -> bool:
        return isinstance(value, str) or self.add(path, _("must be text"))

    def flag(self, value, path: str) -> bool:
        return isinstance(value, bool) or self.add(path, _("must be true or false"))

    def whole(self, value, path: str, low: int, high: int) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            return self.add(path, _("must be a whole number"))
        if not low <= value <= high:
            return self.add(
                path, _("must be between %(low)d and %(high)d") % {"low": low, "high": high}
            )
        return True

    def ident(self, value, path: str) -> bool:
        if isinstance(value, str) and _ID.match(value):
            return True
        return self.add(
            path, _("must be an identifier of lower-case letters, digits, hyphens or underscores")
        )

    def translated(self, value, path: str) -> bool:
        """A {language: text} object; which languages it must have is the linter's concern."""
        if not self.obj(value, path, keys=LANGUAGES):
            return False
        return all([self.text(text, f"{path}.{lang}") for lang, text in value.items()])


def draft_validate(draft: Any) -> list[Problem]:
    """Structural problems of `draft` (types, known keys, references); empty when it is
    well-formed."""
    check = _Checker()
    if not check.obj(draft, "", keys=DRAFT_KEYS, required=DRAFT_KEYS):
        return check.problems
    languages = draft.get("languages")
    if check.lst(languages, "languages"):
        if not languages:
            check.add("languages", _("must name at least one language"))
        for i, lang in enumerate(languages):
            if lang not in LANGUAGES:
                check.add(f"languages.{i}", _("must be one of: %s") % ", ".join(LANGUAGES))
        if len(set(map(str, languages))) != len(languages):
            check.add("languages", _("names a language twice"))
        if "default_language" in draft and draft["default_language"] not in languages:
            check.add("default_language", _("must be one of the offered languages"))
    if "lifetime_days" in draft:
        check.whole(draft["lifetime_days"], "lifetime_days", 1, MAX_LIFETIME_DAYS)
    options = draft.get("options")
    if "options" in draft and check.obj(options, "options", keys=OPTION_KEYS, required=OPTION_KEYS):
        for key in OPTION_KEYS:
            if key in options:
                check.flag(options[key], f"options.{key}")
    if "theme" in draft:
        _theme_validate(check, draft["theme"])
    category_ids = _categories_validate(check, draft.get("categories", []))
    if "services" in draft:
        _services_validate(check, draft["services"], category_ids)
        # Google's tag must find Consent Mode's defaults before it runs (T2).
        if (
            isinstance(options, dict)
            and options.get("consent_mode") is False
            and measurement_ids(draft)
        ):
            check.add(
                "options.consent_mode",
                _("must be on while the banner loads Google Analytics by its measurement ID"),
            )
    texts = draft.get("texts")
    if "texts" in draft and check.obj(texts, "texts", keys=LANGUAGES):
        for lang, entries in texts.items():
            if check.obj(entries, f"texts.{lang}", keys=TEXT_KEYS):
                for key, value in entries.items():
                    check.text(value, f"texts.{lang}.{key}")
    return check.problems


def _theme_validate(check: _Checker, theme) -> None:
    keys = (*THEME_COLOURS, "radius", "position", "buttons")
    if not check.obj(theme, "theme", keys=keys, required=keys[:-1]):
        return
    for key in THEME_COLOURS:
        if key in theme and not (isinstance(theme[key], str) and _COLOUR.match(theme[key])):
            check.add(f"theme.{key}", _("must be a colour such as #0f766e"))
    if "radius" in theme:
        check.whole(theme["radius"], "theme.radius", 0, 32)
    if "position" in theme and theme["position"] not in POSITIONS:
        check.add("theme.position", _("must be one of: %s") % ", ".join(POSITIONS))
    buttons = theme.get("buttons")
    if buttons is not None and check.obj(buttons, "theme.buttons", keys=("accept", "reject")):
        for name, style in buttons.items():
            check.obj(style, f"theme.buttons.{name}", keys=BUTTON_STYLE_KEYS)


def _categories_validate(check: _Checker, categories) -> set[str]:
    if not check.lst(categories, "categories"):
        return set()
    ids: set[str] = set()
    keys = ("id", "required", "default", "label", "description")
    for i, category in enumerate(categories):
        path = f"categories.{i}"
        if not check.obj(category, path, keys=keys, required=keys):
            continue
        if check.ident(category.get("id"), f"{path}.id"):
            if category["id"] in ids:
                check.add(f"{path}.id", _("is used by another category"))
            ids.add(category["id"])
        for key in ("required", "default"):
            if key in category:
                check.flag(category[key], f"{path}.{key}")
        for key in ("label", "description"):
            if key in category:
                check.translated(category[key], f"{path}.{key}")
        # Only the necessary category is always on; any other "required" one would be consent
        # the visitor cannot refuse.
        required = category.get("required")
        if (category.get("id") == CATEGORY_NECESSARY) != (required is True):
            check.add(f"{path}.required", _("only the category 'necessary' is required"))
    if CATEGORY_NECESSARY not in ids:
        check.add("categories", _("must include the category 'necessary'"))
    return ids


def _services_validate(check: _Checker, services, category_ids: set[str]) -> None:
    if not check.lst(services, "services"):
        return
    ids: set[str] = set()
    for i, service in enumerate(services):
        path = f"services.{i}"
        keys = (*SERVICE_KEYS, "measurement_id")
        if not check.obj(service, path, keys=keys, required=SERVICE_KEYS):
            continue
        if "measurement_id" in service:
            _measurement_id_validate(check, service, f"{path}.measurement_id")
        if check.ident(service.get("id"), f"{path}.id"):
            if service["id"] in ids:
                check.add(f"{path}.id", _("is used by another service"))
            ids.add(service["id"])
        if "category" in service and service["category"] not in category_ids:
            check.add(f"{path}.category", _("must be one of the categories"))
        for key in ("name", "privacy_url"):
            if key in service:
                check.text(service[key], f"{path}.{key}")
        # The catalog's providers are {de, en} (the country's name differs); a customer's own
        # service names its provider in one text.
        if "provider" in service and not isinstance(service["provider"], str):
            check.translated(service["provider"], f"{path}.provider")
        for key in ("purpose", "transfer"):
            if key in service:
                check.translated(service[key], f"{path}.{key}")
        for key in ("cookies", "storage"):
            if key in service and check.lst(service[key], f"{path}.{key}"):
                for j, item in enumerate(service[key]):
                    _storage_item_validate(check, item, f"{path}.{key}.{j}")
        signals = service.get("consent_mode")
        if "consent_mode" in service and check.lst(signals, f"{path}.consent_mode"):
            for j, signal in enumerate(signals):
                if signal not in CONSENT_MODE_SIGNALS:
                    check.add(f"{path}.consent_mode.{j}", _("is not a Consent Mode signal"))


def _measurement_id_validate(check: _Checker, service: dict, path: str) -> None:
    if service.get("id") != GA4_SERVICE:
        check.add(path, _("only Google Analytics 4 takes a measurement ID"))
    elif not (
        isinstance(service["measurement_id"], str)
        and MEASUREMENT_ID.match(service["measurement_id"])
    ):
        check.add(path, _("must be a measurement ID such as G-ABC123XYZ"))


def measurement_ids(draft_or_config: dict) -> dict[str, str]:
    """Service id -> measurement ID of the services the banner loads by itself."""
    return {
        service["id"]: service["measurement_id"]
        for service in draft_or_config.get("services") or ()
        if isinstance(service, dict) and service.get("measurement_id")
    }


def _storage_item_validate(check: _Checker, item, path: str) -> None:
    keys = ("name", "pattern", "lifetime")
    if not check.obj(item, path, keys=keys, required=keys):
        return
    if "name" in item and check.text(item["name"], f"{path}.name") and not item["name"]:
        check.add(f"{path}.name", _("must not be empty"))
    if "pattern" in item:
        check.flag(item["pattern"], f"{path}.pattern")
    if "lifetime" in item:
        check.translated(item["lifetime"], f"{path}.lifetime")


def _service_config(service: dict) -> dict:
    config = {key: service[key] for key in SERVICE_KEYS}
    # Only where set, so that the documents of services without one stay as they were.
    if service.get("measurement_id"):
        config["measurement_id"] = service["measurement_id"]
    return config


def _compiled_texts(draft: dict, lang: str) -> dict:
    """The texts of one language as the visitor reads them: the number of services in its
    plural form, the transfer sentence from the services (banner_texts)."""
    from .banner_texts import body_text, services_count_text  # the catalog imports this module

    given = draft["texts"].get(lang, {})
    texts = {text_key: given.get(text_key, "") for text_key in TEXT_KEYS}
    texts["body"] = body_text(given, lang, draft["services"])
    texts["services_count"] = services_count_text(given, lang, len(draft["services"]))
    del texts["services_count_one"]  # chosen above; the runtime knows one form
    return texts


def compile_config(installation, version: int) -> dict:
    """The document the browser loads for `version` of `installation`, from its current draft
    and domains. The draft must be valid (see draft_validate)."""
    draft = installation.draft
    public_key = installation.public_key
    return {
        "v": CONFIG_FORMAT,
        "key": public_key,
        "version": version,
        # Identifies what the visitor is shown; domains are where, not what, so they are left out.
        "sha256": sha256_hex(draft),
        "domains": sorted(installation.domains.values_list("pattern", flat=True)),
        "languages": list(draft["languages"]),
        "default_language": draft["default_language"],
        "lifetime_days": draft["lifetime_days"],
        "options": {key: draft["options"][key] for key in OPTION_KEYS},
        "theme": {key: draft["theme"][key] for key in (*THEME_COLOURS, "radius", "position")},
        "categories": [
            {
                "id": category["id"],
                "required": category["required"],
                # Consent is never pre-ticked (Planet49), whatever the draft says.
                "default": bool(category["required"] and category["default"]),
                "label": category["label"],
                "description": category["description"],
            }
            for category in draft["categories"]
        ],
        "services": [_service_config(service) for service in draft["services"]],
        "texts": {lang: _compiled_texts(draft, lang) for lang in draft["languages"]},
        "consent_endpoint": f"/c/{public_key}/consent",
    }
