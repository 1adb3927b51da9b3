"""The portal's "API" pages: the organisation's API keys for the customer API (/api/v1/).

Everyone in the organisation sees the list (never a secret); owners and admins create and
revoke keys. A new key's secret is shown once, on the answer to the form, and never again:
only its SHA-256 is stored (consentserve/api)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.api import selectors, services

from .scoping import Action, object_for, organisation_view, page_context

MANAGE = services.MANAGE_KEYS


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=services.NAME_MAX_LENGTH,
        help_text=gettext_lazy("For you only, e.g. what the key is used for."),
    )


def _page(request, membership, template, context=None, *, status=200):
    base = page_context(request, membership) | {"section": "api-keys"}
    return render(request, template, base | (context or {}), status=status)


def _list_page(request, membership, *, form=None, status=200):
    context = {
        "api_keys": selectors.api_key_list(membership.organisation),
        "form": form or ApiKeyForm(),
        "api_base": request.build_absolute_uri(reverse("api-v1:api-root")),
    }
    return _page(request, membership, "portal/api_keys/list.html", context, status=status)


@organisation_view(Action.VIEW)
def api_keys(request, membership):
    return _list_page(request, membership)


@organisation_view(MANAGE, methods=("POST",))
def api_key_create(request, membership):
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            issued = services.api_key_create(
                organisation=membership.organisation,
                name=form.cleaned_data["name"],
                created_by=request.user,
            )
        except ValidationError as error:
            for message in error.message_dict.get("name", []):
                form.add_error("name", message)
        else:
            # Answered directly, not through a redirect: the secret is in no URL, session or
            # message, and the page is not cached (organisation_view).
            context = {"api_key": issued.api_key, "secret": issued.secret}
            return _page(request, membership, "portal/api_keys/created.html", context)
    return _list_page(request, membership, form=form, status=422)


@organisation_view(MANAGE, methods=("GET", "HEAD", "POST"))
def api_key_revoke(request, membership, api_key_id):
    api_key = object_for(
        selectors.api_keys_scoped(),
        organisation=membership.organisation,
        pk=api_key_id,
    )
    if request.method == "POST":
        services.api_key_revoke(api_key=api_key, revoked_by=request.user)
        messages.success(
            request, _("The API key %(name)s has been revoked.") % {"name": api_key.name}
        )
        return redirect("portal:api-keys", org_id=membership.organisation_id)
    return _page(request, membership, "portal/api_keys/revoke.html", {"api_key": api_key})
