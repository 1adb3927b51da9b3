"""The register of processing activities: the privacy policy as data (R-REG-1).

`register/activities.yaml` is the one source. This module loads it into frozen dataclasses and
validates it; a register that does not validate stops the process at start-up (apps.ready) and
fails `manage.py check`. Everything else reads the register through `get_register()`:
the retention engine, the policy renderer, the system checks.

Besides checking shapes, validation encodes legal rules that the seed policy got wrong, so that
they cannot come back through an edit of the data: processing on Art. 6(1)(e)/(f) can be objected
to (Art. 21(1)); withdrawal (Art. 7(3)) applies exactly where consent is a basis; device storage
that needs consent under § 25(1) TDDDG rests on Art. 6(1)(a).

The register itself does not depend on settings (it is parsed once and cached). An activity may
be in use only while a Django setting is non-empty (`in_use_if`); `in_use()` and
`recipients_in_use()` read the setting on every call, so a changed setting (and
`override_settings` in tests) takes effect at once.
"""

import calendar
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from string import ascii_uppercase
from typing import Any

import yaml
from django.conf import settings

REGISTER_PATH = Path(__file__).with_name("register") / "activities.yaml"

LANGUAGES = ("de", "en")
_LANGUAGE_NAMES = {"de": "German", "en": "English"}
BASES = {"6(1)(a)", "6(1)(b)", "6(1)(c)", "6(1)(d)", "6(1)(e)", "6(1)(f)"}
RIGHTS = ("15", "16", "17", "18", "20", "21", "7(3)")
RIGHT_VALUES = {"yes", "no", "assess", "n/a"}
ACTIONS = {"delete", "anonymise"}
# Where a retention period starts: at the trigger itself, or at the end of the calendar year
# in which the trigger lies (statutory periods: §§ 195, 199 BGB, § 257 HGB, § 147 AO).
COUNTED_FROM = {"event", "end_of_year"}
HOLD_TYPES = {"statutory", "litigation", "authority_order"}
TDDDG_CLASSES = {"exempt-transmission", "exempt-necessary", "consent"}
PARTIES = {"first", "third"}
ROLES = {"processor", "controller"}
# Structured parts of the policy, each rendered by privacy/blocks/<name>.html.
BLOCKS = {"controller", "recipients", "statutory_periods", "rights", "complaint", "privacy_contact"}
_SLUG = re.compile(r"[a-z0-9-]+")
_REF = re.compile(r"\[\[([^\]]*)\]\]")
_DPF = "Data Privacy Framework"
_SETTING = re.compile(r"[A-Z][A-Z0-9_]*")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$")


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
    """An ISO 8601 period restricted to years, months, weeks, days and hours."""

    iso: str
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0

    @classmethod
    def parse(cls, iso: str) -> "Duration":
        match = _DURATION.match(iso or "")
        if not match or iso in {"P", "PT"}:
            raise RegisterError(f"not an ISO 8601 duration like P7D or P3Y: {iso!r}")
        years, months, weeks, days, hours = (int(g or 0) for g in match.groups())
        return cls(iso=iso, years=years, months=months, weeks=weeks, days=days, hours=hours)

    def before(self, moment: datetime) -> datetime:
        """The moment this period before `moment` (month ends clamp, as calendars do)."""
        shifted = _shift_months(moment, -(self.years * 12 + self.months))
        return shifted - timedelta(weeks=self.weeks, days=self.days, hours=self.hours)

    def after(self, moment: datetime) -> datetime:
        """The moment this period after `moment` (month ends clamp, as calendars do)."""
        shifted = _shift_months(moment, self.years * 12 + self.months)
        return shifted + timedelta(weeks=self.weeks, days=self.days, hours=self.hours)

    def plus_years(self, years: int) -> "Duration":
        """This period lengthened by whole years."""
        total = self.years + years
        date_part = "".join(
            f"{n}{unit}"
            for n, unit in ((total, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D"))
            if n
        )
        iso = "P" + date_part + (f"T{self.hours}H" if self.hours else "")
        return replace(self, iso=iso if iso != "P" else "P0D", years=total)


def _shift_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.year * 12 + (moment.month - 1) + months, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Retention:
    duration: Duration
    action: str
    description: Text
    counted_from: str = "event"  # one of COUNTED_FROM


@dataclass(frozen=True)
class SubjectLink:
    """How a store's rows belong to a data subject, so the privacy engine can find them.

    Exactly one form is used:
    - `user` and/or `email`: lookup paths from the row to the user it belongs to (compared with
      the user's id) or to an e-mail address (compared case-insensitively). `when` narrows the
      user path, in the same join, e.g. to organisations the user owns. `shared` is a path to the
      other users who share the rows; erasing them waits until nobody else is left.
    - `adapter`: the name of an adapter registered in code, for rows no lookup can reach.
    - `unlinked`: why the rows cannot be tied to an account (and how a person is found instead).
    """

    user: str | None = None
    email: str | None = None
    when: dict[str, Any] = field(default_factory=dict)
    shared: str | None = None
    adapter: str | None = None
    unlinked: str | None = None


@dataclass(frozen=True)
class ConsentSpec:
    """A store whose rows record consent that the subject withdraws with one action (Art. 7(3))."""

    purpose: str  # the field naming what the consent is for
    withdrawn: str  # the datetime field set on withdrawal
    direct_marketing: bool = False  # an objection to direct marketing withdraws it (Art. 21(3))


@dataclass(frozen=True)
class Store:
    """Where an activity keeps its data: one model, its fields and when a row is due."""

    model: str  # "app_label.ModelName"
    fields: dict[str, str]  # field name -> data category ("none" for technical fields)
    trigger: str | None  # the datetime field the retention period counts from
    filter: dict[str, Any] = field(default_factory=dict)
    anonymise: dict[str, Any] = field(default_factory=dict)  # field -> value, for action anonymise
    minimise_on_hold: tuple[str, ...] = ()  # fields blanked while a legal hold keeps the row
    # A store-specific period (e.g. an expired invitation) instead of the activity's.
    duration: "Duration | None" = None
    # The trigger crosses a to-many relation: a row is due once every related row is due, not
    # the first one (a user stays while any of their organisations still has a contract).
    trigger_all: bool = False
    # With trigger_all, a row without any related row counts from the first of these fields
    # that is set (a user who no longer belongs to any organisation).
    orphaned_from: tuple[str, ...] = ()
    # A foreign key whose row's retention this row shares: due whenever that row is due, even
    # while a hold keeps that row itself (e.g. the sign-in data of a user kept for an invoice).
    due_with: str | None = None
    subject: SubjectLink | None = None
    # Fields left out of the subject's copy because they can hold other people's data (Art. 15(4)).
    withhold: tuple[str, ...] = ()
    consent: ConsentSpec | None = None
    # A period set per row: `years` is a lookup path to a whole number of years (e.g. the
    # installation's setting), lengthened by `plus`; rows without a value take the activity's.
    duration_by: "DurationBy | None" = None


@dataclass(frozen=True)
class DurationBy:
    years: str  # lookup path from the row to a whole number of years
    plus: Duration
    # Rows matching this filter take the years without `plus` (e.g. a withdrawal: the consent
    # ended with the record itself, not up to its lifetime later).
    ended_at_trigger: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cookie:
    """A cookie or web-storage item (R-C1-1); `max_age` None means it ends with the session."""

    names: tuple[str, ...]  # the name in production first, then the names it has elsewhere
    purpose: Text
    max_age: Duration | None
    party: str  # "first" or "third": whose domain the item belongs to
    tdddg: str  # § 25 TDDDG class
    readable_by: tuple[str, ...] = ()  # recipients whose code reads the item (Planet49)

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Basis:
    """A legal basis of Art. 6(1) GDPR as an activity uses it."""

    article: str
    interest: Text | None = None  # the interest pursued, required for 6(1)(f)
    scope: Text | None = None  # which part of the activity rests on this basis


@dataclass(frozen=True)
class InUseIf:
    """The activity takes place only while the Django setting `setting` is non-empty; until then
    the policy keeps its section but says only `otherwise` (e.g. that the service is not used)."""

    setting: str
    otherwise: Text


@dataclass(frozen=True)
class Activity:
    id: str
    section: str  # "B.1": the place in the policy, checked against the order of policy.chapters
    internal: bool  # in the register and the Art. 30 record, not in the public policy
    name: Text
    description: tuple[Text, ...]
    purposes: tuple[Text, ...]
    basis: str  # the article of the main basis, e.g. "6(1)(f)"
    interest: Text | None
    basis_scope: Text | None
    further_bases: tuple[Basis, ...]
    data_categories: tuple[Text, ...]
    subjects: tuple[Text, ...]
    recipients: tuple[str, ...]
    retention: Retention
    statutory_periods: tuple[str, ...]
    hold_types: tuple[str, ...]
    rights: dict[str, str]
    rights_note: Text | None
    stores: tuple[Store, ...]
    cookies: tuple[Cookie, ...]
    source: Text  # where the data come from (Art. 14(2)(f), Art. 15(1)(g))
    in_use_if: InUseIf | None = None

    @property
    def bases(self) -> tuple[Basis, ...]:
        main = Basis(article=self.basis, interest=self.interest, scope=self.basis_scope)
        return (main, *self.further_bases)

    @property
    def articles(self) -> set[str]:
        return {b.article for b in self.bases}


@dataclass(frozen=True)
class Citation:
    """How the policy cites a legal provision, with a short label of what it allows."""

    citation: Text
    label: Text


@dataclass(frozen=True)
class Right:
    id: str
    name: Text
    citation: Text
    text: Text
    assess: Text | None  # what happens when an activity marks this right "assess"


@dataclass(frozen=True)
class StatutoryPeriod:
    id: str
    records: Text
    law: Text
    period: Duration  # counted from the end of the calendar year


@dataclass(frozen=True)
class Recipient:
    id: str
    name: Text
    service: Text
    role: str  # "processor" (Art. 28, needs a DPA) or "controller" in its own right
    dpa: Text | None
    location: Text
    third_countries: tuple[str, ...]
    transfer: Text | None  # the transfer mechanism (Chapter V GDPR) for the third countries
    # When the recipient's entry on the Data Privacy Framework List was last checked; set exactly
    # when the transfer rests on the EU-US Data Privacy Framework (R-C2-4, checks.py).
    dpf_checked: date | None = None


@dataclass(frozen=True)
class Organisation:
    name: Text
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: Text | None = None
    phone: str = ""
    email: str = ""
    url: str = ""


@dataclass(frozen=True)
class Authority:
    organisation: Organisation
    right: Right  # the right to lodge a complaint with it (Art. 77)


@dataclass(frozen=True)
class Item:
    """One piece of a policy chapter: a paragraph, a list, a structured block or an activity."""

    kind: str  # "p", "list", "block" or "activity"
    text: Text | None = None
    texts: tuple[Text, ...] = ()
    name: str = ""  # the block name or the activity id


@dataclass(frozen=True)
class Chapter:
    key: str
    letter: str
    heading: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Policy:
    intro: tuple[Item, ...]
    chapters: tuple[Chapter, ...]
    no_transfer: Text


@dataclass(frozen=True)
class Register:
    sha256: str
    data: dict[str, Any]
    activities: tuple[Activity, ...]
    non_personal: dict[str, str]  # model label -> why it holds no personal data
    controller: Organisation
    privacy_email: str
    dpo: Organisation | None
    authority: Authority
    legal_bases: dict[str, Citation]
    device_access: dict[str, Citation]
    rights: tuple[Right, ...]
    holds: dict[str, Text]
    statutory_periods: tuple[StatutoryPeriod, ...]
    recipients: tuple[Recipient, ...]
    policy: Policy
    refs: dict[str, str]  # chapter key or activity id -> its letter or number in the policy
    # Art. 30(1)(g): the general description of the technical and organisational measures.
    security_measures: tuple[Text, ...] = ()

    def activity(self, activity_id: str) -> Activity:
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)

    def recipient(self, recipient_id: str) -> Recipient:
        return next(r for r in self.recipients if r.id == recipient_id)

    def statutory_period(self, period_id: str) -> StatutoryPeriod:
        return next(p for p in self.statutory_periods if p.id == period_id)

    def stores(self) -> list[tuple[Activity, Store]]:
        return [(a, s) for a in self.activities for s in a.stores]

    def store_for(self, model_label: str) -> tuple[Activity, Store] | None:
        for activity, store in self.stores():
            if store.model.lower() == model_label.lower():
                return activity, store
        return None

    def resolve(self, text: str) -> str:
        """Replace each `[[key]]` cross-reference with the section it names."""
        return _REF.sub(lambda m: self.refs[m[1]], text)


# --- small parsers ----------------------------------------------------------------------------


def _text(value: Any, where: str) -> Text:
    if not isinstance(value, dict):
        raise RegisterError(f"{where}: needs a German and an English text (de, en)")
    for language in LANGUAGES:
        if language not in value:
            name = _LANGUAGE_NAMES[language]
            raise RegisterError(f"{where}: the {name} text ({language}) is missing")
    if set(value) - set(LANGUAGES):
        raise RegisterError(f"{where}: unknown languages {sorted(set(value) - set(LANGUAGES))}")
    for language in LANGUAGES:
        if not isinstance(value[language], str) or not value[language].strip():
            raise RegisterError(f"{where}.{language}: empty text")
    return Text(de=value["de"].strip(), en=value["en"].strip())


def _optional_text(value: Any, where: str) -> Text | None:
    return None if value is None else _text(value, where)


def _name(value: Any, where: str) -> Text:
    """A proper name or address is the same in both languages and may be given once."""
    if isinstance(value, str) and value.strip():
        return Text(de=value.strip(), en=value.strip())
    return _text(value, where)


def _texts(values: Any, where: str) -> tuple[Text, ...]:
    if not isinstance(values, list) or not values:
        raise RegisterError(f"{where}: needs a non-empty list")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(values))


