"""Tenant isolation (R-B3-2, seed D): a user of customer A gets 404 for every portal URL that
names customer B's organisation or objects, with GET and with POST, whatever A's role; nothing of
B changes and nothing of B is shown. The URLs are collected from consentserve.portal.urls, so a
new portal view is swept as soon as it is routed."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone, translation
from test_installations_linter import lint_clean_draft
from test_portal_factories import Customer, make_customer, make_member

from consentserve.accounts.models import Invitation, Membership
from consentserve.api import services as api_services
from consentserve.api.models import ApiKey
from consentserve.billing.invoicing import invoice_issue
from consentserve.billing.models import Invoice, PlanChange, SepaMandate
from consentserve.collector.models import ConsentRecord
from consentserve.collector.rollups import rollups_add
from consentserve.core.months import month_start
from consentserve.installations import services as installation_services
from consentserve.installations.catalog import catalog_get, catalog_service_to_config
from consentserve.installations.models import Installation
from consentserve.portal import urls as portal_urls
from consentserve.portal.scoping import Action, scoped
from consentserve.scanner.facade import Scan, ScanScreenshot

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]

# Routes without parameters cannot name another customer's objects; each one is listed here
# with what it shows instead, so a new one is looked at before it passes.
UNPARAMETERISED = {
    "dashboard": "redirects to the user's own first organisation",
}
# A token is not an ID but a secret: holding it is what entitles someone to join. The sweep uses
# one that was never issued; the invitation tests cover real, used and expired ones.
FORGED_TOKEN = "never-issued-" + "x" * 30
# Everything any portal form asks for, so a view that failed to scope would really act.
POST_DATA = {
    "role": "admin",
    "email": "intruder@a.example",
    "confirm": "on",
    "name": "Intruder",
    "domain": "intruder.a.example",
    "pattern": "intruder.a.example",
    "languages": ["en"],
    "default_language": "en",
    "lifetime_days": "30",
    "category_id": "intruder",
    "label_de": "X",
    "label_en": "X",
    "description_de": "X",
    "description_en": "X",
    "service_id": "google-analytics-4",
    "category": "preferences",
    "purpose_de": "X",
    "purpose_en": "X",
    "transfer_de": "X",
    "transfer_en": "X",
    "texts_en_title": "Intruder",
    "theme_background": "#000000",
    "plan": "agency",
    "analytics_enabled": "on",
    "measurement_id": "G-INTRUDER1",
}
# Routes that need another value than values_of's to act on B's objects: the measurement ID
# is taken only by B's Google Analytics 4 service.
ROUTE_VALUES = {
    "installation-service-measurement-id": {"service_id": "google-analytics-4"},
}


def portal_patterns(patterns=None, prefix="") -> list[tuple[str, URLPattern]]:
    """Every (name, pattern) of the portal's URLconf, included URLconfs too."""
    found = []
    for entry in portal_urls.urlpatterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            found += portal_patterns(entry.url_patterns, prefix + str(entry.pattern))
        else:
            found.append((entry.name, entry))
    return found


def parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.converters)


def values_of(customer: Customer) -> dict:
    """For each URL parameter of the portal, the value that names `customer`'s object."""
    return {
        "org_id": customer.organisation.pk,
        "member_id": customer.viewer.pk,
        "invitation_id": customer.invitation.pk,
        "token": FORGED_TOKEN,
        "installation_id": customer.installation.pk,
        "domain_id": customer.installation.domains.get().pk,
        "category_id": "marketing",
        "service_id": "youtube",
        "version_number": 1,
        "api_key_id": customer.api_key.pk,
        "record_id": customer.record.pk,
        "scan_id": customer.scan.pk,
        "name": "000-no_choice.jpg",
        "invoice_id": customer.invoice.pk,
    }


