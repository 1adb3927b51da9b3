"""The customer portal. Every view goes through portal.scoping (R-B3-2): `organisation_view` for
pages under /portal/o/<org_id>/, `signed_in_view` for the entry page and invitation links."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from consentserve.accounts import teams
from consentserve.accounts.company import organisation_details_update
from consentserve.accounts.errors import AccountError, ErrorCode
from consentserve.accounts.invitations import invitation_by_token
from consentserve.accounts.models import Invitation, Membership
from consentserve.accounts.roles import (
    Action,
    assignable_roles,
    may,
    may_manage_member,
    memberships_of,
)
from consentserve.billing import selectors as billing_selectors
from consentserve.billing.documents import invoice_filename
from consentserve.billing.documents import invoice_pdf as invoice_pdf_bytes
from consentserve.billing.errors import BillingError
from consentserve.billing.forms import SepaMandateForm
from consentserve.billing.selectors import mandate_for_display
from consentserve.billing.services import sepa_mandate_replace
from consentserve.billing.subscriptions import PLAN_ROLES, plan_change

from . import selectors
from .forms import CompanyDetailsForm, InvitationForm, OwnershipTransferForm, RoleForm
from .scoping import object_for, organisation_view, page_context, signed_in_view

# Pages that belong to a section of the navigation without being its entry.
_SECTIONS = {
    "member-remove": "team",
    "ownership-transfer": "team",
    "organisation-leave": "team",
    "payment-details-replace": "payment-details",
    "invoice-pdf": "invoices",
    "company-details": "organisation",
}


def _page(request, membership, template, context=None, *, status=200):
    name = request.resolver_match.url_name
    base = page_context(request, membership) | {"section": _SECTIONS.get(name, name)}
    return render(request, template, base | (context or {}), status=status)


def _refused(request, error: AccountError, membership):
    """A refused action explained on a page of its own, with the status that fits the reason."""
    context = {"message": error.code.message}
    return _page(request, membership, "portal/refused.html", context, status=error.code.status)


def _invitation_refused(request, error: AccountError):
    context = {"code": error.code, "message": error.code.message}
    return render(request, "portal/invitation_refused.html", context, status=error.code.status)


def _field_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@signed_in_view()
def dashboard(request):
    """The entry page after sign-in: the first organisation, or a page that says there is none."""
    first = memberships_of(request.user).first()
    if first is None:
        return render(request, "portal/no_organisation.html")
    return redirect("portal:organisation", org_id=first.organisation_id)


@organisation_view(Action.VIEW)
def organisation(request, membership):
    overview = selectors.organisation_overview(organisation=membership.organisation)
    return _page(request, membership, "portal/organisation.html", {"overview": overview})


@organisation_view(Action.EDIT_COMPANY_DETAILS, methods=("GET", "HEAD", "POST"))
def company_details(request, membership):
    """Correcting the company's name, address and VAT ID (Art. 16 GDPR), for the owner."""
    organisation = membership.organisation
    form = CompanyDetailsForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            changed = organisation_details_update(
                organisation=organisation,
                by=request.user,
                **{name: form.cleaned_data[name] for name in form.fields},
            )
        except ValidationError as error:
            _field_errors(form, error)
        except AccountError as error:
            return _refused(request, error, membership)
        else:
            if changed:
                messages.success(
                    request,
                    _(
                        "The company details have been corrected. Invoices already issued keep "
                        "the details they were issued with; the next invoice shows the new ones."
                    ),
                )
            return redirect("portal:organisation", org_id=organisation.pk)
    status = 422 if form.errors else 200
    return _page(request, membership, "portal/company_details.html", {"form": form}, status=status)


@organisation_view(Action.VIEW)
def team(request, membership):
    return _team_page(request, membership)


def _team_page(request, membership, *, invitation_form=None, role_form=None, status=200):
    """The team page; `role_form` is a rejected role change, shown in its member's row."""
    organisation = membership.organisation
    members = selectors.member_list(organisation=organisation)
    failed = role_form.member_pk if role_form is not None else None
    rows = [
        _row(membership, member, form=role_form if member.pk == failed else None)
        for member in members
    ]
    context = {
        "rows": rows,
        "invitations": (
            selectors.invitation_list_open(organisation=organisation)
            if may(membership, Action.MANAGE_TEAM)
            else []
        ),
        "invitation_form": invitation_form or InvitationForm(actor=membership),
        "now": timezone.now(),
    }
    return _page(request, membership, "portal/team.html", context, status=status)


