"""The register of processing activities: the privacy policy as data (R-REG-1).

`register/activities.yaml` is the one source. This module loads it into frozen dataclasses and
validates it; a register that does not validate stops the process at start-up (apps.ready) and
fails `manage.py check`. Everything else reads the register through `get_register()`:
the retention engine, the policy renderer, the system checks.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REGISTER_PATH = Path(__file__).with_name("register") / "activities.yaml"

LANGUAGES = ("de", "en")
BASES = {"6(1)(a)", "6(1)(b)", "6(1)(c)", "6(1)(d)", "6(1)(e)", "6(1)(f)"}
RIGHTS = ("15", "16", "17", "18", "20", "21", "7(3)")
RIGHT_VALUES = {"yes", "no", "assess", "n/a"}
ACTIONS = {"delete", "anonymise"}
HOLD_TYPES = {"statutory", "litigation", "authority_order"}
TDDDG_CLASSES = {"exempt-transmission", "exempt-necessary", "consent"}
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$")


class RegisterError(ValueError):
    """The register file is inconsistent; the message names the place."""


@dataclass(frozen=True)
class Text:
    de: str
    en: str

    def get(self, language: str) -> str:
        return self.de if language == "de" else self.en


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 period restricted to years, months, days and hours."""

    iso: str
    years: int = 0
    months: int = 0
    days: int = 0
    hours: int = 0

    @classmethod
    def parse(cls, iso: str) -> "Duration":
        match = _DURATION.match(iso or "")
        if not match or iso in {"P", "PT"}:
            raise RegisterError(f"not an ISO 8601 duration like P7D or P3Y: {iso!r}")
        years, months, days, hours = (int(g or 0) for g in match.groups())
        return cls(iso=iso, years=years, months=months, days=days, hours=hours)

    def before(self, moment: datetime) -> datetime:
        """The moment this period before `moment` (month ends clamp, as calendars do)."""
        month_index = moment.year * 12 + (moment.month - 1) - (self.years * 12 + self.months)
        year, month = divmod(month_index, 12)
        month += 1
        day = min(moment.day, _days_in_month(year, month))
        shifted = moment.replace(year=year, month=month, day=day)
        return shifted - timedelta(days=self.days, hours=self.hours)


def _days_in_month(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True)
class Retention:
    duration: Duration
    action: str
    description: Text


@dataclass(frozen=True)
class Store:
    """Where an activity keeps its data: one model, its fields and when a row is due."""

    model: str  # "app_label.ModelName"
    fields: dict[str, str]  # field name -> data category ("none" for technical fields)
    trigger: str | None  # the datetime field the retention period counts from
    filter: dict[str, Any] = field(default_factory=dict)
    anonymise: dict[str, Any] = field(default_factory=dict)  # field -> value, for action anonymise
    minimise_on_hold: tuple[str, ...] = ()  # fields blanked while a legal hold keeps the row


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: Text
    lifetime: Text
    party: str  # "first" or "third"
    tdddg: str  # § 25 TDDDG class


@dataclass(frozen=True)
class Activity:
    id: str
    section: str
    name: Text
    purposes: tuple[Text, ...]
    basis: str
    interest: Text | None
    data_categories: tuple[Text, ...]
    subjects: tuple[Text, ...]
    recipients: tuple[str, ...]
    transfer: Text | None
    retention: Retention | None
    hold_types: tuple[str, ...]
    rights: dict[str, str]
    stores: tuple[Store, ...]
    cookies: tuple[Cookie, ...]
    raw: dict[str, Any]  # the whole entry, for the policy renderer's free-text parts


@dataclass(frozen=True)
class Register:
    sha256: str
    data: dict[str, Any]
    activities: tuple[Activity, ...]
    non_personal: dict[str, str]  # model label -> why it holds no personal data

    def activity(self, activity_id: str) -> Activity:
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)

    def stores(self) -> list[tuple[Activity, Store]]:
        return [(a, s) for a in self.activities for s in a.stores]

    def store_for(self, model_label: str) -> tuple[Activity, Store] | None:
        for activity, store in self.stores():
            if store.model.lower() == model_label.lower():
                return activity, store
        return None


def _text(value: Any, where: str) -> Text:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise RegisterError(f"{where}: needs exactly a German and an English text (de, en)")
    for language in LANGUAGES:
        if not isinstance(value[language], str) or not value[language].strip():
            raise RegisterError(f"{where}.{language}: empty text")
    return Text(de=value["de"].strip(), en=value["en"].strip())


def _texts(values: Any, where: str) -> tuple[Text, ...]:
    if not isinstance(values, list) or not values:
        raise RegisterError(f"{where}: needs a non-empty list")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(values))


