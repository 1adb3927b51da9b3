"""Staff roles of the back office, as groups with the model permissions each role needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Privacy officer": [
        ("privacy", "privacyrequest", ("view", "add", "change")),
        ("privacy", "legalhold", ("view", "add", "change")),
        ("privacy", "retentionrun", ("view",)),
        ("audit", "auditentry", ("view",)),
    ],
    "Support": [("website", "quoterequest", ("view", "change"))],
    "Accountant": [],
}


def roles_create(apps, schema_editor):
    # Permissions are normally created after all migrations ran; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=name)
        for app_label, model, actions in grants:
            group.permissions.add(
                *permission_model.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


def roles_remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0002_auditentry_no_update"),
        ("website", "0001_initial"),
        ("privacy", "0004_privacy_requests"),
    ]

    operations = [migrations.RunPython(roles_create, roles_remove)]
