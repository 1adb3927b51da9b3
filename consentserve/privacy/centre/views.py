"""The privacy centre: the signed-in user's own rights (Art. 15–18, 20, 21, 7(3)).

Views parse the request, call one engine service and render. Every change is a POST with a CSRF
token; a refused request answers with a 4xx status and a message, and changes nothing.
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..engine import (
    ErasureReport,
    ErrorCode,
    PrivacyRequestError,
    Subject,
    access_report,
    account_erase,
    consent_withdraw,
    name_rectify,
    objection_lodge,
    objection_targets,
    report_json,
    report_zip,
    restriction_lift,
    restriction_request,
    store_name,
)
from ..models import LegalHold
from .forms import AccountDeleteForm, ConsentWithdrawForm, NameForm, ObjectionForm, RestrictionForm
from .selectors import centre_overview, controller_contact, shared_store_names

_ERASURE_SESSION_KEY = "privacy_erasure"
_ARTICLES = {
    "17(3)(b)": gettext_lazy("Art. 17(3)(b) GDPR (legal obligation)"),
    "17(3)(e)": gettext_lazy("Art. 17(3)(e) GDPR (legal claims)"),
}

# HTTP status of each refusal: the request was wrong (400), asks for something unknown (404),
# or conflicts with the current state (409); a notice that could not be sent is our fault (503).
_STATUS = {
    ErrorCode.NOT_CONFIRMED: 400,
    ErrorCode.SHARED_DATA: 409,
    ErrorCode.ALREADY_RESTRICTED: 409,
    ErrorCode.NOT_RESTRICTED: 409,
    ErrorCode.NOTICE_FAILED: 503,
    ErrorCode.UNKNOWN_ACTIVITY: 400,
    ErrorCode.NO_OBJECTION_RIGHT: 400,
    ErrorCode.REASON_REQUIRED: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NAME_INVALID: 400,
}


def _message(error: PrivacyRequestError) -> str:
    code = error.code
    if code is ErrorCode.SHARED_DATA:
        return _(
            "Other members still share some of your data (%(stores)s). Transfer the ownership "
            "of your organisation to another member, or remove the other members, before you "
            "delete your account. Nothing has been deleted."
        ) % {"stores": ", ".join(store_name(s) for s in error.stores)}
    return {
        ErrorCode.NOT_CONFIRMED: _("The password is not correct. Nothing has been deleted."),
        ErrorCode.ALREADY_RESTRICTED: _("The processing of your data is already restricted."),
        ErrorCode.NOT_RESTRICTED: _("The processing of your data is not restricted."),
        ErrorCode.NOTICE_FAILED: _(
            "We could not send you the notice that the restriction ends, so it stays in place. "
            "Please try again later."
        ),
        ErrorCode.UNKNOWN_ACTIVITY: _("We do not know this processing activity."),
        ErrorCode.NO_OBJECTION_RIGHT: _("This processing cannot be objected to."),
        ErrorCode.REASON_REQUIRED: _("Please tell us your grounds for this objection."),
        ErrorCode.NOT_FOUND: _("We could not find this consent among yours."),
        ErrorCode.NAME_INVALID: _("Please check your name."),
    }[code]


def _overview(request, *, status: int = 200, error: str = "", **forms) -> HttpResponse:
    if status == 400 and not error:
        error = _("Please check your entries in the form below.")
    language = get_language()
    overview = centre_overview(user=request.user, language=language)
    user = request.user
    context = {
        "overview": overview,
        "error": error,
        "name_form": forms.get("name_form")
        or NameForm(initial={"first_name": user.first_name, "last_name": user.last_name}),
        "restriction_form": forms.get("restriction_form") or RestrictionForm(),
        "objection_form": forms.get("objection_form")
        or ObjectionForm(targets=overview.objection_targets),
    }
    return render(request, "privacy/centre/overview.html", context, status=status)


def _refused(request, error: PrivacyRequestError, **forms) -> HttpResponse:
    return _overview(request, status=_STATUS[error.code], error=_message(error), **forms)


def _done(request, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("privacy-centre:overview")


@never_cache
@login_required
@require_GET
def overview(request):
    return _overview(request)


def _download(content: bytes, *, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    filename = f"consentserve-my-data-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_GET
def export_json(request):
    report = access_report(Subject.for_user(request.user), language=get_language())
    return _download(
        report_json(report), content_type="application/json; charset=utf-8", extension="json"
    )


@never_cache
@login_required
@require_GET
def export_zip(request):
    report = access_report(Subject.for_user(request.user), language=get_language())
    return _download(report_zip(report), content_type="application/zip", extension="zip")


@never_cache
@login_required
@require_POST
def name_update(request):
    form = NameForm(request.POST)
    if not form.is_valid():
        return _overview(request, status=400, name_form=form)
    try:
        name_rectify(user=request.user, **form.cleaned_data)
    except PrivacyRequestError as error:
        return _refused(request, error, name_form=form)
    return _done(request, _("Your name has been corrected."))


@never_cache
@login_required
@require_POST
def restriction_create(request):
    form = RestrictionForm(request.POST)
    if not form.is_valid():
        return _overview(request, status=400, restriction_form=form)
    try:
        restriction_request(user=request.user, **form.cleaned_data)
    except PrivacyRequestError as error:
        return _refused(request, error, restriction_form=form)
    return _done(
        request,
        _(
            "From now on we only store your data and no longer use them until you lift the "
            "restriction."
        ),
    )


@never_cache
@login_required
@require_POST
def restriction_remove(request):
    try:
        restriction_lift(user=request.user)
    except PrivacyRequestError as error:
        return _refused(request, error)
    return _done(
        request,
        _("We have sent you a notice and lifted the restriction. We process your data again."),
    )


@never_cache
@login_required
@require_POST
def objection_create(request):
    form = ObjectionForm(request.POST, targets=objection_targets(language=get_language()))
    if not form.is_valid():
        return _overview(request, status=400, objection_form=form)
    try:
        objection = objection_lodge(
            user=request.user,
            target=form.cleaned_data["target"],
            reason=form.cleaned_data["reason"],
        )
    except PrivacyRequestError as error:
        return _refused(request, error, objection_form=form)
    if objection.decision == objection.Decision.GRANTED:
        return _done(
            request, _("Your objection has been granted. We no longer send you advertising.")
        )
    return _done(
        request,
        _("We have received your objection and will tell you our decision within one month."),
    )


@never_cache
@login_required
@require_POST
def consent_remove(request):
    form = ConsentWithdrawForm(request.POST)
    if not form.is_valid():
        return _overview(
            request, status=400, error=_("We could not find this consent among yours.")
        )
    try:
        consent_withdraw(
            Subject.for_user(request.user),
            store=form.cleaned_data["store"],
            pk=form.cleaned_data["consent"],
        )
    except PrivacyRequestError as error:
        return _refused(request, error)
    return _done(request, _("Your consent has been withdrawn."))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request):
    form = AccountDeleteForm(request.POST or None)
    status, error = 200, ""
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                report = account_erase(user=request.user, password=form.cleaned_data["password"])
            except PrivacyRequestError as refusal:
                status = _STATUS[refusal.code]
                if refusal.code is ErrorCode.NOT_CONFIRMED:
                    form.add_error("password", _message(refusal))
                else:
                    error = _message(refusal)
            else:
                logout(request)
                request.session[_ERASURE_SESSION_KEY] = _summary(report)
                return redirect("privacy-centre:deleted")
    context = {"form": form, "error": error, "shared": shared_store_names(user=request.user)}
    return render(request, "privacy/centre/delete.html", context, status=status)


def _summary(report: ErasureReport) -> dict:
    """What the answer page needs, as JSON for the session: names, counts, kinds and dates."""
    return {
        "deleted": report.deleted,
        "kept": [
            {
                "store": store,
                "count": kept.count,
                "kind": kept.kind,
                "article": kept.article,
                "legal_basis": kept.legal_basis,
                "until": kept.until.isoformat() if kept.until else None,
                "direct": kept.direct,
            }
            for store, kept in report.kept
        ],
    }


@never_cache
@require_GET
def account_deleted(request):
    """The answer to an erasure: what was deleted, and what was kept, why and until when."""
    summary = request.session.pop(_ERASURE_SESSION_KEY, None)
    if summary is None:
        return redirect("website:home")
    kinds = dict(LegalHold.Kind.choices)
    kept = [
        {
            **entry,
            "store_name": store_name(entry["store"]),
            "kind_name": kinds.get(entry["kind"], entry["kind"]),
            "article_name": _ARTICLES.get(entry["article"], entry["article"]),
            "until": datetime.fromisoformat(entry["until"]) if entry["until"] else None,
        }
        for entry in summary["kept"]
    ]
    context = {"deleted": summary["deleted"], "kept": kept, "controller": controller_contact()}
    return render(request, "privacy/centre/deleted.html", context)
