"""Which rows a legal hold keeps, and what keeping them means (R-E-3, R-B3-5).

A hold names one row. Deleting a row that the held row refers to through a CASCADE foreign key
would delete the held row with it, and through a PROTECT or RESTRICT key it would fail, so those
rows are kept too: a held SEPA mandate keeps its organisation, a held membership keeps its user.
Erasure and retention both ask `protection()` before they delete, and both minimise and restrict
what they keep with `minimise()`.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models

from ..models import LegalHold
from ..register import Store


@dataclass(frozen=True)
class HoldInfo:
    """Why a row is kept: the hold itself, or the hold of a row that depends on it."""

    kind: str  # LegalHold.Kind
    legal_basis: str
    expires_at: datetime | None
    direct: bool  # False: kept because a held row depends on it


class Protection:
    """The rows active holds keep at one moment, by model."""

    def __init__(self, rows: dict[type[models.Model], dict]):
        self._rows = rows

    def pks(self, model: type[models.Model]) -> set:
        return set(self._rows.get(model._meta.concrete_model, {}))

    def info(self, model: type[models.Model], pk) -> HoldInfo | None:
        return self._rows.get(model._meta.concrete_model, {}).get(pk)


# What deleting the referenced row does to the referring one: deletes it, or refuses.
_BINDING = (models.CASCADE, models.PROTECT, models.RESTRICT)


def _binding_parents(model: type[models.Model]) -> list[models.ForeignKey]:
    """The foreign keys whose target cannot go while a row of `model` stays."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.many_to_one or f.one_to_one
        if f.remote_field.on_delete in _BINDING
    ]


def protection(*, at: datetime) -> Protection:
    """Every row an active hold keeps at `at`, directly or as a row a held row is bound to."""
    rows: dict[type[models.Model], dict] = defaultdict(dict)
    frontier: dict[type[models.Model], dict] = defaultdict(dict)
    for hold in LegalHold.objects.active(at=at).select_related("content_type"):
        model = hold.content_type.model_class()
        if model is None:
            continue
        model = model._meta.concrete_model
        try:
            pk = model._meta.pk.to_python(hold.object_id)
        except ValidationError:
            continue  # names no row that could exist, so it keeps nothing
        info = HoldInfo(hold.kind, hold.legal_basis, hold.expires_at, direct=True)
        # Of two holds on one row, the one that lasts longer tells when the row may go.
        if pk not in rows[model] or _later(info, rows[model][pk]):
            rows[model][pk] = frontier[model][pk] = info
    while frontier:
        parents: dict[type[models.Model], dict] = defaultdict(dict)
        for model, held in frontier.items():
            fks = _binding_parents(model)
            if not fks:
                continue
            values = model._default_manager.filter(pk__in=list(held)).values(
                "pk", *[f.attname for f in fks]
            )
            for row in values:
                info = held[row["pk"]]
                for fk in fks:
                    parent_pks = _parent_pks(fk, row[fk.attname])
                    parent = fk.related_model._meta.concrete_model
                    for parent_pk in parent_pks:
                        if parent_pk not in rows[parent]:
                            inherited = HoldInfo(
                                info.kind, info.legal_basis, info.expires_at, direct=False
                            )
                            rows[parent][parent_pk] = parents[parent][parent_pk] = inherited
        frontier = parents
    return Protection(dict(rows))


def _later(new: HoldInfo, old: HoldInfo) -> bool:
    if old.expires_at is None:
        return False
    return new.expires_at is None or new.expires_at > old.expires_at


def _parent_pks(fk: models.ForeignKey, value) -> list:
    if value is None:
        return []
    target = fk.target_field
    if target.primary_key:
        return [value]
    # A foreign key to a non-key column (to_field): find the row's key by that column.
    return list(
        fk.related_model._default_manager.filter(**{target.attname: value}).values_list(
            "pk", flat=True
        )
    )


def _blank(field: models.Field):
    if isinstance(field, models.BooleanField):
        return False
    return None if field.null else ""


def minimise(model: type[models.Model], store: Store, queryset: models.QuerySet) -> int:
    """Blank the store's `minimise_on_hold` fields of kept rows and flag them restricted."""
    changes = {name: _blank(model._meta.get_field(name)) for name in store.minimise_on_hold}
    if has_restricted_flag(model):
        changes["restricted"] = True
    if not changes:
        return 0
    return queryset.update(**changes)


def has_restricted_flag(model: type[models.Model]) -> bool:
    return any(f.name == "restricted" for f in model._meta.concrete_fields)
