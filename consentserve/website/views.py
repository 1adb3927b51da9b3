"""The public website: plain pages that set no cookie, the language switch that is the only place
setting the language cookie (R-C1-3), and the quote request (policy B.2)."""

import sys
from email.utils import parseaddr

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from consentserve.core.db_busy import database_busy
from consentserve.core.ratelimit import rate_limit_hit

from .forms import QuoteRequestForm
from .plans import PLANS, plan_by_slug
from .selectors import controller, phone_uri
from .services import quote_request_create


@require_safe
def home(request):
    return render(request, "website/home.html")


@require_safe
def features(request):
    return render(request, "website/features.html")


@require_safe
def pricing(request):
    return render(request, "website/pricing.html", {"plans": PLANS})


QUOTES_PER_HOUR = 5


@require_http_methods(["GET", "HEAD", "POST"])
def quote(request):
    """The only page that sets a cookie without being asked to: the CSRF cookie, which the form
    the visitor opened cannot be sent without."""
    if request.method == "POST":
        form = QuoteRequestForm(request.POST)
        if form.is_valid():
            # Each case sends a confirmation to the address given: a limit per client keeps the
            # form from being used to send our mail to strangers in bulk.
            if not rate_limit_hit(
                scope="quote",
                ident=request.META.get("REMOTE_ADDR", ""),
                limit=QUOTES_PER_HOUR,
                period_seconds=3600,
            ):
                return render(request, "website/errors/429.html", status=429)
            quote_request_create(**form.cleaned_data, language=get_language())
            return redirect("website:quote-thanks")
        return _quote_page(request, form, status=400)
    return _quote_page(request, QuoteRequestForm(initial=_initial(request)))


def _initial(request) -> dict:
    """The pricing page links here with the plan the visitor looked at."""
    plan = plan_by_slug(request.GET.get("plan", ""))
    if plan is None:
        return {}
    return {"message": _("We are interested in the %(plan)s plan.") % {"plan": plan.name}}


def _quote_page(request, form, *, status=200):
    phone = controller(language=get_language())["phone"]
    context = {
        "form": form,
        "phone": phone,
        "phone_uri": phone_uri(phone),
    }
    return render(request, "website/quote.html", context, status=status)


@require_safe
def quote_thanks(request):
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return render(request, "website/quote_thanks.html", {"sender": sender})


@require_safe
def imprint(request):
    return render(
        request, "website/imprint.html", {"controller": controller(language=get_language())}
    )


@never_cache
@require_safe
def choose_language(request, code):
    """The explicit language choice: the only place that sets the language cookie (R-C1-3).
    It sends the visitor to the page they were on, in the language they picked."""
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    # translate_url resolves the path in the active language, which here comes from the cookie
    # or Accept-Language, not from the page the visitor came from.
    with translation.override(translation.get_language_from_path(target) or get_language()):
        target = translate_url(target, code)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def bad_request(request, exception=None):
    return render(request, "website/errors/400.html", status=400)


def forbidden(request, exception=None):
    return render(request, "website/errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """A form sent without a valid security token: say what happened and how to send it again."""
    context = {"cookie_missing": reason == REASON_NO_CSRF_COOKIE}
    return render(request, "website/errors/403_csrf.html", context, status=403)


def not_found(request, exception=None):
    return render(request, "website/errors/404.html", status=404)


def server_error(request):
    if database_busy(sys.exc_info()[1]):
        # Plain text: the page's templates read the database, which is what ran out.
        response = HttpResponse(
            _("The service is busy. Please try again in a few seconds.") + "\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    return render(request, "website/errors/500.html", status=500)