def _row(actor, member, *, form=None, status=""):
    """One line of the team table; `status` is what the live region announces after a change."""
    manageable = may_manage_member(actor, member)
    return {
        "member": member,
        "label": selectors.person_label(member.user),
        "is_you": member.pk == actor.pk,
        "manageable": manageable,
        "roles": assignable_roles(actor) if manageable else [],
        "form": form,
        "status": status,
    }


@organisation_view(Action.MANAGE_TEAM, methods=("POST",))
def invitation_create(request, membership):
    form = InvitationForm(request.POST, actor=membership)
    if form.is_valid():
        try:
            teams.invitation_create(
                organisation=membership.organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                language=get_language(),
            )
        except ValidationError as error:
            _field_errors(form, error)
        else:
            days = teams.INVITATION_VALIDITY.days
            sent = ngettext(
                "The invitation to %(email)s has been sent; the link is valid for %(days)s day.",
                "The invitation to %(email)s has been sent; the link is valid for %(days)s days.",
                days,
            )
            messages.success(request, sent % {"email": form.cleaned_data["email"], "days": days})
            return redirect("portal:team", org_id=membership.organisation_id)
    return _team_page(request, membership, invitation_form=form, status=422)


@organisation_view(Action.MANAGE_TEAM, methods=("POST",))
def invitation_revoke(request, membership, invitation_id):
    invitation = object_for(
        Invitation.objects.select_related("organisation"),
        organisation=membership.organisation,
        pk=invitation_id,
    )
    try:
        teams.invitation_revoke(invitation=invitation, revoked_by=request.user)
    except AccountError as error:
        return _refused(request, error, membership)
    messages.success(
        request, _("The invitation to %(email)s has been revoked.") % {"email": invitation.email}
    )
    return redirect("portal:team", org_id=membership.organisation_id)


@organisation_view(Action.MANAGE_TEAM, methods=("POST",))
def member_role(request, membership, member_id):
    """Change a member's role; from the team table through htmx, which gets the new table row
    (and the announcement for screen readers), or as a plain form."""
    member = object_for(
        Membership.objects.select_related("user", "organisation"),
        organisation=membership.organisation,
        pk=member_id,
    )
    form = RoleForm(request.POST, actor=membership, member=member)
    if not form.is_valid():
        if request.htmx:
            row = _row(membership, member, form=form)
            return render(request, "portal/_member_row.html", {"row": row}, status=422)
        return _team_page(request, membership, role_form=form, status=422)
    try:
        teams.membership_role_change(
            membership=member, role=form.cleaned_data["role"], changed_by=request.user
        )
    except AccountError as error:
        return _refused(request, error, membership)
    done = _("%(person)s is now %(role)s.") % {
        "person": selectors.person_label(member.user),
        "role": capfirst(member.get_role_display()),
    }
    if request.htmx:
        row = _row(membership, member, status=done)
        return render(request, "portal/_member_row.html", {"row": row})
    messages.success(request, done)
    return redirect("portal:team", org_id=membership.organisation_id)


@organisation_view(Action.MANAGE_TEAM, methods=("GET", "HEAD", "POST"))
def member_remove(request, membership, member_id):
    member = object_for(
        Membership.objects.select_related("user", "organisation"),
        organisation=membership.organisation,
        pk=member_id,
    )
    if not may_manage_member(membership, member):
        return _refused(request, AccountError(ErrorCode.NOT_ALLOWED), membership)
    label = selectors.person_label(member.user)
    if request.method == "POST":
        teams.membership_remove(membership=member, removed_by=request.user)
        messages.success(
            request,
            _("%(person)s is no longer a member of %(organisation)s.")
            % {"person": label, "organisation": membership.organisation.name},
        )
        return redirect("portal:team", org_id=membership.organisation_id)
    context = {"member": member, "label": label}
    return _page(request, membership, "portal/member_remove.html", context)


