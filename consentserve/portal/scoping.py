"""What a user may see and do in the portal: the one place that scopes by organisation (R-B3-2).

Every portal view reaches its organisation through `organisation_view` (which calls
`membership_for`), and every object of an organisation through `object_for` or `scoped`. The
isolation sweep in tests/test_portal_isolation.py requests every portal URL with another
customer's IDs and expects 404, so a view that skips this module fails the suite.

Two answers, on purpose:
- a user who is not a member of the organisation in the URL gets 404, never 403, so the IDs of
  other customers are not even confirmed to exist;
- a member whose role is too low gets 403 with an explanation: they know the organisation.

The role matrix itself (roles, their order, which role each action needs) is the accounts
domain's, in accounts/roles.py; this module applies it to requests.
"""

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from consentserve.accounts.models import Membership, Organisation
from consentserve.accounts.roles import (
    MIN_ROLE,
    Action,
    Role,
    may,
    memberships_of,
    organisations_allowing,
)

M = TypeVar("M", bound=Model)


class RoleTooLow(PermissionDenied):
    """A member asked for more than their role allows. `organisation_view` explains it on a page
    of its own; raised elsewhere, Django answers with its plain 403 page."""

    def __init__(self, membership: Membership, action: Action):
        super().__init__(action.value)
        self.membership = membership
        self.action = action


def membership_for(request: HttpRequest, org_id: int, *, action: Action) -> Membership:
    """The signed-in user's membership of organisation `org_id`, if it allows `action`.

    Raises Http404 when there is none (whether or not the organisation exists) and RoleTooLow
    when the role is too low."""
    membership = memberships_of(request.user).filter(organisation_id=org_id).first()
    if membership is None:
        raise Http404
    if not may(membership, action):
        raise RoleTooLow(membership, action)
    return membership


def organisation_for(request: HttpRequest, org_id: int, *, action: Action) -> Organisation:
    return membership_for(request, org_id, action=action).organisation


def scoped(
    queryset: QuerySet[M],
    user,
    *,
    path_to_org: str = "organisation",
    action: Action = Action.VIEW,
) -> QuerySet[M]:
    """`queryset` narrowed to the organisations in which `user` may do `action`; for lists
    across all of a user's organisations. `path_to_org` is the lookup from the model to its
    Organisation, e.g. "installation__organisation"."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{f"{path_to_org}__in": organisations_allowing(user, action)})


def object_for(
    queryset: QuerySet[M], *, organisation: Organisation, pk, path_to_org: str = "organisation"
) -> M:
    """One object of `organisation`, or 404: another organisation's ID in this organisation's
    URL is as unknown as a made-up one."""
    return get_object_or_404(queryset.filter(**{path_to_org: organisation}), pk=pk)


def organisation_view(
    action: Action, *, methods: tuple[str, ...] = ("GET", "HEAD")
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view under /portal/o/<org_id>/: sign-in, membership, role, then the HTTP
    method, in that order, so another customer's organisation is 404 whatever the method. The
    view is called as view(request, membership, **other_url_kwargs)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, org_id: int, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                membership = membership_for(request, org_id, action=action)
            except RoleTooLow as refusal:
                response = role_too_low(request, refusal)
            else:
                if request.method not in methods:
                    response = HttpResponseNotAllowed(methods)
                else:
                    response = view(request, membership, **kwargs)
            return private(response)

        return wrapper

    return decorator


def signed_in_view(
    *, methods: tuple[str, ...] = ("GET", "HEAD")
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For the few portal views outside an organisation (the entry page, accepting an
    invitation): sign-in and the HTTP method, and the same private caching."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.method not in methods:
                return private(HttpResponseNotAllowed(methods))
            return private(view(request, **kwargs))

        return wrapper

    return decorator


def private(response: HttpResponse) -> HttpResponse:
    """Portal pages hold personal data: no cache keeps them, and htmx fragments and full pages
    of one URL are kept apart."""
    add_never_cache_headers(response)
    patch_vary_headers(response, ("HX-Request",))
    return response


def page_context(request: HttpRequest, membership: Membership) -> dict:
    """What portal/base.html needs: the current organisation, the user's organisations for the
    switcher and what the user may do here, so the navigation offers only what works."""
    return {
        "membership": membership,
        "organisation": membership.organisation,
        "memberships": list(memberships_of(request.user)),
        "can": {action.name.lower(): may(membership, action) for action in Action},
    }


def role_too_low(request: HttpRequest, refusal: RoleTooLow) -> HttpResponse:
    context = page_context(request, refusal.membership) | {
        "needed": Role(MIN_ROLE[refusal.action]).label,
    }
    return render(request, "portal/forbidden.html", context, status=403)
