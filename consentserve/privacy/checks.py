"""System checks that keep the register and the code in step (R-REG-2).

A model that holds personal data must be the store of an activity, with every field labelled;
any other model must be listed under `non_personal` with the reason. A store that holds personal
data must say how its rows belong to a person (`subject`), so that access, restriction and
erasure reach them. Adding a model or a column without describing it fails `manage.py check`,
and so CI.

Under `check --deploy` only: a recipient we transfer to under the EU-US Data Privacy Framework
whose entry on the DPF List was last checked more than DPF_RECHECK_DAYS ago is a warning, so that
each release re-checks the certification (R-C2-4).
"""

from datetime import date

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from .engine.adapters import adapter_names
from .register import RegisterError, Store, get_register, recipients_in_use
from .retention import split_to_many

DPF_RECHECK_DAYS = 183  # about half a year, so at least every second release re-checks
DPF_LIST_URL = "https://www.dataprivacyframework.gov/list"


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


@register(Tags.models)
def register_describes_every_model(app_configs=None, **kwargs):
    try:
        reg = get_register()
    except RegisterError as exc:
        return [Error(f"privacy register is invalid: {exc}", id="privacy.E000")]
    errors = []
    described = {s.model.lower(): (a, s) for a, s in reg.stores()}
    non_personal = {label.lower() for label in reg.non_personal}
    for model in apps.get_models():
        label = _label(model).lower()
        if label in non_personal:
            continue
        if label not in described:
            errors.append(
                Error(
                    f"model {_label(model)} is not described in the privacy register",
                    hint="Add it as a store of an activity in privacy/register/activities.yaml, "
                    "or under non_personal with the reason it holds no personal data.",
                    obj=model,
                    id="privacy.E001",
                )
            )
            continue
        activity, store = described[label]
        columns = {f.name for f in model._meta.get_fields() if f.concrete and not f.primary_key}
        for missing in sorted(columns - set(store.fields)):
            errors.append(
                Error(
                    f"field {_label(model)}.{missing} has no data category in activity "
                    f"{activity.id}",
                    obj=model,
                    id="privacy.E002",
                )
            )
        for unknown in sorted(set(store.fields) - columns):
            errors.append(
                Error(f"register names unknown field {_label(model)}.{unknown}", id="privacy.E003")
            )
        for name in [store.trigger, *store.filter]:
            if name and _resolve(model, name) is None:
                errors.append(
                    Error(
                        f"register rule names unknown field {_label(model)}.{name}",
                        id="privacy.E004",
                    )
                )
        own = [*store.minimise_on_hold, *store.anonymise, *store.orphaned_from]
        for name in [*own, *([store.due_with] if store.due_with else [])]:
            if name not in columns:
                errors.append(
                    Error(
                        f"register rule names unknown field {_label(model)}.{name}",
                        id="privacy.E004",
                    )
                )
        errors.extend(_retention_shape(model, store))
        errors.extend(_subject(model, store, activity.id))
    known = {_label(m).lower() for m in apps.get_models()}
    for stale in sorted((set(described) | non_personal) - known):
        errors.append(
            Error(f"register names a model that does not exist: {stale}", id="privacy.E005")
        )
    return errors


@register(Tags.models)
def register_settings_exist(app_configs=None, **kwargs):
    """A misspelt `in_use_if` setting would keep its activity out of the policy for good."""
    try:
        reg = get_register()
    except RegisterError:
        return []  # reported by register_describes_every_model
    return [
        Error(
            f"activity {activity.id}: in_use_if names the setting "
            f"{activity.in_use_if.setting}, which does not exist",
            hint="Name a setting of config/settings.py.",
            id="privacy.E010",
        )
        for activity in reg.activities
        if activity.in_use_if and not hasattr(settings, activity.in_use_if.setting)
    ]


@register("privacy", deploy=True)
def dpf_certifications_rechecked(app_configs=None, **kwargs):
    return dpf_recheck_warnings(timezone.localdate())


