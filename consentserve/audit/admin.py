from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by code and never changed."""

    list_display = ["seq", "at", "actor", "action", "target", "subject"]
    list_filter = ["action"]
    search_fields = ["target", "subject", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