def urls_naming(values: dict, *, keep_org=None) -> list[str]:
    """Every parameterised portal URL filled from `values`; with `keep_org`, the organisation
    is that one and only the other parameters come from `values`."""
    urls = []
    for name, pattern in portal_patterns():
        params = parameters(pattern)
        if not params or (keep_org is not None and ("org_id" not in params or len(params) == 1)):
            continue
        missing = set(params) - set(values)
        assert not missing, f"portal:{name} has parameters {missing}: add B's value to values_of"
        kwargs = {param: values[param] for param in params}
        kwargs |= ROUTE_VALUES.get(name, {})
        if keep_org is not None:
            kwargs["org_id"] = keep_org.pk
        with translation.override("en"):
            urls.append(reverse(f"portal:{name}", kwargs=kwargs))
    return urls


def with_installation(customer: Customer) -> Customer:
    """The customer with a published installation, for the installation routes' parameters."""
    user = customer.owner.user
    name = f"{customer.organisation.name} Shop"
    installation = installation_services.installation_create(
        organisation=customer.organisation, name=name, actor=user
    )
    draft = lint_clean_draft()
    draft["services"].append(catalog_service_to_config(catalog_get().get("google-analytics-4")))
    installation_services.draft_update(installation=installation, draft=draft, actor=user)
    key = customer.owner.user.email.split("@")[1]
    installation_services.domain_add(installation=installation, pattern=f"shop.{key}", actor=user)
    version = installation_services.publish(installation, actor=user)
    customer.installation = installation
    # A finished website scan with its screenshot, for the scan pages' routes.
    customer.scan = Scan.objects.create(
        installation=installation, url=f"https://shop.{key}/", status=Scan.Status.DONE
    )
    ScanScreenshot.objects.create(scan=customer.scan, name="000-no_choice.jpg", image=b"\xff\xd8")
    # An API key, for the API pages' routes.
    customer.api_key = api_services.api_key_create(
        organisation=customer.organisation, name="Key", created_by=user
    ).api_key
    # A consent record, for the consent log's routes.
    customer.record = ConsentRecord.objects.create(
        installation=installation,
        version=version,
        consent_id=key.replace(".", "-")[:22].ljust(22, "x"),
        sha256=version.config["sha256"],
        action="accept_all",
        choices={"categories": {}, "services": {}},
        layer=1,
        gpc=False,
        language="en",
        ip="203.0.113.0",
        origin=f"https://shop.{key}",
        path="/",
    )
    # Counted like the writer counts, so the statistics routes would have B's numbers to leak.
    rollups_add([customer.record])
    # An invoice, for the invoice download's route.
    customer.invoice = invoice_issue(customer.organisation, month_start(timezone.localdate()))
    return customer


@pytest.fixture
def customers():
    return (
        with_installation(make_customer("a", "Alpha GmbH")),
        with_installation(make_customer("b", "Beta AG")),
    )


def snapshot(customer: Customer) -> tuple:
    """Everything of B that a portal action could change."""
    organisation = customer.organisation
    return (
        sorted(organisation.memberships.values_list("user_id", "role")),
        sorted(organisation.invitations.values_list("email", "accepted_at")),
        SepaMandate.objects.filter(organisation=organisation).count(),
        [
            (
                i.name,
                i.draft,
                sorted(i.domains.values_list("pattern", flat=True)),
                i.versions.count(),
                i.analytics_enabled,
            )
            for i in Installation.objects.filter(organisation=organisation)
        ],
        sorted(ApiKey.objects.filter(organisation=organisation).values_list("name", "revoked_at")),
        ConsentRecord.objects.filter(installation__organisation=organisation).count(),
        list(
            PlanChange.objects.filter(subscription__organisation=organisation).values_list(
                "plan__slug", "effective_from"
            )
        ),
        Invoice.objects.filter(organisation=organisation).count(),
    )


def test_every_parameterised_portal_url_is_swept():
    names = {name for name, pattern in portal_patterns() if not parameters(pattern)}
    assert names == set(UNPARAMETERISED)
    assert len(portal_patterns()) > 10


