"""One adapter per register store: finds, copies and flags a data subject's rows.

Most adapters are derived from the register alone: a store's `subject` entry names the lookup
path from a row to the user it belongs to, or to an e-mail address. Rows that no lookup reaches
(the user id inside signed session data) get an adapter written in code and registered under a
name with `register_adapter`; the store names it with `subject: {adapter: <name>}`. An app that
needs one registers it from its AppConfig.ready(), so this package never imports other apps.
"""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from ..register import Activity, Store, get_register
from .holds import has_restricted_flag
from .subject import Subject

# Categories whose values are secrets: never copied out, only named (Art. 15(4): a copy must not
# hand over the means to take over the account).
SECRET_CATEGORIES = ("user.credentials", "user.session")


def is_secret(category: str) -> bool:
    return any(category == c or category.startswith(c + ".") for c in SECRET_CATEGORIES)


def plain(value: Any) -> Any:
    """A value as JSON and CSV can hold it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


class StoreAdapter:
    """The rows of one store that belong to a subject. Subclasses implement `find`."""

    def __init__(self, activity: Activity, store: Store):
        self.activity = activity
        self.store = store

    @property
    def label(self) -> str:
        return self.store.model

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.store.model)

    def find(self, subject: Subject) -> models.QuerySet:
        raise NotImplementedError

    def restricted_by_subject(self) -> models.QuerySet:
        """Rows of a model without a flag of its own whose subject's processing is restricted."""
        return self.model._default_manager.none()

    def shared_with_others(self, subject: Subject, pks: list) -> list:
        """Of the given rows, those that other people share (erasure must wait for them)."""
        return []

    # --- the subject's copy (Art. 15, 20) ---------------------------------------------------

    def exported_fields(self) -> list[str]:
        return [
            name
            for name, category in self.store.fields.items()
            if not is_secret(category) and name not in self.store.withhold
        ]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        model = self.model
        names = self.exported_fields()
        fields = [model._meta.get_field(name) for name in names]
        many = [f.name for f in fields if f.many_to_many]
        queryset = self.find(subject).order_by("pk")
        if many:
            queryset = queryset.prefetch_related(*many)
        return [{f.name: self._value(obj, f, subject) for f in fields} for obj in queryset]

    def _value(self, obj: models.Model, field: models.Field, subject: Subject) -> Any:
        if field.many_to_many:
            return sorted(str(related) for related in getattr(obj, field.name).all())
        value = getattr(obj, field.attname)
        if (
            field.is_relation
            and field.related_model is get_user_model()
            and value is not None
            and value != subject.user_id
        ):
            # A reference to another person, e.g. who sent an invitation (Art. 15(4)).
            return None
        return plain(value)

    # --- restriction (Art. 18) --------------------------------------------------------------

    def _own_rows(self, subject: Subject) -> models.QuerySet:
        """The subject's rows that nobody else shares: a person restricts only their own data,
        not that of an organisation they run with others."""
        rows = self.find(subject)
        shared = self.shared_with_others(subject, list(rows.values_list("pk", flat=True)))
        return rows.exclude(pk__in=shared)

    def restrict(self, subject: Subject) -> int:
        if not has_restricted_flag(self.model):
            return 0
        return self._own_rows(subject).filter(restricted=False).update(restricted=True)

    def unrestrict(self, subject: Subject, *, keep: set) -> int:
        """Clear the flag, except on rows in `keep` (held rows stay restricted)."""
        if not has_restricted_flag(self.model):
            return 0
        rows = self._own_rows(subject).filter(restricted=True).exclude(pk__in=list(keep))
        return rows.update(restricted=False)


class LookupAdapter(StoreAdapter):
    """Finds rows through the lookup paths of the store's `subject` entry."""

    def _user_condition(self, user_id) -> models.Q:
        link = self.store.subject
        return models.Q(**{link.user: user_id, **link.when})

    def find(self, subject: Subject) -> models.QuerySet:
        link = self.store.subject
        condition = models.Q()
        if link.user and subject.user_id is not None:
            condition |= self._user_condition(subject.user_id)
        if link.email and subject.email:
            condition |= models.Q(**{f"{link.email}__iexact": subject.email})
        manager = self.model._default_manager
        if not condition:
            return manager.none()
        # The paths can cross to-many relations; selecting the keys first keeps the result free
        # of duplicates and of DISTINCT, which delete() and update() refuse.
        return manager.filter(pk__in=manager.filter(condition).values("pk"))

    def restricted_by_subject(self) -> models.QuerySet:
        link = self.store.subject
        model = self.model
        user_model = get_user_model()
        if not has_restricted_flag(user_model):
            return model._default_manager.none()
        condition = models.Q()
        if link.user and not (model is user_model and link.user == "pk"):
            condition |= models.Q(**{f"{link.user}__restricted": True, **link.when})
        if link.email:
            restricted_addresses = (
                user_model._default_manager.filter(restricted=True)
                .annotate(address=Lower("email"))
                .filter(address=Lower(models.OuterRef(link.email)))
            )
            condition |= models.Q(models.Exists(restricted_addresses))
        if not condition:
            return model._default_manager.none()
        return model._default_manager.filter(condition)

    def shared_with_others(self, subject: Subject, pks: list) -> list:
        link = self.store.subject
        if not link.shared or not pks:
            return []
        # exclude() across a to-many path would mean "no related row matches", which is not the
        # question; a subject's own rows are few, so ask row by row who else shares each.
        shared = []
        for pk in pks:
            users = set(
                self.model._default_manager.filter(pk=pk).values_list(link.shared, flat=True)
            )
            if users - {None, subject.user_id}:
                shared.append(pk)
        return shared


class SessionAdapter(StoreAdapter):
    """Signed-in sessions: the user id sits inside the encoded session data."""

    def find(self, subject: Subject) -> models.QuerySet:
        model = self.model
        manager = model._default_manager
        if subject.user_id is None:
            return manager.none()
        wanted = str(subject.user_id)
        keys = [
            session.pk
            for session in manager.filter(expire_date__gt=timezone.now()).iterator()
            if str(session.get_decoded().get("_auth_user_id", "")) == wanted
        ]
        return manager.filter(pk__in=keys)


_named: dict[str, type[StoreAdapter]] = {"sessions": SessionAdapter}


def register_adapter(name: str, adapter: type[StoreAdapter]) -> None:
    """Make an adapter written in code available to stores that name it."""
    _named[name] = adapter


def adapter_names() -> set[str]:
    return set(_named)


def adapters() -> list[StoreAdapter]:
    """An adapter for every store that can be tied to a person, in register order."""
    result = []
    for activity, store in get_register().stores():
        link = store.subject
        if link is None or link.unlinked:
            continue
        cls = _named[link.adapter] if link.adapter else LookupAdapter
        result.append(cls(activity, store))
    return result


def adapter_for(model: type[models.Model]) -> StoreAdapter | None:
    label = model._meta.label_lower
    return next((a for a in adapters() if a.label.lower() == label), None)


def unlinked_stores() -> Iterator[tuple[Activity, Store]]:
    for activity, store in get_register().stores():
        if store.subject and store.subject.unlinked:
            yield activity, store


def store_name(label: str) -> str:
    """The plural name of a store's model, in the active language."""
    return str(apps.get_model(label)._meta.verbose_name_plural)
