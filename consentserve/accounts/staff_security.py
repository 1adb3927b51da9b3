"""Staff sessions are held to more than customers' (issue 21): the back office opens only to
staff who have a second factor set up, and a staff session ends after 30 minutes without a
request. allauth already asks every account that has a second factor for it at sign-in, so
requiring one to be set up means every staff sign-in is a two-factor sign-in."""

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

BACKOFFICE_PREFIX = "/backoffice/"
# Staff can see and change every customer's data: an unattended screen is closed sooner than a
# customer's, whose session lives up to the two weeks of the policy's cookie table.
STAFF_IDLE_SECONDS = 30 * 60


def is_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def has_second_factor(user) -> bool:
    return get_mfa_adapter().is_mfa_enabled(user)


class StaffSecurityMiddleware:
    """After authentication: renews a staff session's 30-minute expiry with every request (the
    session store then drops it after 30 idle minutes, whatever process serves the next
    request), and sends staff without a second factor from the back office to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # Without a session cookie nobody is signed in; not even looking keeps responses that
        # need no session (the banner loader) free of "Vary: Cookie".
        if request.session.session_key is None:
            return self.get_response(request)
        user = request.user
        if is_staff(user):
            request.session.set_expiry(STAFF_IDLE_SECONDS)
            if request.path.startswith(BACKOFFICE_PREFIX) and not has_second_factor(user):
                messages.warning(
                    request,
                    _("Set up a second factor (an authenticator app) to use the back office."),
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