def dpf_recheck_warnings(today: date) -> list[Warning]:
    """A warning per recipient in use whose DPF List entry was checked too long ago. A recipient
    no activity in use refers to receives nothing, so its certification does not matter now."""
    try:
        reg = get_register()
    except RegisterError:
        return []
    warnings = []
    for recipient in recipients_in_use(reg):
        checked = recipient.dpf_checked
        if checked is None:
            continue
        age = (today - checked).days
        if 0 <= age <= DPF_RECHECK_DAYS:
            continue
        when = f"{age} days ago" if age > 0 else "a date in the future"
        warnings.append(
            Warning(
                f"recipient {recipient.id} ({recipient.name.en}): the Data Privacy Framework "
                f"certification its transfer rests on was last checked on "
                f"{checked.isoformat()}, {when}",
                hint=f"Check that the US company named in its transfer is still listed as active "
                f"on {DPF_LIST_URL}, then set dpf_checked of recipient {recipient.id} in "
                "privacy/register/activities.yaml to the date of the check.",
                id="privacy.W001",
            )
        )
    return warnings


def _resolve(model, path: str):
    """The field a lookup path ends at (a trailing lookup such as `in` allowed), or None."""
    current, field = model, None
    parts = path.split("__")
    for index, part in enumerate(parts):
        if current is None:
            last = index == len(parts) - 1
            return field if last and field is not None and field.get_lookup(part) else None
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            last = index == len(parts) - 1
            return field if last and field is not None and field.get_lookup(part) else None
        current = field.related_model if field.is_relation else None
    return field


def _retention_shape(model, store: Store) -> list[Error]:
    errors = []
    if store.trigger_all and store.trigger and _resolve(model, store.trigger):
        try:
            split_to_many(model, store.trigger)
        except LookupError as exc:
            errors.append(Error(f"trigger_all: {exc}", id="privacy.E009"))
    if store.duration_by:
        for name in store.duration_by.ended_at_trigger:
            if _resolve(model, name) is None:
                errors.append(
                    Error(
                        f"register rule names unknown field {_label(model)}.{name}",
                        id="privacy.E004",
                    )
                )
        years = _resolve(model, store.duration_by.years)
        if not isinstance(years, models.IntegerField) or "__" not in store.duration_by.years:
            errors.append(
                Error(
                    f"{_label(model)}.duration_by: {store.duration_by.years} must lead through "
                    "a foreign key to a whole number of years",
                    id="privacy.E009",
                )
            )
    if store.due_with and store.due_with in {f.name for f in model._meta.concrete_fields}:
        parent = model._meta.get_field(store.due_with)
        described = (
            get_register().store_for(_label(parent.related_model)) if parent.is_relation else None
        )
        if described is None or not (described[1].trigger or described[1].due_with):
            errors.append(
                Error(
                    f"{_label(model)}.due_with: {store.due_with} must point to a store with a "
                    "retention rule",
                    id="privacy.E009",
                )
            )
    return errors


def _points_to_user(model, path: str) -> bool:
    user_model = get_user_model()
    if path == "pk":
        return model is user_model
    field = _resolve(model, path)
    return field is not None and field.is_relation and field.related_model is user_model


def _subject(model, store: Store, activity_id: str) -> list[Error]:
    """A store with personal data says how its rows belong to a person (R-F-15…R-F-18)."""
    label = _label(model)
    link = store.subject
    if link is None:
        if set(store.fields.values()) - {"none"}:
            return [
                Error(
                    f"store {label} of activity {activity_id} holds personal data but has no "
                    "subject path",
                    hint="Add `subject: {user: <path to the user>}` or `{email: <field>}`, "
                    "`{adapter: <name>}` for an adapter written in code, or `{unlinked: <why>}`.",
                    obj=model,
                    id="privacy.E006",
                )
            ]
        return []
    errors = []

    def bad(what: str) -> None:
        errors.append(Error(f"store {label}: subject {what}", obj=model, id="privacy.E007"))

    if link.user and not _points_to_user(model, link.user):
        bad(f"user path {link.user!r} does not lead to the user model")
    if link.shared and not _points_to_user(model, link.shared):
        bad(f"shared path {link.shared!r} does not lead to the user model")
    if link.email:
        field = _resolve(model, link.email)
        if field is None or not isinstance(field, models.CharField):
            bad(f"email path {link.email!r} does not lead to a text field")
    for path in link.when:
        if _resolve(model, path) is None:
            bad(f"condition {path!r} names an unknown field")
    if link.adapter and link.adapter not in adapter_names():
        errors.append(
            Error(
                f"store {label}: no adapter registered under the name {link.adapter!r}",
                obj=model,
                id="privacy.E008",
            )
        )
    if store.consent:
        for name in (store.consent.purpose, store.consent.withdrawn):
            if name not in store.fields:
                bad(f"consent field {name!r} is not a labelled field")
    return errors
