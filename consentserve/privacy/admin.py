from django.contrib import admin

from consentserve.audit.audited_admin import AuditedAdmin

from .models import AccessLogEntry, LegalHold, PolicyVersion, RetentionRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(AuditedAdmin, ReadOnlyAdmin):
    list_display = ["captured_at", "ip", "browser", "browser_version", "os", "requested_url"]
    list_filter = ["browser", "os"]
    date_hierarchy = "captured_at"


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "activity",
        "store",
        "action",
        "dry_run",
        "due",
        "deleted",
        "anonymised",
        "held",
        "minimised",
        "duration_ms",
    ]
    list_filter = ["activity", "dry_run"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "effective_from", "published_at", "content_sha256"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["kind", "content_type", "object_id", "created_at", "expires_at", "released_at"]
    list_filter = ["kind"]
