"""The admin index lists "Website analytics"; its one entry opens the dashboard
(backoffice.py) rather than a list of roll-up rows."""

from django.contrib import admin
from django.shortcuts import redirect

from consentserve.core.read_only_admin import ReadOnlyAdmin

from .models import AnalyticsDaily


@admin.register(AnalyticsDaily)
class AnalyticsDailyAdmin(ReadOnlyAdmin):
    def changelist_view(self, request, extra_context=None):
        return redirect("backoffice-analytics")
