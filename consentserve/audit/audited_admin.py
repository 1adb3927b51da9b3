"""Back-office reads and changes of personal data leave audit entries (R-G-3): a mixin for the
ModelAdmin of every model the register describes as holding personal data."""

from django.contrib.admin import helpers

from .chain import actor_of, record


class AuditedAdmin:
    """Records list views (which model, which page of filters: no row contents), single-record
    views, and saves and deletions. `audit_subject` names the data subject of a record, where
    the model knows one."""

    def audit_subject(self, obj) -> str:
        return ""

    def _label(self) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{meta.model_name}"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # Filter names only: their values (a search term) could be personal data.
            record(
                "admin.list",
                actor=actor_of(request.user),
                target=self._label(),
                detail={"filters": sorted(request.GET.keys())},
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            record(
                "admin.view",
                actor=actor_of(request.user),
                target=f"{self._label()}:{obj.pk}",
                subject=self.audit_subject(obj),
            )
        return response

    def history_view(self, request, object_id, extra_context=None):
        # The history names the record (object_repr) and who changed it.
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            record(
                "admin.history",
                actor=actor_of(request.user),
                target=f"{self._label()}:{object_id}",
            )
        return response

    # Saves are recorded where the admin logs them, so a ModelAdmin that saves through its own
    # service (overriding save_model) is audited all the same. The change message names the
    # changed fields, never their values.
    def log_addition(self, request, obj, message):
        record(
            "admin.add",
            actor=actor_of(request.user),
            target=f"{self._label()}:{obj.pk}",
            subject=self.audit_subject(obj),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        record(
            "admin.change",
            actor=actor_of(request.user),
            target=f"{self._label()}:{obj.pk}",
            subject=self.audit_subject(obj),
            detail={"fields": _changed_fields(message)},
        )
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj):
        target, subject = f"{self._label()}:{obj.pk}", self.audit_subject(obj)
        super().delete_model(request, obj)
        record("admin.delete", actor=actor_of(request.user), target=target, subject=subject)

    def delete_queryset(self, request, queryset):
        pks = sorted(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        record(
            "admin.delete",
            actor=actor_of(request.user),
            target=self._label(),
            detail={"ids": [str(pk) for pk in pks]},
        )

    def response_action(self, request, queryset):
        action = request.POST.get("action", "")
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        response = super().response_action(request, queryset)
        if selected:
            record(
                "admin.action",
                actor=actor_of(request.user),
                target=self._label(),
                detail={"action": action, "ids": sorted(selected)},
            )
        return response


def _changed_fields(message) -> list[str]:
    """The field labels of an admin change message ([{"changed": {"fields": [...]}}])."""
    fields = []
    for part in message if isinstance(message, list) else []:
        fields += part.get("changed", {}).get("fields", [])
    return sorted(fields)
