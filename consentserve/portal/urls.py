from django.urls import path

from consentserve.analytics import portal_views as analytics

from . import api_key_views as api_keys
from . import consent_views as consents
from . import installation_views as inst
from . import scan_views as scans
from . import statistics_views as statistics
from . import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("o/<int:org_id>/", views.organisation, name="organisation"),
    path("o/<int:org_id>/installations/", inst.installation_list, name="installations"),
    path(
        "o/<int:org_id>/installations/new/",
        inst.installation_create,
        name="installation-create",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/",
        inst.installation_detail,
        name="installation",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/scans/",
        scans.scan_list,
        name="installation-scans",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/scans/new/",
        scans.scan_create,
        name="installation-scan-create",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/scans/<int:scan_id>/",
        scans.scan_detail,
        name="installation-scan",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/scans/<int:scan_id>/report.pdf",
        scans.scan_report_pdf,
        name="installation-scan-report",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/scans/<int:scan_id>/"
        "screenshots/<str:name>",
        scans.scan_screenshot,
        name="installation-scan-screenshot",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/settings/",
        inst.installation_settings,
        name="installation-settings",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/domains/",
        inst.domain_add,
        name="installation-domain-add",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/domains/<int:domain_id>/remove/",
        inst.domain_remove,
        name="installation-domain-remove",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/categories/",
        inst.category_add,
        name="installation-category-add",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/categories/<str:category_id>/remove/",
        inst.category_remove,
        name="installation-category-remove",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/services/catalog/",
        inst.service_add_from_catalog,
        name="installation-service-catalog",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/services/custom/",
        inst.service_add_custom,
        name="installation-service-custom",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/services/<str:service_id>/remove/",
        inst.service_remove,
        name="installation-service-remove",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/services/<str:service_id>/category/",
        inst.service_move,
        name="installation-service-move",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/services/<str:service_id>/"
        "measurement-id/",
        inst.service_measurement_id,
        name="installation-service-measurement-id",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/design/",
        inst.design_update,
        name="installation-design",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/checks/",
        inst.checks,
        name="installation-checks",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/publish/",
        inst.publish,
        name="installation-publish",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/preview/",
        inst.preview_page,
        name="installation-preview",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/preview.js",
        inst.preview_script,
        name="installation-preview-script",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/versions/<int:version_number>/",
        inst.version_detail,
        name="installation-version",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/diff/",
        inst.version_diff,
        name="installation-diff",
    ),
    path("o/<int:org_id>/consents/", consents.consent_log, name="consents"),
    path("o/<int:org_id>/consents/exports/", consents.consent_exports, name="consent-exports"),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/consents/",
        consents.installation_consent_log,
        name="consents-installation",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/consents/<int:record_id>/",
        consents.consent_proof,
        name="consent-proof",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/consents/<int:record_id>/proof.json",
        consents.consent_proof_download,
        name="consent-proof-download",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/consents/<int:record_id>/preview/",
        consents.consent_proof_preview,
        name="consent-proof-preview",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/consents/<int:record_id>/preview.js",
        consents.consent_proof_script,
        name="consent-proof-preview-script",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/statistics/",
        statistics.installation_statistics,
        name="installation-statistics",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/statistics.csv",
        statistics.installation_statistics_csv,
        name="installation-statistics-csv",
    ),
    path(
        "o/<int:org_id>/installations/<int:installation_id>/analytics/",
        analytics.installation_analytics,
        name="installation-analytics",
    ),
    path("o/<int:org_id>/team/", views.team, name="team"),
    path("o/<int:org_id>/team/invite/", views.invitation_create, name="invitation-create"),
    path(
        "o/<int:org_id>/team/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("o/<int:org_id>/team/<int:member_id>/role/", views.member_role, name="member-role"),
    path("o/<int:org_id>/team/<int:member_id>/remove/", views.member_remove, name="member-remove"),
    path("o/<int:org_id>/team/transfer/", views.ownership_transfer, name="ownership-transfer"),
    path("o/<int:org_id>/leave/", views.organisation_leave, name="organisation-leave"),
    path("o/<int:org_id>/company/", views.company_details, name="company-details"),
    path("o/<int:org_id>/account/", views.account, name="account"),
    path("o/<int:org_id>/payment/", views.payment_details, name="payment-details"),
    path(
        "o/<int:org_id>/payment/replace/",
        views.payment_details_replace,
        name="payment-details-replace",
    ),
    path("o/<int:org_id>/invoices/", views.invoices, name="invoices"),
    path("o/<int:org_id>/invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("o/<int:org_id>/plan/", views.plan, name="plan"),
    path("o/<int:org_id>/api/", api_keys.api_keys, name="api-keys"),
    path("o/<int:org_id>/api/new/", api_keys.api_key_create, name="api-key-create"),
    path(
        "o/<int:org_id>/api/<int:api_key_id>/revoke/",
        api_keys.api_key_revoke,
        name="api-key-revoke",
    ),
]
