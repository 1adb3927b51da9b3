"""The portal's installations: the list, the designer of one installation (settings, domains,
categories, services, texts and theme with a live preview of the real banner, the linter's
findings, publishing, versions with a diff, the embed snippet).

Every view goes through portal.scoping: `organisation_view` for the organisation and role,
`object_for` for the installation, so another customer's installation is 404. Changes need the
role admin (Action.MANAGE_INSTALLATIONS); the installations services check it once more."""

import json
import re

from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from consentserve.analytics.embed import has_category, has_service, tracker_tag
from consentserve.banner.loader import CONTENT_TYPE, preview_response
from consentserve.banner.loader import MAX_AGE_SECONDS as LOADER_MAX_AGE_SECONDS
from consentserve.core.csp import GOOGLE_ANALYTICS
from consentserve.installations import selectors, services
from consentserve.installations.catalog import catalog_get, transfer_text
from consentserve.installations.config import (
    GA4_SERVICE,
    LANGUAGES,
    MAX_LIFETIME_DAYS,
    TEXT_KEYS,
    compile_config,
    default_draft,
    draft_validate,
    measurement_ids,
)
from consentserve.installations.errors import PublishRefused
from consentserve.installations.linter import MIN_CONTRAST, contrast_ratio, lint
from consentserve.installations.models import Domain, Installation, PublishedVersion

from .config_diff import config_diff
from .installation_forms import (
    CatalogServiceForm,
    CategoryForm,
    CustomServiceForm,
    DesignForm,
    DomainForm,
    InstallationCreateForm,
    MeasurementIdForm,
    MoveForm,
    SettingsForm,
    field_for_path,
    text_field_name,
    theme_field_name,
)
from .scoping import Action, object_for, organisation_view, page_context

DRAFT = "draft"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _lang() -> str:
    lang = (get_language() or "en")[:2]
    return lang if lang in LANGUAGES else "en"


def _page(request, membership, template, context, *, status=200):
    base = page_context(request, membership) | {"section": "installations"}
    return render(request, template, base | context, status=status)


def _installation(membership, installation_id) -> Installation:
    return object_for(
        Installation.objects.select_related("organisation").prefetch_related("domains"),
        organisation=membership.organisation,
        pk=installation_id,
    )


def _detail_url(installation, anchor="") -> str:
    url = reverse(
        "portal:installation",
        kwargs={"org_id": installation.organisation_id, "installation_id": installation.pk},
    )
    return f"{url}#{anchor}" if anchor else url


def _field_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- the list ---------------------------------------------------------------------------------


@organisation_view(Action.VIEW)
def installation_list(request, membership):
    return _list_page(request, membership)


def _list_page(request, membership, *, form=None, status=200):
    context = {
        "summaries": selectors.installation_summaries(membership.organisation),
        "create_form": form or InstallationCreateForm(),
    }
    return _page(request, membership, "portal/installations.html", context, status=status)


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def installation_create(request, membership):
    form = InstallationCreateForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                installation = services.installation_create(
                    organisation=membership.organisation,
                    name=form.cleaned_data["name"],
                    actor=request.user,
                )
                services.domain_add(
                    installation=installation,
                    pattern=form.cleaned_data["domain"],
                    actor=request.user,
                )
        except ValidationError as error:
            _field_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The installation %(name)s has been created. Nothing is shown to visitors "
                    "until you publish."
                )
                % {"name": installation.name},
            )
            return redirect(_detail_url(installation))
    return _list_page(request, membership, form=form, status=422)


# --- the designer -----------------------------------------------------------------------------


def _contrast(draft: dict) -> list[dict]:
    theme = draft["theme"]
    rows = []
    for foreground, background, label in (
        ("text", "background", _("Text on background")),
        ("accent_text", "accent", _("Button text on buttons")),
    ):
        if not all(_HEX.match(str(theme.get(key, ""))) for key in (foreground, background)):
            continue
        ratio = contrast_ratio(theme[foreground], theme[background])
        rows.append(
            {
                "label": label,
                "foreground": theme[foreground],
                "background": theme[background],
                "ratio": f"{ratio:.2f}",
                "passes": ratio >= MIN_CONTRAST,
            }
        )
    return rows


def _findings(installation) -> list[dict]:
    problems = draft_validate(installation.draft)
    if problems:
        # The linter expects a well-formed draft; the services never save another one.
        return [
            {
                "severity": "error",
                "path": p.path,
                "field": field_for_path(p.path),
                "message": p.message,
            }
            for p in problems
        ]
    domains = [domain.pattern for domain in installation.domains.all()]
    lang = _lang()
    return [
        {
            "rule": finding.rule,
            "severity": finding.severity,
            "path": finding.path,
            "field": field_for_path(finding.path),
            "message": finding.message.get(lang) or finding.message.get("en"),
        }
        for finding in lint(installation.draft, catalog=catalog_get(), domains=domains)
    ]


