"""Compliance linter: what the law asks of a banner, checked before a draft is published.

Each rule names its reason so that the customer learns why, not only what. The rules follow the
EDPB cookie banner taskforce report (January 2023), the DSK guidance for digital services
(Orientierungshilfe Digitale Dienste), § 25 TDDDG and the CJEU's Planet49 judgment (C-673/17).
The linter expects a structurally valid draft (config.draft_validate).
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .banner_texts import THIRD_COUNTRY_WORDS, transfers
from .catalog import Catalog
from .config import CATEGORY_NECESSARY, LANGUAGES

SEVERITY_ERROR = "error"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, success criterion 1.4.3, for normal-size text
FIRST_LAYER_KEYS = ("title", "body", "accept_all", "settings", "save", "services_count")
LEGAL_LINK_KEYS = ("privacy_label", "privacy_url", "imprint_label", "imprint_url")
LANGUAGE_NAMES = {"de": _("German"), "en": _("English")}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str
    message: dict[str, str]  # {"de": ..., "en": ...}


@dataclass(frozen=True)
class _Hit:
    path: str
    text: Promise
    params: tuple[tuple[str, object], ...] = ()


def _hit(path: str, text: Promise, **params) -> _Hit:
    return _Hit(path, text, tuple(params.items()))


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _texts(draft: dict, lang: str) -> dict:
    return draft.get("texts", {}).get(lang) or {}


def _blank(value) -> bool:
    return not isinstance(value, str) or not value.strip()


def _reject_first_layer(draft: dict, **_context) -> Iterator[_Hit]:
    for lang in draft["languages"]:
        if _blank(_texts(draft, lang).get("reject_all")):
            yield _hit(
                f"texts.{lang}.reject_all",
                _(
                    "The first layer has no 'reject all' button in %(lang)s. Refusing must be as "
                    "easy as accepting, on the same layer (EDPB cookie banner taskforce, "
                    "January 2023; DSK guidance; OLG Köln 6 U 80/23)."
                ),
                lang=LANGUAGE_NAMES[lang],
            )


def _reject_equal(draft: dict, **_context) -> Iterator[_Hit]:
    buttons = draft["theme"].get("buttons") or {}
    if (buttons.get("accept") or {}) != (buttons.get("reject") or {}):
        yield _hit(
            "theme.buttons",
            _(
                "'Accept all' and 'reject all' are styled differently. Both must be the same "
                "kind of element with the same size and colours, so that the design does not "
                "steer the choice (EDPB cookie banner taskforce, January 2023; DSK guidance)."
            ),
        )


# Wording that makes refusing sound foolish or costly ("No, I prefer a worse experience",
# "Nein, ich verzichte auf Komfort"): the speaker's own voice, or words that judge the choice.
# A neutral label names the action, as "accept all" does.
_SHAMING = {
    "de": re.compile(
        r"\b(ich|mir|mich|mein\w*|schlecht\w*|weniger|verzicht\w*|verpass\w*|egal|leider|"
        r"schade|langweilig\w*|nachteil\w*|riskier\w*|unsicher\w*)\b",
        re.I,
    ),
    "en": re.compile(
        r"\b(i|i'm|i'd|me|my|worse|worst|bad|less|miss(ing)?|lose|losing|poor|boring|"
        r"unfortunately|sadly|risk\w*|don't care|rather not|prefer)\b",
        re.I,
    ),
}
_LABEL_WORDS_MAX = 4  # "Alle ablehnen", "Reject all", "Nur notwendige Cookies erlauben"


def _reject_wording(draft: dict, **_context) -> Iterator[_Hit]:
    for lang in draft["languages"]:
        label = _texts(draft, lang).get("reject_all")
        if _blank(label):
            continue  # reject-first-layer reports it
        if _SHAMING[lang].search(label) or len(label.split()) > _LABEL_WORDS_MAX:
            yield _hit(
                f"texts.{lang}.reject_all",
                _(
                    "The 'reject all' button in %(lang)s reads “%(label)s”: wording "
                    "that shames or discourages refusing steers the choice. Label it as neutrally "
                    "as 'accept all', e.g. 'Reject all' (EDPB guidelines 03/2022 on deceptive "
                    "design patterns, emotional steering; Art. 4(11) GDPR, freely given)."
                ),
                lang=LANGUAGE_NAMES[lang],
                label=label.strip(),
            )


def _third_country_claim(draft: dict, **_context) -> Iterator[_Hit]:
    if transfers(draft["services"]):
        return
    for lang in draft["languages"]:
        if THIRD_COUNTRY_WORDS.search(_texts(draft, lang).get("body") or ""):
            yield _hit(
                f"texts.{lang}.body",
                _(
                    "The text in %(lang)s speaks of transfers to third countries, but none of "
                    "the banner's services makes one. Remove the sentence: the banner names "
                    "transfers itself, from the services it lists (Art. 13(1)(f) GDPR: "
                    "information must be accurate)."
                ),
                lang=LANGUAGE_NAMES[lang],
            )


def _contrast(draft: dict, **_context) -> Iterator[_Hit]:
    theme = draft["theme"]
    for foreground, background in (("text", "background"), ("accent_text", "accent")):
        ratio = contrast_ratio(theme[foreground], theme[background])
        if ratio < MIN_CONTRAST:
            yield _hit(
                f"theme.{foreground}",
                _(
                    "The contrast of %(foreground)s on %(background)s is %(ratio)s:1, below the "
                    "4.5:1 of WCAG 2.1 AA. Text that is hard to read is not informed consent "
                    "and is a deceptive design (EDPB cookie banner taskforce, January 2023)."
                ),
                foreground=foreground,
                background=background,
                ratio=f"{ratio:.2f}",
            )


def _pre_ticked(draft: dict, **_context) -> Iterator[_Hit]:
    for i, category in enumerate(draft["categories"]):
        if not category.get("required") and category.get("default"):
            yield _hit(
                f"categories.{i}.default",
                _(
                    "The category '%(category)s' is switched on before the visitor chooses. "
                    "Pre-ticked boxes are no consent (CJEU C-673/17 Planet49; EDPB cookie "
                    "banner taskforce, January 2023)."
                ),
                category=category.get("id"),
            )


def _legal_links(draft: dict, **_context) -> Iterator[_Hit]:
    for lang in draft["languages"]:
        texts = _texts(draft, lang)
        for key in LEGAL_LINK_KEYS:
            value = texts.get(key)
            missing = _blank(value)
            if not missing and key.endswith("_url"):
                missing = not value.startswith(("https://", "http://", "/"))
            if missing:
                yield _hit(
                    f"texts.{lang}.{key}",
                    _(
                        "The link to the privacy policy or the imprint is missing or not a web "
                        "address in %(lang)s (%(key)s). The banner must show both and never "
                        "cover them (DSK guidance; Art. 13 GDPR; § 5 DDG)."
                    ),
                    lang=LANGUAGE_NAMES[lang],
                    key=key,
                )


def _necessary_mislabelled(draft: dict, *, catalog: Catalog, **_context) -> Iterator[_Hit]:
    for i, service in enumerate(draft["services"]):
        entry = catalog.get(service.get("id", ""))
        if service.get("category") == CATEGORY_NECESSARY and entry and not entry.essential:
            yield _hit(
                f"services.{i}.category",
                _(
                    "%(service)s is not strictly necessary but placed in 'necessary', where it "
                    "would run without consent. Only storage strictly necessary for the service "
                    "the visitor asked for is exempt (§ 25(2) no. 2 TDDDG; EDPB cookie banner "
                    "taskforce, January 2023)."
                ),
                service=entry.name,
            )


def _texts_missing(draft: dict, **_context) -> Iterator[_Hit]:
    for lang in draft["languages"]:
        texts = _texts(draft, lang)
        paths = [f"texts.{lang}.{key}" for key in FIRST_LAYER_KEYS if _blank(texts.get(key))]
        for i, category in enumerate(draft["categories"]):
            for key in ("label", "description"):
                if _blank(category.get(key, {}).get(lang)):
                    paths.append(f"categories.{i}.{key}.{lang}")
        for i, service in enumerate(draft["services"]):
            for key in ("purpose", "transfer"):
                if _blank(service.get(key, {}).get(lang)):
                    paths.append(f"services.{i}.{key}.{lang}")
            for kind in ("cookies", "storage"):
                for j, item in enumerate(service.get(kind, [])):
                    if _blank(item.get("lifetime", {}).get(lang)):
                        paths.append(f"services.{i}.{kind}.{j}.lifetime.{lang}")
        for path in paths:
            yield _hit(
                path,
                _(
                    "A text is missing in %(lang)s, a language the banner offers. Consent is "
                    "informed only when the visitor can read what it is for (§ 25(1) TDDDG; "
                    "Art. 7(2) and 12(1) GDPR)."
                ),
                lang=LANGUAGE_NAMES[lang],
            )


def _withdrawal(draft: dict, **_context) -> Iterator[_Hit]:
    if draft["options"].get("reopen_button"):
        return
    for lang in draft["languages"]:
        if _blank(_texts(draft, lang).get("reopen_label")):
            yield _hit(
                f"texts.{lang}.reopen_label",
                _(
                    "There is no way to change or withdraw the choice in %(lang)s: the floating "
                    "button is off and no label is set for a link on the page. Withdrawing must "
                    "be as easy as consenting (Art. 7(3) GDPR; EDPB cookie banner taskforce, "
                    "January 2023)."
                ),
                lang=LANGUAGE_NAMES[lang],
            )


def _no_domains(draft: dict, *, domains: Iterable[str], **_context) -> Iterator[_Hit]:
    if not list(domains):
        yield _hit(
            "domains",
            _(
                "The installation has no domain. The banner runs only on the domains listed, so "
                "without one it would never be shown."
            ),
        )


RULES = {
    "reject-first-layer": _reject_first_layer,
    "reject-equal-to-accept": _reject_equal,
    "reject-wording": _reject_wording,
    "third-country-claim": _third_country_claim,
    "contrast": _contrast,
    "pre-ticked": _pre_ticked,
    "legal-links": _legal_links,
    "non-essential-as-necessary": _necessary_mislabelled,
    "texts-missing": _texts_missing,
    "no-withdrawal": _withdrawal,
    "no-domains": _no_domains,
}


def lint(draft: dict, *, catalog: Catalog, domains: Iterable[str]) -> list[Finding]:
    """The compliance findings of `draft` on `domains`, in rule order; publishing refuses any
    finding of severity error (all rules are errors today)."""
    domains = list(domains)
    findings = []
    for rule, check in RULES.items():
        for hit in check(draft, catalog=catalog, domains=domains):
            message = {}
            for lang in LANGUAGES:
                with override(lang):
                    # Language names and the like are translated along with the sentence.
                    params = {name: str(value) for name, value in hit.params}
                    message[lang] = str(hit.text) % params if params else str(hit.text)
            findings.append(Finding(rule, SEVERITY_ERROR, hit.path, message))
    return findings
