"""System checks that keep the register and the code in step (R-REG-2).

A model that holds personal data must be the store of an activity, with every field labelled;
any other model must be listed under `non_personal` with the reason. Adding a model or a column
without describing it fails `manage.py check`, and so CI.
"""

from django.apps import apps
from django.core.checks import Error, Tags, register

from .register import RegisterError, get_register


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
        for name in [store.trigger, *store.filter, *store.minimise_on_hold, *store.anonymise]:
            if name and name.split("__")[0] not in columns:
                errors.append(
                    Error(
                        f"register rule names unknown field {_label(model)}.{name}",
                        id="privacy.E004",
                    )
                )
    known = {_label(m).lower() for m in apps.get_models()}
    for stale in sorted((set(described) | non_personal) - known):
        errors.append(
            Error(f"register names a model that does not exist: {stale}", id="privacy.E005")
        )
    return errors