def _activity(entry: dict[str, Any], recipient_ids: set[str]) -> Activity:
    aid = entry.get("id")
    if not isinstance(aid, str) or not re.fullmatch(r"[a-z0-9-]+", aid):
        raise RegisterError(f"activity id must be a lowercase slug: {aid!r}")
    where = f"activity {aid}"
    basis = entry.get("basis") or {}
    article = basis.get("article")
    if article not in BASES:
        raise RegisterError(
            f"{where}: basis.article must be one of {sorted(BASES)}, not {article!r}"
        )
    interest = None
    if article == "6(1)(f)":
        if "interest" not in basis:
            raise RegisterError(f"{where}: basis 6(1)(f) needs the interest pursued")
        interest = _text(basis["interest"], f"{where}.basis.interest")
    unknown = set(entry.get("recipients", [])) - recipient_ids
    if unknown:
        raise RegisterError(f"{where}: unknown recipients {sorted(unknown)}")
    retention = None
    if entry.get("retention") is None:
        raise RegisterError(f"{where}: needs a retention rule")
    r = entry["retention"]
    if r.get("action") not in ACTIONS:
        raise RegisterError(f"{where}: retention.action must be delete or anonymise")
    retention = Retention(
        duration=Duration.parse(r.get("duration", "")),
        action=r["action"],
        description=_text(r.get("description"), f"{where}.retention.description"),
    )
    holds = tuple(entry.get("hold_types", []))
    if set(holds) - HOLD_TYPES:
        raise RegisterError(f"{where}: unknown hold types {sorted(set(holds) - HOLD_TYPES)}")
    rights = {str(k): str(v) for k, v in (entry.get("rights") or {}).items()}
    if set(rights) != set(RIGHTS) or set(rights.values()) - RIGHT_VALUES:
        raise RegisterError(f"{where}: rights must give each of {RIGHTS} one of {RIGHT_VALUES}")
    stores = []
    for i, s in enumerate(entry.get("stores", [])):
        if not isinstance(s.get("fields"), dict) or not s["fields"]:
            raise RegisterError(f"{where}.stores[{i}]: needs its fields and their categories")
        stores.append(
            Store(
                model=s["model"],
                fields={str(k): str(v) for k, v in s["fields"].items()},
                trigger=s.get("trigger"),
                filter=dict(s.get("filter") or {}),
                anonymise=dict(s.get("anonymise") or {}),
                minimise_on_hold=tuple(s.get("minimise_on_hold") or ()),
            )
        )
        if retention.action == "anonymise" and not stores[-1].anonymise:
            raise RegisterError(f"{where}.stores[{i}]: action anonymise needs the fields to reset")
    cookies = []
    for i, c in enumerate(entry.get("cookies", [])):
        if c.get("tdddg") not in TDDDG_CLASSES:
            raise RegisterError(f"{where}.cookies[{i}]: tdddg must be one of {TDDDG_CLASSES}")
        cookies.append(
            Cookie(
                name=c["name"],
                purpose=_text(c.get("purpose"), f"{where}.cookies[{i}].purpose"),
                lifetime=_text(c.get("lifetime"), f"{where}.cookies[{i}].lifetime"),
                party=c.get("party", "first"),
                tdddg=c["tdddg"],
            )
        )
    return Activity(
        id=aid,
        section=str(entry.get("section", "")),
        name=_text(entry.get("name"), f"{where}.name"),
        purposes=_texts(entry.get("purposes"), f"{where}.purposes"),
        basis=article,
        interest=interest,
        data_categories=_texts(entry.get("data_categories"), f"{where}.data_categories"),
        subjects=_texts(entry.get("subjects"), f"{where}.subjects"),
        recipients=tuple(entry.get("recipients", [])),
        transfer=_text(entry["transfer"], f"{where}.transfer") if entry.get("transfer") else None,
        retention=retention,
        hold_types=holds,
        rights=rights,
        stores=tuple(stores),
        cookies=tuple(cookies),
        raw=entry,
    )


def parse_register(text: str) -> Register:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or "activities" not in data:
        raise RegisterError("the register needs a top-level 'activities' list")
    recipient_ids = {r["id"] for r in data.get("recipients", [])}
    activities = tuple(_activity(entry, recipient_ids) for entry in data["activities"])
    ids = [a.id for a in activities]
    if len(ids) != len(set(ids)):
        raise RegisterError(f"duplicate activity ids in {ids}")
    labels = [s.model.lower() for a in activities for s in a.stores]
    if len(labels) != len(set(labels)):
        raise RegisterError("a model is the store of more than one activity")
    return Register(
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        data=data,
        activities=activities,
        non_personal={str(k): str(v) for k, v in (data.get("non_personal") or {}).items()},
    )


@cache
def get_register() -> Register:
    return parse_register(REGISTER_PATH.read_text(encoding="utf-8"))
