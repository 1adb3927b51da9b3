from django.contrib import admin

from consentserve.core.read_only_admin import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: entries are written by code and never changed."""

    list_display = ["seq", "at", "actor", "action", "target", "subject"]
    list_filter = ["action"]
    search_fields = ["target", "subject", "actor"]
    date_hierarchy = "at"
