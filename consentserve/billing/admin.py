"""The back office of billing: plans, subscriptions, invoices read-only with credit-note and
direct-debit actions, and direct debits to mark received or returned. Invoices, subscriptions
and direct debits hold customers' data, so their admins are audited."""

from datetime import timedelta

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consentserve.audit.audited_admin import AuditedAdmin
from consentserve.core.read_only_admin import ReadOnlyAdmin

from .collections import collection_mark, collection_run_create, earliest_collection_date
from .errors import BillingError
from .invoicing import credit_note_issue
from .models import (
    Collection,
    CollectionRun,
    Invoice,
    InvoiceLine,
    Plan,
    PlanChange,
    Subscription,
)

# Days from today to the collection date of a run made in the back office: the bank needs the
# file one business day ahead; two calendar days leave room for a cut-off time.
COLLECTION_LEAD_DAYS = 2


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "monthly_price_cents",
        "included_installations",
        "included_consents",
        "extra_10k_price_cents",
        "active",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # plan changes refer to them; retire a plan by making it unavailable


class PlanChangeInline(admin.TabularInline):
    model = PlanChange
    extra = 0
    fields = ["plan", "effective_from", "requested_at"]
    readonly_fields = ["requested_at"]


@admin.register(Subscription)
class SubscriptionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["organisation", "started_on", "language"]
    search_fields = ["organisation__name"]
    inlines = [PlanChangeInline]
    raw_id_fields = ["organisation"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ["position", "description", "quantity", "unit_price_cents", "net_cents"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(AuditedAdmin, ReadOnlyAdmin):
    """Read-only: corrections are credit notes."""

    list_display = [
        "number",
        "kind",
        "issued_on",
        "buyer_name",
        "gross_cents",
        "mailed_at",
        "restricted",
    ]
    list_filter = ["kind", "restricted", "vat_category"]
    search_fields = ["number", "buyer_name"]
    date_hierarchy = "issued_at"
    exclude = ["pdf"]
    inlines = [InvoiceLineInline]
    actions = ["credit_in_full", "collect"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "pdf"]

    @admin.action(description=_("Issue a credit note for the whole remaining amount"))
    def credit_in_full(self, request, queryset):
        issued = 0
        for invoice in queryset.order_by("pk"):
            try:
                credit_note_issue(
                    invoice,
                    reason=str(_("Cancelled in the back office")),
                    actor=request.user,
                )
            except BillingError as error:
                error.subject = invoice.number
                self.message_user(request, error.message, messages.WARNING)
            else:
                issued += 1
        if issued:
            self.message_user(
                request,
                ngettext("%d credit note issued.", "%d credit notes issued.", issued) % issued,
                messages.SUCCESS,
            )

    @admin.action(description=_("Collect by SEPA direct debit (pain.008 file)"))
    def collect(self, request, queryset):
        collection_date = earliest_collection_date() + timedelta(days=COLLECTION_LEAD_DAYS - 1)
        try:
            run, xml = collection_run_create(
                list(queryset.order_by("pk")), collection_date=collection_date, actor=request.user
            )
        except BillingError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        response = HttpResponse(xml, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{run.message_id}.xml"'
        return response


@admin.register(CollectionRun)
class CollectionRunAdmin(ReadOnlyAdmin):
    list_display = ["message_id", "created_at", "collection_date", "count", "total_cents"]


@admin.register(Collection)
class CollectionAdmin(AuditedAdmin, ReadOnlyAdmin):
    list_display = ["invoice", "run", "sequence", "amount_cents", "status", "return_reason"]
    list_filter = ["status", "sequence"]
    search_fields = ["invoice__number", "mandate_reference"]
    actions = ["mark_received", "mark_returned"]

    def _mark(self, request, queryset, status, reason=""):
        done = 0
        for collection in queryset.order_by("pk"):
            try:
                collection_mark(collection, status=status, reason=reason, actor=request.user)
            except BillingError as error:
                self.message_user(request, error.message, messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%d direct debit updated.", "%d direct debits updated.", done) % done,
                messages.SUCCESS,
            )

    @admin.action(description=_("Mark as received"))
    def mark_received(self, request, queryset):
        self._mark(request, queryset, Collection.Status.RECEIVED)

    @admin.action(description=_("Mark as returned (MS02: refused by the payer)"))
    def mark_returned(self, request, queryset):
        self._mark(request, queryset, Collection.Status.RETURNED, reason="MS02")
