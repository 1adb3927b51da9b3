from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consentserve.audit.audited_admin import AuditedAdmin

from .models import User

# Django names the permissions it creates in English ("Can add invitation") and stores the
# names; the back office shows them from their parts instead, in the reader's language.
PERMISSION_ACTIONS = {
    "add": _("may add"),
    "change": _("may change"),
    "delete": _("may delete"),
    "view": _("may view"),
}


def permission_label(permission) -> str:
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:
        return str(permission)
    action = permission.codename.split("_", 1)[0]
    if action in PERMISSION_ACTIONS and permission.codename == f"{action}_{model._meta.model_name}":
        what = PERMISSION_ACTIONS[action]
    else:
        what = gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {what}"


def translated_labels(field, name: str):
    """Role and permission choices of the user and role forms, named in the reader's language."""
    if field is not None and name == "groups":
        field.label_from_instance = lambda group: gettext(group.name)  # staff roles
    if field is not None and name in ("permissions", "user_permissions"):
        field.label_from_instance = permission_label
    return field


class RoleFilter(admin.RelatedFieldListFilter):
    """Filters users by staff role, the role names in the reader's language."""

    def field_choices(self, field, request, model_admin):
        return [
            (pk, gettext(name)) for pk, name in super().field_choices(field, request, model_admin)
        ]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", ("groups", RoleFilter)]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return translated_labels(field, db_field.name)

    def audit_subject(self, obj) -> str:
        return f"user:{obj.pk}"


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(DjangoGroupAdmin):
    """Staff roles (groups), listed under their translated names (backoffice_site)."""

    list_display = ["role"]
    change_form_template = "accounts/role_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        group = self.get_object(request, object_id)
        if group is not None:
            extra_context = {**(extra_context or {}), "subtitle": gettext(group.name)}
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return translated_labels(field, db_field.name)

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return gettext(group.name)


def titled(filter_class, title):
    """A list filter under a translated title: allauth's fields have untranslated names."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class SecondFactorAdmin(admin.ModelAdmin):
    """allauth's list of second factors, with its columns and filters named in both languages
    (allauth's model fields have no translated names). allauth's admin module is imported
    after this one, so backoffice_site puts this in its place once all are loaded."""

    raw_id_fields = ["user"]
    list_display = ["account", "kind", "created", "last_used"]
    list_filter = [
        ("type", titled(admin.ChoicesFieldListFilter, _("kind"))),
        ("created_at", titled(admin.DateFieldListFilter, _("set up"))),
        ("last_used_at", titled(admin.DateFieldListFilter, _("last used"))),
    ]

    @admin.display(description=_("account"), ordering="user__email")
    def account(self, obj: Authenticator):
        return obj.user

    @admin.display(description=_("kind"), ordering="type")
    def kind(self, obj: Authenticator) -> str:
        return obj.get_type_display()

    @admin.display(description=_("set up"), ordering="created_at")
    def created(self, obj: Authenticator):
        return obj.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj: Authenticator):
        return obj.last_used_at