def _check_context(installation) -> dict:
    """What the designer shows next to the preview: contrast and the linter's findings."""
    return {"contrast": _contrast(installation.draft), "findings": _findings(installation)}


def _catalog_category_labels(draft: dict, lang: str) -> dict[str, str]:
    """Names of the catalog's categories: the draft's, or the standard ones it has removed."""
    labels = {c["id"]: c["label"].get(lang) or c["id"] for c in default_draft()["categories"]}
    return labels | {c["id"]: c["label"].get(lang) or c["id"] for c in draft["categories"]}


def _catalog_rows(draft: dict, lang: str) -> list[dict]:
    present = {service["id"] for service in draft["services"]}
    category_ids = {category["id"] for category in draft["categories"]}
    labels = _catalog_category_labels(draft, lang)
    rows = []
    for entry in catalog_get().services:
        rows.append(
            {
                "entry": entry,
                "purpose": getattr(entry.purpose, lang),
                "provider": getattr(entry.provider, lang) if entry.provider else "",
                "transfer": getattr(transfer_text(entry.transfer), lang),
                "cookies": [
                    (item.name, getattr(item.lifetime, lang))
                    for item in entry.cookies + entry.storage
                ],
                "category_label": labels.get(entry.category) or entry.category,
                "category_present": entry.category in category_ids,
                "added": entry.id in present,
                "search": f"{entry.name} {entry.provider.en if entry.provider else ''} "
                f"{entry.category}".lower(),
            }
        )
    return rows


def _detail_page(
    request, membership, installation, *, forms=None, errors=None, status=200, refusal=None
):
    draft = installation.draft
    lang = _lang()
    forms = forms or {}
    newest = selectors.current_version(installation)
    labels = {
        category["id"]: category["label"].get(lang) or category["id"]
        for category in draft["categories"]
    }
    services_by_category = {category["id"]: [] for category in draft["categories"]}
    for service in draft["services"]:
        services_by_category.setdefault(service["category"], []).append(service)
    categories = [
        {
            "category": category,
            "label": labels[category["id"]],
            "description": category["description"].get(lang, ""),
            "services": services_by_category.get(category["id"], []),
        }
        for category in draft["categories"]
    ]
    design_form = forms.get("design") or DesignForm(draft=draft)
    loader_url = request.build_absolute_uri(
        reverse("banner-loader", args=[installation.public_key])
    )
    preview_lang = lang if lang in draft["languages"] else draft["default_language"]
    context = {
        "installation": installation,
        "draft": draft,
        "domains": list(installation.domains.all()),
        "newest": newest,
        "unpublished_changes": selectors.unpublished_changes(installation, newest),
        "versions": list(selectors.version_list(installation).defer("config")),
        "settings_form": forms.get("settings")
        or SettingsForm(
            initial={
                "name": installation.name,
                "languages": draft["languages"],
                "default_language": draft["default_language"],
                "lifetime_days": draft["lifetime_days"],
                "consent_retention_years": installation.consent_retention_years,
                "analytics_enabled": installation.analytics_enabled,
                **draft["options"],
            }
        ),
        "domain_form": forms.get("domain") or DomainForm(),
        "category_form": forms.get("category") or CategoryForm(),
        "custom_service_form": forms.get("custom_service")
        or CustomServiceForm(draft=draft, lang=lang),
        "categories": categories,
        "category_labels": labels,
        "category_choices": [
            (category["id"], labels[category["id"]]) for category in draft["categories"]
        ],
        "catalog": _catalog_rows(draft, lang),
        "catalog_categories": [
            (cid, _catalog_category_labels(draft, lang).get(cid, cid))
            for cid in sorted({entry.category for entry in catalog_get().services})
        ],
        "design_form": design_form,
        "text_groups": [
            (lang_code, [design_form[text_field_name(lang_code, key)] for key in TEXT_KEYS])
            for lang_code in design_form.languages
        ],
        "colour_fields": [
            design_form[theme_field_name(key)]
            for key in ("background", "text", "accent", "accent_text")
        ],
        "errors": errors or {},
        "refusal": refusal,
        "embed": f'<script src="{loader_url}" async></script>',
        "analytics_tag": tracker_tag(request, installation),
        "analytics_category": has_category(draft),
        "analytics_service": has_service(draft),
        # The tag names the service, which visitors only get once it is published.
        "analytics_service_unpublished": has_service(draft)
        and not (newest and has_service(newest.config)),
        "measurement_id_form": forms.get("measurement_id")
        or MeasurementIdForm(initial={"measurement_id": measurement_ids(draft).get(GA4_SERVICE)}),
        "measurement_ids": measurement_ids(draft),
        # What the customer's pages must allow for Google's tag: what our own pages allow.
        "ga4_csp": list(GOOGLE_ANALYTICS.items()) if measurement_ids(draft) else [],
        "preview_lang": preview_lang,
        "max_lifetime_days": MAX_LIFETIME_DAYS,
        **_check_context(installation),
    }
    return _page(request, membership, "portal/installations/detail.html", context, status=status)