@pytest.mark.parametrize("role", ["owner", "admin", "viewer"])
def test_other_customers_objects_are_404_for_get_and_post_r_b3_2(customers, role):
    a, b = customers
    client = Client()
    client.force_login(getattr(a, role).user)
    before = snapshot(b)
    urls = urls_naming(values_of(b))
    for url in urls:
        for method in (client.get, client.post):
            response = method(url, POST_DATA)
            assert response.status_code == 404, (method.__name__, url, response.status_code)
            assert b"Beta AG" not in response.content, url
            assert b"b.example" not in response.content, url
    assert snapshot(b) == before
    assert len(urls) == len(portal_patterns()) - len(UNPARAMETERISED)


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_other_customers_objects_in_own_organisations_urls_are_404_r_b3_2(customers, role):
    """A's organisation in the URL with B's member or invitation: B's IDs are answered exactly
    like IDs that do not exist, and the method the URL takes is 404 (a GET of a POST-only URL
    and a POST of a read-only one are 405 either way)."""
    a, b = customers
    client = Client()
    client.force_login(getattr(a, role).user)
    before = snapshot(b)
    made_up = {
        key: value + 10**6 if isinstance(value, int) else value
        for key, value in values_of(b).items()
    }
    urls = urls_naming(values_of(b), keep_org=a.organisation)
    unknown = urls_naming(made_up, keep_org=a.organisation)
    assert urls
    for url, unknown_url in zip(urls, unknown, strict=True):
        for method in (client.get, client.post):
            response = method(url, POST_DATA)
            assert response.status_code == method(unknown_url, POST_DATA).status_code, url
            assert b"b.example" not in response.content, url
        statuses = {client.get(url).status_code, client.post(url, POST_DATA).status_code}
        assert 404 in statuses, url
    assert snapshot(b) == before


def test_organisation_ids_that_do_not_exist_look_the_same_r_b3_2(customers):
    """404 for another customer's organisation and for one that does not exist: no probing."""
    a, b = customers
    client = Client()
    client.force_login(a.owner.user)
    pages = {}
    for org_id in (b.organisation.pk, b.organisation.pk + 1000):
        response = client.get(f"/en/portal/o/{org_id}/team/")
        assert response.status_code == 404
        # The page links to itself in the other language; apart from that it is the same.
        pages[org_id] = response.content.replace(f"/o/{org_id}/".encode(), b"/o/ID/")
    assert len(set(pages.values())) == 1


def test_entry_page_leads_to_the_users_own_organisation_r_b3_2(customers):
    a, b = customers
    client = Client()
    client.force_login(a.viewer.user)
    response = client.get("/en/portal/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/portal/o/{a.organisation.pk}/"


def test_anonymous_users_are_sent_to_sign_in_for_every_portal_url(customers):
    a, _b = customers
    client = Client()
    urls = urls_naming(values_of(a)) + ["/en/portal/"]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url, POST_DATA)
            assert response.status_code == 302, (method.__name__, url)
            assert response["Location"].startswith("/en/account/login/?next=/en/portal/"), url
    assert Membership.objects.count() == 6
    assert Invitation.objects.count() == 2


def test_scoped_narrows_any_organisations_objects_to_the_users_r_b3_2(customers):
    """The helper for lists across a user's organisations (installations will use it too)."""
    a, b = customers
    make_member(b.organisation, a.viewer.user, Membership.Role.ADMIN)
    invitations = Invitation.objects.all()
    assert set(scoped(invitations, a.owner.user)) == {a.invitation}
    assert set(scoped(invitations, a.viewer.user)) == {a.invitation, b.invitation}
    # As a viewer of A and an admin of B, the viewer manages only B's team.
    assert set(scoped(invitations, a.viewer.user, action=Action.MANAGE_TEAM)) == {b.invitation}
    mandates = SepaMandate.objects.all()
    assert set(scoped(mandates, a.admin.user)) == {a.mandate}
    memberships = Membership.objects.all()
    assert set(scoped(memberships, AnonymousUser())) == set()
