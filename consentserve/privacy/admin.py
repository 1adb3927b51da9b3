from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consentserve.audit.audited_admin import AuditedAdmin
from consentserve.core.read_only_admin import ReadOnlyAdmin

from .legal_holds import hold_refusal, hold_release, statutory_expiry
from .models import (
    AccessLogEntry,
    Disclosure,
    LegalHold,
    PolicyVersion,
    PrivacyRequest,
    RetentionRun,
)
from .register import get_register
from .requests.admin import PrivacyRequestAdmin


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


class LegalHoldForm(forms.ModelForm):
    """A statutory hold takes its end from the register's period and the document's date
    (counted from the end of that year); the other kinds give their end, if known, by hand."""

    statutory_period = forms.ChoiceField(label=_("statutory period"), required=False)
    document_date = forms.DateField(
        label=_("date of the document"),
        required=False,
        help_text=_("The day the document was created, sent or received."),
    )

    class Meta:
        model = LegalHold
        fields = ["kind", "content_type", "object_id", "reason", "legal_basis", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        periods = get_register().statutory_periods
        self.fields["statutory_period"].choices = [("", "—")] + [
            (p.id, f"{p.records.de} ({p.law.de})") for p in periods
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == LegalHold.Kind.STATUTORY:
            period, day = data.get("statutory_period"), data.get("document_date")
            if not period or not day:
                raise forms.ValidationError(
                    _("A statutory hold needs its period and the date of the document.")
                )
            data["expires_at"] = statutory_expiry(day, period)
            data["legal_basis"] = data.get("legal_basis") or (
                get_register().statutory_period(period).law.de
            )
        content_type, kind = data.get("content_type"), data.get("kind")
        model = content_type.model_class() if content_type else None
        if model is not None and kind:
            refusal = hold_refusal(model, kind=kind, expires_at=data.get("expires_at"))
            if refusal == "undisclosed":
                raise forms.ValidationError(
                    _(
                        "The privacy policy does not disclose this kind of hold for these data, "
                        "so it cannot be placed."
                    )
                )
            if refusal == "no-end":
                raise forms.ValidationError(
                    _("An authority order needs its end: please give the date it expires.")
                )
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(AuditedAdmin, admin.ModelAdmin):
    form = LegalHoldForm
    list_display = ["kind", "content_type", "object_id", "created_at", "expires_at", "released_at"]
    list_filter = ["kind"]
    readonly_fields = ["created_at", "created_by", "released_at"]
    actions = ["release"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.expires_at = form.cleaned_data.get("expires_at")
        obj.legal_basis = form.cleaned_data.get("legal_basis", obj.legal_basis)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Release selected holds"), permissions=["change"])
    def release(self, request, queryset):
        holds = list(queryset.filter(released_at__isnull=True))
        for hold in holds:
            hold_release(hold, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d hold released; the next retention run deletes what it kept.",
                "%(count)d holds released; the next retention run deletes what they kept.",
                len(holds),
            )
            % {"count": len(holds)},
            messages.SUCCESS,
        )


admin.site.register(PrivacyRequest, PrivacyRequestAdmin)


class DisclosureForm(forms.ModelForm):
    class Meta:
        model = Disclosure
        fields = [
            "authority",
            "reference",
            "legal_basis",
            "scope",
            "received_at",
            "review",
            "reviewed_by",
            "data_released",
            "disclosed_at",
            "subject",
            "subject_informed_at",
            "not_informed_because",
        ]

    def clean(self):
        data = super().clean()
        # R-D-2: a disclosure documents whether the person was told, or why not.
        if (
            data.get("disclosed_at")
            and not data.get("subject_informed_at")
            and not (data.get("not_informed_because") or "").strip()
        ):
            raise forms.ValidationError(
                _("Say when the person concerned was informed, or why they were not.")
            )
        return data


@admin.register(Disclosure)
class DisclosureAdmin(AuditedAdmin, admin.ModelAdmin):
    """The log of disclosures under legal orders (R-D-2)."""

    form = DisclosureForm
    list_display = ["received_at", "authority", "reference", "disclosed_at", "subject_informed_at"]
    search_fields = ["authority", "reference"]
    date_hierarchy = "received_at"
    raw_id_fields = ["reviewed_by", "subject"]

    def audit_subject(self, obj) -> str:
        return f"user:{obj.subject_id}" if obj.subject_id else ""
