"""A back-office view of rows that only code writes (logs, runs, issued documents): they can be
listed and opened, never added, changed or deleted by hand."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
