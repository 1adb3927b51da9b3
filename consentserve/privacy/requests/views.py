"""The public privacy-request form and the verification link (R-F-0a, R-F-0c)."""

from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from consentserve.core.ratelimit import rate_limit_hit

from .forms import PrivacyRequestForm
from .models import TEXT_MAX_LENGTH
from .services import LINK_MAX_AGE, LinkError, case_for_link, request_submit, request_verify_by_link

REQUESTS_PER_HOUR = 5
TEMPLATES = "privacy/requests/"


@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request):
    if request.method == "POST":
        try:
            data = request.POST
        except RequestDataTooBig:
            # Django refuses bodies above DATA_UPLOAD_MAX_MEMORY_SIZE before any form sees them.
            context = {"limit": TEXT_MAX_LENGTH}
            return render(request, TEMPLATES + "too_big.html", context, status=413)
        form = PrivacyRequestForm(data)
        if form.is_valid():
            # Each case mails the address given: a limit per client keeps the form from being
            # used to send our mail to strangers in bulk.
            if not rate_limit_hit(
                scope="privacy-request",
                ident=request.META.get("REMOTE_ADDR", ""),
                limit=REQUESTS_PER_HOUR,
                period_seconds=3600,
            ):
                return render(request, TEMPLATES + "429.html", status=429)
            request_submit(**form.cleaned_data, language=get_language())
            return redirect("website:privacy-request-sent")
        return render(request, TEMPLATES + "form.html", {"form": form}, status=400)
    return render(request, TEMPLATES + "form.html", {"form": PrivacyRequestForm()})


@require_safe
def request_sent(request):
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return render(request, TEMPLATES + "sent.html", {"sender": sender, "days": LINK_MAX_AGE.days})


@never_cache
@require_safe
def request_verify(request, token):
    """Opening the link from the verification mail starts the case."""
    try:
        case = case_for_link(token)
    except LinkError as error:
        status = 410 if error.reason == "expired" else 400
        context = {"reason": error.reason, "days": LINK_MAX_AGE.days}
        return render(request, TEMPLATES + "link_invalid.html", context, status=status)
    started = request_verify_by_link(case)
    case.refresh_from_db()
    context = {
        "case": case,
        "started": started,
        "due": date_format(case.due_on, "DATE_FORMAT"),
    }
    return render(request, TEMPLATES + "verified.html", context)
