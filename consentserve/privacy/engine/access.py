"""Access (Art. 15) and portability (Art. 20): a copy of everything held about a subject.

The report holds, per activity of the register, the subject's rows of every store together with
the purposes, legal bases, recipients, retention, source and rights (R-F-15); it is rendered as
JSON or as a ZIP of CSV files with a field dictionary (R-F-20). Secrets (password hashes, MFA
secrets, session data) are named, never copied. An activity that is not in use under the current
settings (`in_use_if`; it has no stores) is not mentioned: it processes nothing about anyone.
"""

import csv
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext

from ..register import Activity, Register, get_register, in_use
from .adapters import StoreAdapter, adapters, is_secret, unlinked_stores
from .subject import Subject


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    category: str
    exported: bool  # False: a secret, or a field that can hold other people's data
    kind: str  # the model field's internal type, e.g. "DateTimeField"


@dataclass(frozen=True)
class StoreCopy:
    store: str  # "app_label.Model"
    name: str
    fields: tuple[FieldInfo, ...]
    rows: tuple[dict[str, Any], ...]

    def labelled_rows(self) -> list[list[tuple[FieldInfo, str]]]:
        """Each row as (field, value as text in the active language) pairs, for pages."""
        return [
            [(f, _readable(f, row.get(f.name)) if f.exported else "") for f in self.fields]
            for row in self.rows
        ]


@dataclass(frozen=True)
class ActivityReport:
    id: str
    name: str
    purposes: tuple[str, ...]
    legal_bases: tuple[str, ...]
    recipients: tuple[str, ...]
    third_country_transfers: tuple[str, ...]
    retention: str
    source: str
    rights: tuple[str, ...]
    rights_note: str
    stores: tuple[StoreCopy, ...]

    @property
    def holds_data(self) -> bool:
        return any(s.rows for s in self.stores)


@dataclass(frozen=True)
class UnlinkedActivity:
    """Processing that cannot be tied to an account; the note says how to ask about it."""

    id: str
    name: str
    rights_note: str


@dataclass(frozen=True)
class AccessReport:
    generated_at: datetime
    language: str
    controller: dict[str, str]
    privacy_email: str
    subject_email: str
    activities: tuple[ActivityReport, ...]
    unlinked: tuple[UnlinkedActivity, ...]

    @property
    def activities_with_data(self) -> tuple[ActivityReport, ...]:
        return tuple(a for a in self.activities if a.holds_data)


def access_report(subject: Subject, *, language: str | None = None) -> AccessReport:
    """Everything held about the subject, in `language` (default: the active one)."""
    language = language or translation.get_language() or "de"
    reg = get_register()
    by_activity: dict[str, list[StoreAdapter]] = {}
    for adapter in adapters():
        by_activity.setdefault(adapter.activity.id, []).append(adapter)
    with translation.override(language):
        activities = tuple(
            _activity(reg, reg.activity(aid), found, subject, language)
            for aid, found in by_activity.items()
        )
    linked = set(by_activity)
    unlinked_ids = [a.id for a, _s in unlinked_stores() if a.id not in linked]
    unlinked_ids += [
        a.id
        for a in reg.activities
        if not a.internal and not a.stores and a.id not in linked and in_use(a)
    ]
    say = _say(reg, language)
    return AccessReport(
        generated_at=timezone.now(),
        language=language,
        controller={
            "name": say(reg.controller.name),
            "address": f"{reg.controller.street}, {reg.controller.postcode} {reg.controller.city}",
            "phone": reg.controller.phone,
            "email": reg.controller.email,
        },
        privacy_email=reg.privacy_email,
        subject_email=subject.email,
        activities=activities,
        unlinked=tuple(
            UnlinkedActivity(
                id=aid,
                name=say(reg.activity(aid).name),
                rights_note=say(reg.activity(aid).rights_note),
            )
            for aid in dict.fromkeys(unlinked_ids)
        ),
    )


def _say(reg: Register, language: str):
    return lambda text: reg.resolve(text.get(language)) if text else ""


def _activity(
    reg: Register,
    activity: Activity,
    found: list[StoreAdapter],
    subject: Subject,
    language: str,
) -> ActivityReport:
    say = _say(reg, language)
    recipients = [reg.recipient(r) for r in activity.recipients]
    return ActivityReport(
        id=activity.id,
        name=say(activity.name),
        purposes=tuple(say(p) for p in activity.purposes),
        legal_bases=tuple(_basis(reg, b, say) for b in activity.bases),
        recipients=tuple(f"{say(r.name)} ({say(r.location)})" for r in recipients),
        third_country_transfers=tuple(say(r.transfer) for r in recipients if r.third_countries),
        retention=say(activity.retention.description),
        source=say(activity.source),
        rights=tuple(
            f"{say(r.name)} ({say(r.citation)})"
            for r in reg.rights
            if activity.rights[r.id] in {"yes", "assess"}
        ),
        rights_note=say(activity.rights_note),
        stores=tuple(_copy(adapter, subject) for adapter in found),
    )


def _basis(reg: Register, basis, say) -> str:
    citation = reg.legal_bases[basis.article]
    text = f"{say(citation.citation)} ({say(citation.label)})"
    return f"{text} {say(basis.scope)}" if basis.scope else text


def _copy(adapter: StoreAdapter, subject: Subject) -> StoreCopy:
    model = adapter.model
    exported = set(adapter.exported_fields())
    return StoreCopy(
        store=adapter.label,
        name=str(model._meta.verbose_name_plural),
        fields=tuple(
            FieldInfo(
                name=name,
                label=str(model._meta.get_field(name).verbose_name),
                category=category,
                exported=name in exported,
                kind=model._meta.get_field(name).get_internal_type(),
            )
            for name, category in adapter.store.fields.items()
        ),
        rows=tuple(adapter.export(subject)),
    )


# --- formats ----------------------------------------------------------------------------------


def report_json(report: AccessReport) -> bytes:
    """The whole report as UTF-8 JSON."""
    data = asdict(report)
    data["generated_at"] = report.generated_at.isoformat()
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def report_zip(report: AccessReport) -> bytes:
    """One UTF-8 CSV per store that holds rows, and `fields.csv`, the field dictionary."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        dictionary = io.StringIO()
        writer = csv.writer(dictionary)
        writer.writerow(["file", "activity", "field", "label", "data_category", "included"])
        for activity in report.activities:
            for store in activity.stores:
                if not store.rows:
                    continue
                filename = f"{store.store}.csv"
                archive.writestr(filename, _csv(store).encode("utf-8"))
                for f in store.fields:
                    included = (
                        "yes" if f.exported else ("secret" if is_secret(f.category) else "no")
                    )
                    writer.writerow([filename, activity.id, f.name, f.label, f.category, included])
        archive.writestr("fields.csv", dictionary.getvalue().encode("utf-8"))
    return buffer.getvalue()


def _csv(store: StoreCopy) -> str:
    names = [f.name for f in store.fields if f.exported]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for row in store.rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue()


def _readable(field: FieldInfo, value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and field.kind == "DateTimeField":
        moment = parse_datetime(value)
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else value
    if isinstance(value, str) and field.kind == "DateField":
        day = parse_date(value)
        return date_format(day, "DATE_FORMAT") if day else value
    return _cell(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
