"""The back office's queue of privacy requests: list with due dates, and one page per step.

Every step is a POST to its own page under the case, allowed to staff who may change cases;
each fulfilment step and each download of a prepared copy is recorded in the audit log.
"""

import io
import smtplib
import zipfile
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consentserve.audit.audited_admin import AuditedAdmin
from consentserve.audit.chain import actor_of, record, target_of

from ..deadlines import is_working_day
from ..engine import DIRECT_MARKETING, objection_targets
from ..models import Restriction
from . import services
from .models import PrivacyRequest

SOON_DAYS = 7


class VerifyForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How was the identity checked?"),
        choices=[
            (PrivacyRequest.Verification.STAFF, _("by staff (e.g. customer or invoice number)")),
            (PrivacyRequest.Verification.CONSENT_ID, _("consent ID found in the consent records")),
            (PrivacyRequest.Verification.PORTAL_SESSION, _("signed in to the portal")),
        ],
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extension"),
        coerce=int,
        choices=[(1, _("1 month")), (2, _("2 months"))],
    )
    reasons = forms.CharField(
        label=_("Reasons (sent to the requester)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class AnswerForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply (sent to the requester; leave empty if answered otherwise)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class RefuseForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons (sent to the requester with the right to complain)"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmForm(forms.Form):
    pass


class RestrictForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Restriction.Reason.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectForm(forms.Form):
    target = forms.ChoiceField(label=_("Objection to"))
    reason = forms.CharField(
        label=_("Reasons given (default: the request's text)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (t.id, t.name) for t in objection_targets(language=language)
        ]


# step -> (title, form, service call, which cases it applies to)
STEPS = {
    "verify": (_("Verify the identity"), VerifyForm),
    "extend": (_("Extend the deadline"), ExtendForm),
    "answer": (_("Mark answered"), AnswerForm),
    "refuse": (_("Refuse"), RefuseForm),
    "withdraw": (_("Close as withdrawn"), WithdrawForm),
    "export-prepare": (_("Prepare the copy"), ConfirmForm),
    "export-send": (_("Send the reviewed copy"), ConfirmForm),
    "erase": (_("Erase the data"), ConfirmForm),
    "restrict": (_("Restrict the processing"), RestrictForm),
    "object": (_("Record the objection"), ObjectForm),
}


def steps_for(case: PrivacyRequest) -> list[str]:
    """The steps that make sense for a case in its current state."""
    if case.status == PrivacyRequest.Status.AWAITING_VERIFICATION:
        return ["verify", "extend", "refuse", "withdraw"]
    if case.is_closed:
        return []
    steps = [] if case.extended else ["extend"]
    if case.kind in services.EXPORT_KINDS:
        steps += ["export-prepare"] + (["export-send"] if case.export_zip else [])
    elif case.kind == PrivacyRequest.Kind.ERASURE:
        steps.append("erase")
    elif case.kind == PrivacyRequest.Kind.RESTRICTION and case.account_id:
        steps.append("restrict")
    elif case.kind == PrivacyRequest.Kind.OBJECTION and case.account_id:
        steps.append("object")
    return [*steps, "answer", "refuse", "withdraw"]


def _run(step: str, case: PrivacyRequest, user, data: dict) -> None:
    if step == "verify":
        services.request_verify_by_staff(case=case, user=user, **data)
    elif step == "extend":
        services.request_extend(case=case, user=user, **data)
    elif step == "answer":
        services.request_answer(case=case, user=user, **data)
    elif step == "refuse":
        services.request_refuse(case=case, user=user, **data)
    elif step == "withdraw":
        services.request_withdraw(case=case, user=user, **data)
    elif step == "export-prepare":
        services.request_export_prepare(case=case, user=user)
    elif step == "export-send":
        services.request_export_send(case=case, user=user)
    elif step == "erase":
        services.request_erase(case=case, user=user)
    elif step == "restrict":
        services.request_restrict(case=case, user=user, **data)
    elif step == "object":
        services.request_object(case=case, user=user, **data)


class DueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("soon", _("within 7 days")), ("open", _("not closed"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        pending = queryset.exclude(status__in=PrivacyRequest.CLOSED)
        if self.value() == "overdue":
            return pending.filter(due_on__lt=today)
        if self.value() == "soon":
            return pending.filter(due_on__lte=today + timedelta(days=SOON_DAYS))
        if self.value() == "open":
            return pending
        return queryset


class PrivacyRequestAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "status",
        "due",
        "days_left",
        "extended",
        "received_at",
        "channel",
        "language",
    ]
    list_filter = [DueFilter, "status", "kind", "channel", "language"]
    search_fields = ["number", "email", "name", "consent_id"]
    date_hierarchy = "received_at"
    ordering = ["due_on"]
    raw_id_fields = ["account"]
    fields = [
        "number",
        "steps",
        "kind",
        "status",
        "due_on",
        "received_at",
        "channel",
        "language",
        "email",
        "name",
        "consent_id",
        "account",
        "text",
        "verification",
        "verified_at",
        "verification_note",
        "paused_days",
        "extension_months",
        "extension_reasons",
        "extension_announced_at",
        "reply",
        "export_prepared_at",
        "export_sent_at",
        "closed_at",
        "staff_notes",
    ]
    # Staff classify a case, match its account, note paused days and write notes; everything
    # else changes only through the steps, which keep the deadline rules and the audit log.
    editable = {"kind", "account", "paused_days", "staff_notes"}

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f for f in self.fields if f not in self.editable]

    def has_add_permission(self, request):
        return False  # cases arrive through the form or by mail

    def audit_subject(self, obj) -> str:
        return f"user:{obj.account_id}" if obj.account_id else ""

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, obj):
        left = obj.days_left()
        if obj.is_closed or left > SOON_DAYS:
            return obj.due_on
        label = _("overdue") if left < 0 else _("due soon")
        return format_html("<strong>{} ({})</strong>", obj.due_on, label)

    @admin.display(description=_("days left"))
    def days_left(self, obj):
        return "" if obj.is_closed else obj.days_left()

    @admin.display(description=_("extended"), boolean=True)
    def extended(self, obj):
        return obj.extended

    @admin.display(description=_("next steps"))
    def steps(self, obj):
        links = [
            (reverse("admin:privacy_privacyrequest_step", args=[obj.pk, step]), STEPS[step][0])
            for step in steps_for(obj)
        ]
        if obj.export_zip:
            links.append(
                (
                    reverse("admin:privacy_privacyrequest_export", args=[obj.pk]),
                    _("Review the copy"),
                )
            )
        if not links:
            return _("none: the case is closed")
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="privacy_privacyrequest_step",
            ),
            path(
                "<int:object_id>/export.zip",
                self.admin_site.admin_view(self.export_view),
                name="privacy_privacyrequest_export",
            ),
            *super().get_urls(),
        ]

    def _case(self, request, object_id) -> PrivacyRequest:
        case = self.get_object(request, str(object_id))
        if case is None:
            raise Http404
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        return case

    def step_view(self, request, object_id, step):
        case = self._case(request, object_id)
        if step not in STEPS:
            raise Http404
        title, form_class = STEPS[step]
        kwargs = {"language": case.language} if form_class is ObjectForm else {}
        data = request.POST if request.method == "POST" else None
        form = form_class(data, **kwargs)
        change_url = reverse("admin:privacy_privacyrequest_change", args=[case.pk])
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                _run(step, case, request.user, form.cleaned_data)
            except services.RequestStepError as error:
                form.add_error(None, str(error))
            except (smtplib.SMTPException, OSError):
                form.add_error(None, _("The mail could not be sent; nothing was changed."))
            else:
                messages.success(request, _("%(step)s: done.") % {"step": title})
                return redirect(change_url)
            status = 409
        elif request.method == "POST":
            status = 400
        else:
            # The page shows the case's details: a staff read like the change page.
            record(
                "admin.view",
                actor=actor_of(request.user),
                target=target_of(case),
                subject=self.audit_subject(case),
                detail={"step": step},
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{case.number}: {title}",
            "case": case,
            "form": form,
            "step": step,
            "change_url": change_url,
            "opts": self.model._meta,
            "first_deadline": case.first_deadline,
            "first_deadline_is_working_day": is_working_day(case.first_deadline),
            "direct_marketing": DIRECT_MARKETING,
        }
        return TemplateResponse(request, "privacy/requests/admin_step.html", context, status=status)

    def export_view(self, request, object_id):
        """The prepared copy, for review before it is sent; each download is recorded."""
        case = self._case(request, object_id)
        if not case.export_zip:
            raise Http404
        archive = bytes(case.export_zip)
        record(
            "privacy_request.export_reviewed",
            actor=actor_of(request.user),
            target=target_of(case),
            subject=self.audit_subject(case),
            detail={"files": sorted(zipfile.ZipFile(io.BytesIO(archive)).namelist())},
        )
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{case.number}.zip"'
        return response