@organisation_view(Action.VIEW)
def installation_detail(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    return _detail_page(request, membership, installation)


def _done(request, installation, message, anchor):
    messages.success(request, message)
    return redirect(_detail_url(installation, anchor))


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def installation_settings(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = SettingsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        draft = dict(installation.draft)
        draft["languages"] = [lang for lang in LANGUAGES if lang in data["languages"]]
        draft["default_language"] = data["default_language"]
        draft["lifetime_days"] = data["lifetime_days"]
        draft["options"] = {key: data[key] for key in ("gpc", "reopen_button", "consent_mode")}
        try:
            with transaction.atomic():
                services.installation_rename(
                    installation=installation, name=data["name"], actor=request.user
                )
                services.consent_retention_set(
                    installation=installation,
                    years=data["consent_retention_years"],
                    actor=request.user,
                )
                services.analytics_set(
                    installation=installation,
                    enabled=data["analytics_enabled"],
                    actor=request.user,
                )
                services.draft_update(installation=installation, draft=draft, actor=request.user)
        except ValidationError as error:
            installation.refresh_from_db()
            _field_errors(form, error)
        else:
            return _done(request, installation, _("The settings have been saved."), "settings")
    return _detail_page(request, membership, installation, forms={"settings": form}, status=422)


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def domain_add(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = DomainForm(request.POST)
    if (
        form.is_valid()
        and installation.domains.filter(pattern=form.cleaned_data["pattern"]).exists()
    ):
        form.add_error("pattern", _("This domain is already listed."))
    if form.is_valid():
        try:
            domain = services.domain_add(
                installation=installation, pattern=form.cleaned_data["pattern"], actor=request.user
            )
        except ValidationError as error:
            _field_errors(form, error)
        else:
            return _done(
                request,
                installation,
                _("%(domain)s has been added.") % {"domain": domain.pattern},
                "domains",
            )
    return _detail_page(request, membership, installation, forms={"domain": form}, status=422)


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def domain_remove(request, membership, installation_id, domain_id):
    installation = _installation(membership, installation_id)
    domain = object_for(
        Domain.objects.filter(installation=installation),
        organisation=membership.organisation,
        pk=domain_id,
        path_to_org="installation__organisation",
    )
    services.domain_remove(domain=domain, actor=request.user)
    return _done(
        request,
        installation,
        _(
            "%(domain)s has been removed. Published versions keep their domains until you "
            "publish again."
        )
        % {"domain": domain.pattern},
        "domains",
    )


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def category_add(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = CategoryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.draft_category_add(
                installation=installation,
                category_id=data["category_id"],
                label={"de": data["label_de"], "en": data["label_en"]},
                description={"de": data["description_de"], "en": data["description_en"]},
                actor=request.user,
            )
        except ValidationError as error:
            _field_errors(form, error)
        else:
            return _done(request, installation, _("The category has been added."), "categories")
    return _detail_page(request, membership, installation, forms={"category": form}, status=422)


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def category_remove(request, membership, installation_id, category_id):
    installation = _installation(membership, installation_id)
    try:
        services.draft_category_remove(
            installation=installation, category_id=category_id, actor=request.user
        )
    except ValidationError as error:
        return _detail_page(
            request,
            membership,
            installation,
            errors={"categories": _messages_of(error)},
            status=409,
        )
    return _done(request, installation, _("The category has been removed."), "categories")


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def service_add_from_catalog(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = CatalogServiceForm(request.POST, draft=installation.draft, lang=_lang())
    problem = None
    if form.is_valid():
        try:
            services.draft_service_add_from_catalog(
                installation=installation,
                service_id=form.cleaned_data["service_id"],
                category_id=form.cleaned_data["category"] or None,
                actor=request.user,
            )
        except ValidationError as error:
            problem = _messages_of(error)
        else:
            entry = catalog_get().get(form.cleaned_data["service_id"])
            return _done(
                request,
                installation,
                _("%(name)s has been added.") % {"name": entry.name},
                "services",
            )
    else:
        problem = [_("Choose a service of the catalog and one of the categories of this banner.")]
    return _detail_page(request, membership, installation, errors={"catalog": problem}, status=422)


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def service_add_custom(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    form = CustomServiceForm(request.POST, draft=installation.draft, lang=_lang())
    if form.is_valid():
        try:
            services.draft_service_add_custom(
                installation=installation, service=form.service(), actor=request.user
            )
        except ValidationError as error:
            _field_errors(form, error)
        else:
            return _done(
                request,
                installation,
                _("%(name)s has been added.") % {"name": form.cleaned_data["name"]},
                "services",
            )
    return _detail_page(
        request, membership, installation, forms={"custom_service": form}, status=422
    )


def _service_name(installation, service_id) -> str:
    for service in installation.draft["services"]:
        if service["id"] == service_id:
            return service["name"]
    raise Http404


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def service_remove(request, membership, installation_id, service_id):
    installation = _installation(membership, installation_id)
    name = _service_name(installation, service_id)
    services.draft_service_remove(
        installation=installation, service_id=service_id, actor=request.user
    )
    return _done(
        request, installation, _("%(name)s has been removed.") % {"name": name}, "services"
    )


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def service_move(request, membership, installation_id, service_id):
    installation = _installation(membership, installation_id)
    name = _service_name(installation, service_id)
    form = MoveForm(request.POST, draft=installation.draft, lang=_lang())
    if form.is_valid():
        services.draft_service_move(
            installation=installation,
            service_id=service_id,
            category_id=form.cleaned_data["category"],
            actor=request.user,
        )
        return _done(
            request, installation, _("%(name)s has been moved.") % {"name": name}, "services"
        )
    return _detail_page(
        request,
        membership,
        installation,
        errors={"services": [_("Choose one of the categories of this banner.")]},
        status=422,
    )


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def service_measurement_id(request, membership, installation_id, service_id):
    """The measurement ID of the GA4 service: set, changed, or removed when empty."""
    installation = _installation(membership, installation_id)
    name = _service_name(installation, service_id)
    form = MeasurementIdForm(request.POST)
    if form.is_valid():
        value = form.cleaned_data["measurement_id"]
        try:
            services.draft_service_measurement_id_set(
                installation=installation,
                service_id=service_id,
                measurement_id=value,
                actor=request.user,
            )
        except ValidationError as error:
            installation.refresh_from_db()
            _field_errors(form, error)
        else:
            if value:
                message = _(
                    "The banner loads %(name)s with the measurement ID %(id)s after consent, "
                    "once you publish."
                ) % {"name": name, "id": measurement_ids(installation.draft)[service_id]}
            else:
                message = _(
                    "%(name)s has no measurement ID any more: embed Google's tag yourself, "
                    "blocked until consent."
                ) % {"name": name}
            return _done(request, installation, message, "services")
    return _detail_page(
        request, membership, installation, forms={"measurement_id": form}, status=400
    )


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def design_update(request, membership, installation_id):
    """Texts and theme. From the designer through htmx on every change (autosave: a draft is
    never shown to visitors), answered with the findings and each field's error; the preview
    reloads on the event `designer-saved`. A draft that fails validation is not saved."""
    installation = _installation(membership, installation_id)
    form = DesignForm(request.POST, draft=installation.draft)
    saved = False
    if form.is_valid():
        draft = form.draft_with_changes(installation.draft)
        problems = draft_validate(draft)
        for problem in problems:
            form.add_error(field_for_path(problem.path), problem.message)
        if not problems:
            try:
                services.draft_update(installation=installation, draft=draft, actor=request.user)
                saved = True
            except ValidationError as error:
                _field_errors(form, error)
    if not request.htmx:
        if saved:
            return _done(request, installation, _("Texts and design have been saved."), "design")
        return _detail_page(request, membership, installation, forms={"design": form}, status=422)
    if not saved:
        installation.refresh_from_db()
    context = {
        "installation": installation,
        "design_form": form,
        "saved": saved,
        "error_fields": [form[name] for name in form.fields],
        **_check_context(installation),
    }
    response = render(
        request, "portal/installations/_design_saved.html", context, status=200 if saved else 422
    )
    if saved:
        response["HX-Trigger"] = "designer-saved"
    return response


@organisation_view(Action.VIEW)
def checks(request, membership, installation_id):
    """The findings and contrast of the current draft, for the designer's live panel."""
    installation = _installation(membership, installation_id)
    context = {"installation": installation, **_check_context(installation)}
    return render(request, "portal/installations/_checks.html", context)


@organisation_view(Action.MANAGE_INSTALLATIONS, methods=("POST",))
def publish(request, membership, installation_id):
    installation = _installation(membership, installation_id)
    try:
        version = services.publish(installation, actor=request.user)
    except PublishRefused as refusal:
        lang = _lang()
        context = {
            "problems": [str(problem) for problem in refusal.problems],
            "findings": [
                {"path": f.path, "message": f.message.get(lang) or f.message.get("en")}
                for f in refusal.findings
            ],
        }
        return _detail_page(request, membership, installation, refusal=context, status=409)
    return _done(
        request,
        installation,
        _published_message(version.number),
        "publish",
    )


def _published_message(number: int) -> str:
    """Browsers keep the loader for its max-age, so a visitor who has it may see the previous
    version until then; the message must not promise "now"."""
    minutes = max(1, LOADER_MAX_AGE_SECONDS // 60)
    return ngettext(
        "Version %(number)d has been published; visitors of the listed domains get it within "
        "%(minutes)d minute, as soon as their browser fetches the banner again.",
        "Version %(number)d has been published; visitors of the listed domains get it within "
        "%(minutes)d minutes, as soon as their browser fetches the banner again.",
        minutes,
    ) % {"number": number, "minutes": minutes}


# --- preview ----------------------------------------------------------------------------------


@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
@organisation_view(Action.VIEW)
def preview_page(request, membership, installation_id):
    """A stand-in page for the designer's iframe that loads the draft's banner from preview.js;
    `lang` sets the page's language, which the banner follows."""
    installation = _installation(membership, installation_id)
    draft = installation.draft
    lang = request.GET.get("lang")
    if lang not in draft["languages"]:
        lang = draft["default_language"]
    layer = "2" if request.GET.get("layer") == "2" else "1"
    context = {"installation": installation, "lang": lang, "layer": layer}
    return render(request, "portal/installations/preview.html", context)


@organisation_view(Action.VIEW)
def preview_script(request, membership, installation_id):
    """The draft's configuration in preview mode and the runtime, like /c/KEY.js serves a
    published version. In preview mode the runtime skips the origin check, reads and writes no
    cookie or storage and records nothing, so the portal's own cookies stay as they are."""
    installation = _installation(membership, installation_id)
    if draft_validate(installation.draft):
        response = HttpResponse(
            "/* CONSENTserve: the draft is not valid */\n", status=409, content_type=CONTENT_TYPE
        )
        return response
    return preview_response(compile_config(installation, version=0), request.GET.get("layer"))


# --- versions -----------------------------------------------------------------------------------


def _version(installation, number) -> PublishedVersion:
    try:
        return selectors.version_get(installation, number=number)
    except PublishedVersion.DoesNotExist:
        raise Http404 from None


@organisation_view(Action.VIEW)
def version_detail(request, membership, installation_id, version_number):
    installation = _installation(membership, installation_id)
    version = _version(installation, version_number)
    context = {
        "installation": installation,
        "version": version,
        "config_text": json.dumps(version.config, indent=2, ensure_ascii=False, sort_keys=False),
        "previous": version.number - 1 if version.number > 1 else None,
    }
    return _page(request, membership, "portal/installations/version.html", context)


@organisation_view(Action.VIEW)
def version_diff(request, membership, installation_id):
    """What changed between two versions, or a version and the current draft (`from`, `to`:
    a version number or `draft`)."""
    installation = _installation(membership, installation_id)
    numbers = list(selectors.version_list(installation).values_list("number", flat=True))
    choices = [DRAFT] + [str(number) for number in numbers]
    default_from = str(numbers[0]) if numbers else DRAFT
    side_from = request.GET.get("from", default_from)
    side_to = request.GET.get("to", DRAFT)
    context = {
        "installation": installation,
        "choices": choices,
        "from": side_from,
        "to": side_to,
        "numbers": numbers,
    }
    if side_from not in choices or side_to not in choices:
        context["error"] = _("Choose two of the versions listed, or the draft.")
        return _page(request, membership, "portal/installations/diff.html", context, status=400)

    def config_of(side: str) -> dict:
        if side == DRAFT:
            return compile_config(installation, version=0)
        return _version(installation, int(side)).config

    context["changes"] = config_diff(config_of(side_from), config_of(side_to))
    return _page(request, membership, "portal/installations/diff.html", context)