def _optional_texts(values: Any, where: str) -> tuple[Text, ...]:
    return () if values is None else _texts(values, where)


def _duration(value: Any, where: str) -> Duration:
    try:
        return Duration.parse(value if isinstance(value, str) else "")
    except RegisterError as exc:
        raise RegisterError(f"{where}: {exc}") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RegisterError(f"{where}: needs a mapping")
    return value


def _string(mapping: dict[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RegisterError(f"{where}.{key}: required")
    return value.strip()


def _slug(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise RegisterError(f"{where}: id must be a lowercase slug, not {value!r}")
    return value


def _known(ids: Any, known: set[str], what: str, where: str) -> tuple[str, ...]:
    ids = tuple(ids or ())
    unknown = set(ids) - known
    if unknown:
        raise RegisterError(f"{where}: unknown {what} {sorted(unknown)}")
    return ids


# --- catalogues -------------------------------------------------------------------------------


def _organisation(value: Any, where: str, *, postal: bool) -> Organisation:
    value = _mapping(value, where)
    organisation = Organisation(
        name=_name(value.get("name"), f"{where}.name"),
        street=str(value.get("street") or ""),
        postcode=str(value.get("postcode") or ""),
        city=str(value.get("city") or ""),
        country=_optional_text(value.get("country"), f"{where}.country"),
        phone=str(value.get("phone") or ""),
        email=str(value.get("email") or ""),
        url=str(value.get("url") or ""),
    )
    if postal:
        for key in ("street", "postcode", "city"):
            _string(value, key, where)
    elif not organisation.email:
        raise RegisterError(f"{where}.email: required")
    return organisation


def _citations(value: Any, where: str, keys: set[str]) -> dict[str, Citation]:
    value = _mapping(value, where)
    if set(value) - keys:
        raise RegisterError(f"{where}: unknown keys {sorted(set(value) - keys)}")
    return {
        key: Citation(
            citation=_text(_mapping(entry, f"{where}.{key}").get("citation"), f"{where}.{key}"),
            label=_text(entry.get("label"), f"{where}.{key}.label"),
        )
        for key, entry in value.items()
    }


def _right(value: Any, where: str) -> Right:
    value = _mapping(value, where)
    return Right(
        id=str(value.get("id", "")),
        name=_text(value.get("name"), f"{where}.name"),
        citation=_text(value.get("citation"), f"{where}.citation"),
        text=_text(value.get("text"), f"{where}.text"),
        assess=_optional_text(value.get("assess"), f"{where}.assess"),
    )


def _rights_catalogue(values: Any) -> tuple[Right, ...]:
    if not isinstance(values, list):
        raise RegisterError("rights: needs the list of data subjects' rights")
    rights = tuple(_right(v, f"rights[{i}]") for i, v in enumerate(values))
    if tuple(r.id for r in rights) != RIGHTS:
        raise RegisterError(f"rights: needs exactly the rights {RIGHTS}, in this order")
    return rights


def _holds(value: Any) -> dict[str, Text]:
    value = _mapping(value, "holds")
    if set(value) != HOLD_TYPES:
        raise RegisterError(f"holds: needs a text for each of {sorted(HOLD_TYPES)}")
    return {kind: _text(text, f"holds.{kind}") for kind, text in value.items()}


def _statutory_period(value: Any, where: str) -> StatutoryPeriod:
    value = _mapping(value, where)
    return StatutoryPeriod(
        id=_slug(value.get("id"), where),
        records=_text(value.get("records"), f"{where}.records"),
        law=_text(value.get("law"), f"{where}.law"),
        period=_duration(value.get("period"), f"{where}.period"),
    )


def _recipient(value: Any, where: str) -> Recipient:
    value = _mapping(value, where)
    rid = _slug(value.get("id"), where)
    where = f"recipient {rid}"
    role = value.get("role")
    if role not in ROLES:
        raise RegisterError(f"{where}: role must be one of {sorted(ROLES)}, not {role!r}")
    if role == "processor" and not value.get("dpa"):
        raise RegisterError(f"{where}: a processor needs its data processing agreement (dpa)")
    third_countries = tuple(value.get("third_countries") or ())
    if third_countries and not value.get("transfer"):
        raise RegisterError(f"{where}: third_countries need the transfer mechanism (transfer)")
    transfer = _optional_text(value.get("transfer"), f"{where}.transfer")
    return Recipient(
        id=rid,
        name=_name(value.get("name"), f"{where}.name"),
        service=_text(value.get("service"), f"{where}.service"),
        role=role,
        dpa=_optional_text(value.get("dpa"), f"{where}.dpa"),
        location=_text(value.get("location"), f"{where}.location"),
        third_countries=third_countries,
        transfer=transfer,
        dpf_checked=_dpf_checked(value.get("dpf_checked"), where, third_countries, transfer),
    )


def _dpf_checked(
    value: Any, where: str, third_countries: tuple[str, ...], transfer: Text | None
) -> date | None:
    """The date of the last check of the DPF List, which a transfer under the DPF needs (so that
    each release can re-check it, R-C2-4) and any other recipient must not claim."""
    on_dpf = transfer is not None and _DPF in transfer.en
    if value is None:
        if on_dpf:
            raise RegisterError(
                f"{where}: a transfer under the {_DPF} needs dpf_checked, the date its entry "
                "on the Data Privacy Framework List was last checked"
            )
        return None
    # YAML reads 2026-11-25 as a date; anything else (a datetime, a string) is a typo.
    if type(value) is not date:
        raise RegisterError(f"{where}.dpf_checked: needs a date like 2026-11-25, not {value!r}")
    if not on_dpf or "US" not in third_countries:
        raise RegisterError(
            f"{where}.dpf_checked: only for a transfer to the US under the {_DPF} "
            "(third_countries [US] and a transfer text that names it)"
        )
    return value


def _unique(ids: list[str], what: str) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegisterError(f"duplicate {what} ids {duplicates}")


# --- activities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    """What activities may refer to."""

    recipients: set[str]
    statutory_periods: set[str]
    legal_bases: set[str]
    assessable_rights: set[str]


def _basis(value: Any, where: str, catalogue: _Catalogue, *, scope_required: bool) -> Basis:
    value = _mapping(value or {}, where)
    article = value.get("article")
    if article not in BASES:
        raise RegisterError(f"{where}.article must be one of {sorted(BASES)}, not {article!r}")
    if article not in catalogue.legal_bases:
        raise RegisterError(f"{where}: legal_bases has no citation for {article}")
    interest = None
    if article == "6(1)(f)":
        if "interest" not in value:
            raise RegisterError(f"{where}: basis 6(1)(f) needs the interest pursued")
        interest = _text(value["interest"], f"{where}.interest")
    if scope_required and "scope" not in value:
        raise RegisterError(f"{where}: a further basis needs its scope")
    return Basis(article, interest, _optional_text(value.get("scope"), f"{where}.scope"))


def _retention(value: Any, where: str) -> Retention:
    if value is None:
        raise RegisterError(f"{where}: needs a retention rule")
    value = _mapping(value, f"{where}.retention")
    if value.get("action") not in ACTIONS:
        raise RegisterError(f"{where}: retention.action must be delete or anonymise")
    counted_from = value.get("counted_from", "event")
    if counted_from not in COUNTED_FROM:
        raise RegisterError(
            f"{where}: retention.counted_from must be one of {sorted(COUNTED_FROM)}"
        )
    return Retention(
        duration=_duration(value.get("duration"), f"{where}.retention.duration"),
        action=value["action"],
        description=_text(value.get("description"), f"{where}.retention.description"),
        counted_from=counted_from,
    )


def _rights(value: Any, where: str, articles: set[str], catalogue: _Catalogue) -> dict[str, str]:
    rights = {str(k): str(v) for k, v in (value or {}).items()}
    if set(rights) != set(RIGHTS) or set(rights.values()) - RIGHT_VALUES:
        raise RegisterError(
            f"{where}: rights must give each of {RIGHTS} one of {sorted(RIGHT_VALUES)}"
        )
    for right, mark in rights.items():
        if mark == "assess" and right not in catalogue.assessable_rights:
            raise RegisterError(f"{where}: rights.{right} cannot be 'assess'")
    if articles & {"6(1)(e)", "6(1)(f)"} and rights["21"] not in {"yes", "assess"}:
        raise RegisterError(
            f"{where}: rights.21 must be yes or assess: Art. 21(1) GDPR allows objection to "
            "any processing based on 6(1)(e) or 6(1)(f)"
        )
    if ("6(1)(a)" in articles) != (rights["7(3)"] == "yes"):
        raise RegisterError(
            f"{where}: rights.7(3) must be yes exactly when consent (6(1)(a)) is a basis"
        )
    if rights["20"] == "yes" and not articles & {"6(1)(a)", "6(1)(b)"}:
        raise RegisterError(f"{where}: rights.20 applies only to processing on 6(1)(a) or (b)")
    return rights


_SUBJECT_FORMS = ({"user", "email", "when", "shared"}, {"adapter"}, {"unlinked"})


def _subject(value: Any, where: str) -> SubjectLink | None:
    if value is None:
        return None
    value = _mapping(value, f"{where}.subject")
    keys = set(value)
    if not keys or not any(keys <= form for form in _SUBJECT_FORMS):
        raise RegisterError(
            f"{where}.subject: needs user and/or email (with optional when, shared), "
            "or adapter, or unlinked"
        )
    if keys & {"when", "shared"} and "user" not in keys:
        raise RegisterError(f"{where}.subject: when and shared refine the user path")
    for key in keys - {"when"}:
        if not isinstance(value[key], str) or not value[key].strip():
            raise RegisterError(f"{where}.subject.{key}: needs a non-empty text")
    return SubjectLink(
        user=value.get("user"),
        email=value.get("email"),
        when=dict(_mapping(value.get("when") or {}, f"{where}.subject.when")),
        shared=value.get("shared"),
        adapter=value.get("adapter"),
        unlinked=value.get("unlinked"),
    )


def _consent(value: Any, where: str) -> ConsentSpec | None:
    if value is None:
        return None
    value = _mapping(value, f"{where}.consent")
    return ConsentSpec(
        purpose=_string(value, "purpose", f"{where}.consent"),
        withdrawn=_string(value, "withdrawn", f"{where}.consent"),
        direct_marketing=bool(value.get("direct_marketing", False)),
    )


def _duration_by(value: Any, where: str) -> DurationBy | None:
    if value is None:
        return None
    value = _mapping(value, f"{where}.duration_by")
    return DurationBy(
        years=_string(value, "years", f"{where}.duration_by"),
        plus=_duration(value.get("plus", "P0D"), f"{where}.duration_by.plus"),
        ended_at_trigger=dict(
            _mapping(value.get("ended_at_trigger") or {}, f"{where}.duration_by.ended_at_trigger")
        ),
    )


def _stores(values: Any, where: str, retention: Retention) -> tuple[Store, ...]:
    stores = []
    for i, s in enumerate(values or []):
        place = f"{where}.stores[{i}]"
        if not isinstance(s.get("fields"), dict) or not s["fields"]:
            raise RegisterError(f"{place}: needs its fields and their categories")
        store = Store(
            model=s["model"],
            fields={str(k): str(v) for k, v in s["fields"].items()},
            trigger=s.get("trigger"),
            filter=dict(s.get("filter") or {}),
            anonymise=dict(s.get("anonymise") or {}),
            minimise_on_hold=tuple(s.get("minimise_on_hold") or ()),
            duration=Duration.parse(s["duration"]) if s.get("duration") else None,
            trigger_all=bool(s.get("trigger_all", False)),
            orphaned_from=tuple(s.get("orphaned_from") or ()),
            due_with=s.get("due_with"),
            subject=_subject(s.get("subject"), place),
            withhold=tuple(s.get("withhold") or ()),
            consent=_consent(s.get("consent"), place),
            duration_by=_duration_by(s.get("duration_by"), place),
        )
        if retention.action == "anonymise" and not store.anonymise:
            raise RegisterError(f"{place}: action anonymise needs the fields to reset")
        if store.trigger and store.due_with:
            raise RegisterError(
                f"{place}: a row falls due by its trigger or with due_with, not both"
            )
        if (store.trigger_all or store.orphaned_from) and not store.trigger:
            raise RegisterError(f"{place}: trigger_all and orphaned_from refine a trigger")
        if store.orphaned_from and not store.trigger_all:
            raise RegisterError(f"{place}: orphaned_from needs trigger_all")
        if store.duration_by and (not store.trigger or store.trigger_all or store.duration):
            raise RegisterError(
                f"{place}: duration_by refines a plain trigger and replaces duration"
            )
        unknown = set(store.withhold) - set(store.fields)
        if unknown:
            raise RegisterError(f"{place}: withhold names unlabelled fields {sorted(unknown)}")
        stores.append(store)
    return tuple(stores)


def _cookie(value: Any, where: str, recipients: tuple[str, ...]) -> Cookie:
    value = _mapping(value, where)
    names = value.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise RegisterError(f"{where}: needs its names")
    if value.get("tdddg") not in TDDDG_CLASSES:
        raise RegisterError(f"{where}: tdddg must be one of {sorted(TDDDG_CLASSES)}")
    if value.get("party") not in PARTIES:
        raise RegisterError(f"{where}: party must be one of {sorted(PARTIES)}")
    max_age = value.get("max_age")
    return Cookie(
        names=tuple(names),
        purpose=_text(value.get("purpose"), f"{where}.purpose"),
        max_age=None if max_age == "session" else _duration(max_age, f"{where}.max_age"),
        party=value["party"],
        tdddg=value["tdddg"],
        readable_by=_known(
            value.get("readable_by"), set(recipients), "recipients of this activity", where
        ),
    )


def _activity(entry: Any, catalogue: _Catalogue) -> Activity:
    entry = _mapping(entry, "activity")
    aid = _slug(entry.get("id"), "activity")
    where = f"activity {aid}"
    basis = _basis(entry.get("basis"), f"{where}: basis", catalogue, scope_required=False)
    further = tuple(
        _basis(b, f"{where}: further_bases[{i}]", catalogue, scope_required=True)
        for i, b in enumerate(entry.get("further_bases") or [])
    )
    articles = {basis.article} | {b.article for b in further}
    recipients = _known(entry.get("recipients"), catalogue.recipients, "recipients", where)
    retention = _retention(entry.get("retention"), where)
    holds = _known(entry.get("hold_types"), HOLD_TYPES, "hold types", where)
    periods = _known(
        entry.get("statutory_periods"), catalogue.statutory_periods, "statutory periods", where
    )
    if periods and "statutory" not in holds:
        raise RegisterError(f"{where}: statutory_periods need the hold type 'statutory'")
    cookies = tuple(
        _cookie(c, f"{where}.cookies[{i}]", recipients)
        for i, c in enumerate(entry.get("cookies") or [])
    )
    stores = _stores(entry.get("stores"), where, retention)
    in_use_if = _in_use_if(entry.get("in_use_if"), where)
    if in_use_if and stores:
        # Switched off, the activity would vanish from the policy while its rows stay kept.
        raise RegisterError(
            f"{where}: an activity with in_use_if cannot have stores: data it kept would "
            "remain while the policy says the activity is not in use"
        )
    if any(c.tdddg == "consent" for c in cookies) and "6(1)(a)" not in articles:
        raise RegisterError(
            f"{where}: cookies that need consent under § 25(1) TDDDG need consent "
            "(6(1)(a)) as the basis of the processing that follows"
        )
    return Activity(
        id=aid,
        section=str(entry.get("section", "")),
        internal=bool(entry.get("internal", False)),
        name=_text(entry.get("name"), f"{where}.name"),
        description=_optional_texts(entry.get("description"), f"{where}.description"),
        purposes=_texts(entry.get("purposes"), f"{where}.purposes"),
        basis=basis.article,
        interest=basis.interest,
        basis_scope=basis.scope,
        further_bases=further,
        data_categories=_texts(entry.get("data_categories"), f"{where}.data_categories"),
        subjects=_texts(entry.get("subjects"), f"{where}.subjects"),
        recipients=recipients,
        retention=retention,
        statutory_periods=periods,
        hold_types=holds,
        rights=_rights(entry.get("rights"), where, articles, catalogue),
        rights_note=_optional_text(entry.get("rights_note"), f"{where}.rights_note"),
        stores=stores,
        cookies=cookies,
        source=_text(entry.get("source"), f"{where}.source"),
        in_use_if=in_use_if,
    )


def _in_use_if(value: Any, where: str) -> InUseIf | None:
    if value is None:
        return None
    value = _mapping(value, f"{where}.in_use_if")
    if set(value) != {"setting", "otherwise"}:
        raise RegisterError(f"{where}.in_use_if: needs exactly setting and otherwise")
    setting = value["setting"]
    if not isinstance(setting, str) or not _SETTING.fullmatch(setting):
        raise RegisterError(
            f"{where}.in_use_if.setting: needs the name of a Django setting, not {setting!r}"
        )
    return InUseIf(
        setting=setting, otherwise=_text(value["otherwise"], f"{where}.in_use_if.otherwise")
    )


# --- the policy's structure -------------------------------------------------------------------


def _item(value: Any, where: str, allowed: set[str]) -> Item:
    value = _mapping(value, where)
    if len(value) != 1 or next(iter(value)) not in allowed:
        raise RegisterError(f"{where}: needs exactly one of {sorted(allowed)}")
    kind, content = next(iter(value.items()))
    if kind == "p":
        return Item(kind, text=_text(content, f"{where}.p"))
    if kind == "list":
        return Item(kind, texts=_texts(content, f"{where}.list"))
    if kind == "block" and content not in BLOCKS:
        raise RegisterError(f"{where}: unknown block {content!r}, not one of {sorted(BLOCKS)}")
    return Item(kind, name=str(content))


def _chapter(value: Any, index: int, activities: dict[str, Activity]) -> Chapter:
    where = f"policy.chapters[{index}]"
    value = _mapping(value, where)
    letter = ascii_uppercase[index]
    items = tuple(
        _item(v, f"{where}.content[{i}]", {"p", "list", "block", "activity"})
        for i, v in enumerate(value.get("content") or [])
    )
    placed = [item.name for item in items if item.kind == "activity"]
    for number, aid in enumerate(placed, start=1):
        activity = activities.get(aid)
        if activity is None or activity.internal:
            raise RegisterError(f"{where}: {aid!r} is not a public activity of the register")
        if activity.section != f"{letter}.{number}":
            raise RegisterError(
                f"activity {aid}: section is {activity.section!r}, but its place in the policy "
                f"makes it {letter}.{number}"
            )
    return Chapter(
        key=_slug(value.get("key"), where),
        letter=letter,
        heading=_text(value.get("heading"), f"{where}.heading"),
        items=items,
    )


def _policy(value: Any, activities: tuple[Activity, ...]) -> Policy:
    value = _mapping(value, "policy")
    chapters_data = value.get("chapters")
    if not isinstance(chapters_data, list) or not chapters_data:
        raise RegisterError("policy.chapters: needs a non-empty list")
    if len(chapters_data) > len(ascii_uppercase):
        raise RegisterError("policy.chapters: more chapters than letters")
    by_id = {a.id: a for a in activities}
    chapters = tuple(_chapter(c, i, by_id) for i, c in enumerate(chapters_data))
    placed = [item.name for c in chapters for item in c.items if item.kind == "activity"]
    _unique(placed, "placed activity")
    for activity in activities:
        if activity.internal and activity.section != "internal":
            raise RegisterError(
                f"activity {activity.id}: an internal activity has section internal"
            )
        if not activity.internal and activity.id not in placed:
            raise RegisterError(f"activity {activity.id}: not placed in any policy chapter")
    return Policy(
        intro=tuple(
            _item(v, f"policy.intro[{i}]", {"p", "list"})
            for i, v in enumerate(value.get("intro") or [])
        ),
        chapters=chapters,
        no_transfer=_text(value.get("no_transfer"), "policy.no_transfer"),
    )


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _check_refs(data: dict[str, Any], refs: dict[str, str]) -> None:
    for where, text in _strings(data, ""):
        for name in _REF.findall(text):
            if name not in refs:
                raise RegisterError(f"{where}: unknown cross-reference [[{name}]]")


# --- the register -----------------------------------------------------------------------------


def parse_register(text: str) -> Register:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or "activities" not in data:
        raise RegisterError("the register needs a top-level 'activities' list")
    recipients = tuple(
        _recipient(r, f"recipients[{i}]") for i, r in enumerate(data.get("recipients") or [])
    )
    _unique([r.id for r in recipients], "recipient")
    periods = tuple(
        _statutory_period(p, f"statutory_periods[{i}]")
        for i, p in enumerate(data.get("statutory_periods") or [])
    )
    _unique([p.id for p in periods], "statutory period")
    legal_bases = _citations(data.get("legal_bases"), "legal_bases", BASES)
    rights = _rights_catalogue(data.get("rights"))
    catalogue = _Catalogue(
        recipients={r.id for r in recipients},
        statutory_periods={p.id for p in periods},
        legal_bases=set(legal_bases),
        assessable_rights={r.id for r in rights if r.assess},
    )
    activities = tuple(_activity(entry, catalogue) for entry in data["activities"])
    _unique([a.id for a in activities], "activity")
    labels = [s.model.lower() for a in activities for s in a.stores]
    if len(labels) != len(set(labels)):
        raise RegisterError("a model is the store of more than one activity")
    policy = _policy(data.get("policy"), activities)
    chapter_keys = {c.key: c.letter for c in policy.chapters}
    clashes = set(chapter_keys) & {a.id for a in activities}
    if clashes:
        raise RegisterError(f"policy chapter keys clash with activity ids: {sorted(clashes)}")
    refs = chapter_keys | {a.id: a.section for a in activities if not a.internal}
    _check_refs(data, refs)
    device_access = _citations(data.get("device_access"), "device_access", TDDDG_CLASSES)
    if set(device_access) != TDDDG_CLASSES:
        raise RegisterError(f"device_access: needs each of {sorted(TDDDG_CLASSES)}")
    controller = _mapping(data.get("controller"), "controller")
    for key in ("phone", "email"):
        _string(controller, key, "controller")  # Art. 13(1)(a): how to reach the controller
    authority = _mapping(data.get("supervisory_authority"), "supervisory_authority")
    return Register(
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        data=data,
        activities=activities,
        non_personal={str(k): str(v) for k, v in (data.get("non_personal") or {}).items()},
        controller=_organisation(controller, "controller", postal=True),
        privacy_email=_string(controller, "privacy_email", "controller"),
        dpo=None if data.get("dpo") is None else _organisation(data["dpo"], "dpo", postal=False),
        authority=Authority(
            organisation=_organisation(authority, "supervisory_authority", postal=True),
            right=_right(
                {"id": "77", **_mapping(authority.get("right"), "supervisory_authority.right")},
                "supervisory_authority.right",
            ),
        ),
        legal_bases=legal_bases,
        device_access=device_access,
        rights=rights,
        holds=_holds(data.get("holds")),
        statutory_periods=periods,
        recipients=recipients,
        policy=policy,
        refs=refs,
        security_measures=_texts(data.get("security_measures"), "security_measures"),
    )


@cache
def get_register() -> Register:
    return parse_register(REGISTER_PATH.read_text(encoding="utf-8"))


# --- what is in use under the current settings --------------------------------------------------


def in_use(activity: Activity) -> bool:
    """Whether the activity takes place now: always, unless its `in_use_if` setting is empty.
    Read on every call, never cached, so that a changed setting takes effect at once."""
    if activity.in_use_if is None:
        return True
    return bool(getattr(settings, activity.in_use_if.setting, None))


def recipients_in_use(register: Register) -> tuple[Recipient, ...]:
    """The recipients, without those that only activities not in use refer to (a recipient no
    activity refers to, such as one named in a text, stays)."""
    referenced: dict[str, bool] = {}
    for activity in register.activities:
        for rid in activity.recipients:
            referenced[rid] = referenced.get(rid, False) or in_use(activity)
    return tuple(r for r in register.recipients if referenced.get(r.id, True))
