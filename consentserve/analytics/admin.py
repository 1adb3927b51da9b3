"""The admin index lists "Website analytics"; its one entry opens the dashboard
(backoffice.py) rather than a list of roll-up rows."""

from django.contrib import admin
from django.shortcuts import redirect

from .models import AnalyticsDaily


@admin.register(AnalyticsDaily)
class AnalyticsDailyAdmin(admin.ModelAdmin):
    def changelist_view(self, request, extra_context=None):
        return redirect("backoffice-analytics")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