@organisation_view(Action.TRANSFER_OWNERSHIP, methods=("GET", "HEAD", "POST"))
def ownership_transfer(request, membership):
    members = selectors.member_list(organisation=membership.organisation)
    form = OwnershipTransferForm(request.POST or None, owner=membership, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            new_owner = teams.organisation_ownership_transfer(
                organisation=membership.organisation,
                new_owner=form.cleaned_data["new_owner"],
                by=request.user,
            )
        except ValidationError as error:
            _field_errors(form, error)
        except AccountError as error:
            return _refused(request, error, membership)
        else:
            messages.success(
                request,
                _("%(person)s is now the owner of %(organisation)s; you are an admin.")
                % {
                    "person": selectors.person_label(new_owner.user),
                    "organisation": membership.organisation.name,
                },
            )
            return redirect("portal:team", org_id=membership.organisation_id)
    status = 422 if form.errors else 200
    return _page(
        request, membership, "portal/ownership_transfer.html", {"form": form}, status=status
    )


@organisation_view(Action.VIEW, methods=("GET", "HEAD", "POST"))
def organisation_leave(request, membership):
    if request.method == "POST":
        try:
            teams.membership_leave(membership=membership)
        except AccountError as error:
            return _refused(request, error, membership)
        messages.success(
            request,
            _("You have left %(organisation)s.") % {"organisation": membership.organisation.name},
        )
        return redirect("portal:dashboard")
    return _page(request, membership, "portal/organisation_leave.html")


@organisation_view(Action.VIEW)
def account(request, membership):
    return _page(request, membership, "portal/account.html")


@organisation_view(Action.VIEW_PAYMENT_DETAILS)
def payment_details(request, membership):
    mandate = mandate_for_display(membership.organisation)
    return _page(request, membership, "portal/payment_details.html", {"mandate": mandate})


@organisation_view(Action.MANAGE_PAYMENT_DETAILS, methods=("GET", "HEAD", "POST"))
def payment_details_replace(request, membership):
    """A new SEPA mandate in place of the current one: new bank details, new reference."""
    organisation = membership.organisation
    current = mandate_for_display(organisation)
    if organisation.restricted or (current is not None and current.restricted):
        return _refused(request, AccountError(ErrorCode.PAYMENT_DETAILS_RESTRICTED), membership)
    form = SepaMandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = sepa_mandate_replace(
                organisation=organisation,
                account_holder=form.cleaned_data["account_holder"],
                iban=form.cleaned_data["iban"],
                bic=form.cleaned_data["bic"],
                actor=request.user,
            )
        except ValidationError as error:
            _field_errors(form, error)
        else:
            messages.success(
                request,
                _("Your new SEPA direct-debit mandate %(reference)s has been saved.")
                % {"reference": mandate.reference},
            )
            return redirect("portal:payment-details", org_id=organisation.pk)
    status = 422 if form.errors else 200
    context = {"form": form, "mandate": current}
    return _page(request, membership, "portal/payment_details_replace.html", context, status=status)


@organisation_view(Action.VIEW)
def invoices(request, membership):
    rows = billing_selectors.invoices_of(membership.organisation)
    return _page(request, membership, "portal/invoices.html", {"invoices": rows})


@organisation_view(Action.VIEW)
def invoice_pdf(request, membership, invoice_id):
    """The invoice as issued: the PDF with its Factur-X XML, as it was mailed."""
    invoice = object_for(
        billing_selectors.invoices_of(membership.organisation),
        organisation=membership.organisation,
        pk=invoice_id,
    )
    if invoice.restricted:
        raise Http404  # Art. 18: only stored
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_filename(invoice)}"'
    return response


@organisation_view(Action.VIEW, methods=("GET", "HEAD", "POST"))
def plan(request, membership):
    """The plan and this month's usage; owners and admins change the plan from next month."""
    organisation = membership.organisation
    may_change = membership.role in PLAN_ROLES
    status = 200
    if request.method == "POST":
        try:
            plan_change(
                organisation=organisation, plan_slug=request.POST.get("plan"), actor=request.user
            )
        except BillingError as error:
            messages.error(request, error.code.message)
            status = error.code.status
        else:
            messages.success(request, _("Your plan change has been saved."))
            return redirect("portal:plan", org_id=organisation.pk)
    context = {
        "overview": billing_selectors.plan_overview(organisation),
        "may_change_plan": may_change,
    }
    return _page(request, membership, "portal/plan.html", context, status=status)


@signed_in_view(methods=("GET", "HEAD", "POST"))
def invitation_accept(request, token):
    """The link from the invitation mail. Signing in comes first (and returns here); the page
    says what the invitation is for, and joining takes one more click."""
    if request.method == "POST":
        try:
            membership = teams.invitation_accept(token=token, user=request.user)
        except AccountError as error:
            response = _invitation_refused(request, error)
        else:
            messages.success(
                request,
                _("Welcome to %(organisation)s.") % {"organisation": membership.organisation.name},
            )
            response = redirect("portal:organisation", org_id=membership.organisation_id)
    else:
        try:
            invitation = teams.invitation_check(
                invitation=invitation_by_token(token=token), user=request.user
            )
        except AccountError as error:
            response = _invitation_refused(request, error)
        else:
            context = {"invitation": invitation, "role": capfirst(invitation.get_role_display())}
            response = render(request, "portal/invitation_accept.html", context)
    # The link is a secret: pages opened from here learn only the site, not the path.
    response["Referrer-Policy"] = "strict-origin"
    return response
