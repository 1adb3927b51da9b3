"""The back office's sign-in is the portal's: allauth's login with its limits on failed
attempts and its second-factor stage. Django's own admin login form would check the password
alone (no TOTP, no limits), so the admin's login URL only hands over to allauth's, keeping
where to go next; there is no second way in."""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def backoffice_login(request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
    """Replaces `AdminSite.login`: to allauth's login, or on to the back office for staff."""
    target = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(target)
        # Signed in, but no staff: allauth would send the user straight back here.
        raise PermissionDenied
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def backoffice_login_install() -> None:
    admin.site.login = backoffice_login
