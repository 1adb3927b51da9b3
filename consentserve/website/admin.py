from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consentserve.audit.audited_admin import AuditedAdmin

from .models import QuoteRequest
from .services import quote_request_update, quote_requests_reopen, quote_requests_resolve


@admin.register(QuoteRequest)
class QuoteRequestAdmin(AuditedAdmin, admin.ModelAdmin):
    """The back office's queue of "Angebot anfordern" cases (policy B.2)."""

    list_display = [
        "case_number",
        "company",
        "contact_name",
        "status",
        "language",
        "created_at",
        "resolved_at",
        "restricted",
    ]
    list_filter = ["status", "language", "restricted"]
    search_fields = ["company", "contact_name", "email", "message"]
    date_hierarchy = "created_at"
    fields = [
        "contact_name",
        "email",
        "company",
        "message",
        "language",
        "status",
        "created_at",
        "resolved_at",
        "restricted",
        "staff_notes",
    ]
    # The retention engine and the rights requests own these; the status drives resolved_at.
    readonly_fields = ["created_at", "resolved_at", "restricted"]
    actions = ["mark_resolved", "reopen"]

    @admin.display(description=_("case"), ordering="pk")
    def case_number(self, obj):
        return obj.case_number

    def get_readonly_fields(self, request, obj=None):
        # A restricted case is only stored (Art. 18, R-F-18): nobody edits it.
        if obj is not None and obj.restricted:
            return self.fields
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        quote_request_update(quote_request=obj)

    @admin.action(description=_("Mark selected cases resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        count = quote_requests_resolve(queryset=queryset)
        message = ngettext(
            "%(count)d case marked resolved.", "%(count)d cases marked resolved.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reopen selected cases"), permissions=["change"])
    def reopen(self, request, queryset):
        count = quote_requests_reopen(queryset=queryset)
        message = ngettext("%(count)d case reopened.", "%(count)d cases reopened.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
