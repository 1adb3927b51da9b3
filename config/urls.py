from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from consentserve.analytics import backoffice as analytics_backoffice
from consentserve.api import docs as api_docs
from consentserve.api.api import api as api_v1
from consentserve.api.export_download import export_download
from consentserve.banner.loader import loader
from consentserve.collector.self_service import consent_records
from consentserve.privacy import backoffice as privacy_backoffice
from consentserve.website import views as website_views

urlpatterns = [
    path("lang/<str:code>/", website_views.choose_language, name="choose-language"),
    # Before the admin's own routes, which would answer 404 for these.
    path(
        "backoffice/privacy/retention/",
        privacy_backoffice.retention_dashboard,
        name="backoffice-retention",
    ),
    path(
        "backoffice/privacy/record-<str:language>.<str:fmt>",
        privacy_backoffice.processing_record_download,
        name="backoffice-processing-record",
    ),
    path("backoffice/analytics/", analytics_backoffice.dashboard, name="backoffice-analytics"),
    path("backoffice/", admin.site.urls),
    # The customer API (docs/api.md): one URL for every language, so outside i18n_patterns.
    path("api/v1/docs/assets/<str:name>", api_docs.docs_asset, name="api-docs-asset"),
    path("api/v1/", api_v1.urls),
    # A finished consent export, by signed link (portal and API alike; consentserve/api).
    path("exports/<str:token>/", export_download, name="consent-export-download"),
    # A visitor's own consent records (Art. 15, 7(3)); before the loader, which takes any /c/….js.
    path(
        "c/<str:public_key>/records/<str:consent_id>/",
        consent_records,
        name="consent-self-service",
    ),
    # Any text before ".js" reaches the loader, which answers a JavaScript 404 for bad keys.
    re_path(r"^c/(?P<public_key>.*)\.js$", loader, name="banner-loader"),
]
urlpatterns += i18n_patterns(
    path("account/", include("allauth.urls")),
    path("portal/privacy/", include("consentserve.privacy.centre.urls")),
    path("portal/", include("consentserve.portal.urls")),
    path("", include("consentserve.website.urls")),
    prefix_default_language=True,
)

handler400 = "consentserve.website.views.bad_request"
handler403 = "consentserve.website.views.forbidden"
handler404 = "consentserve.website.views.not_found"
handler500 = "consentserve.website.views.server_error"
