from django.urls import path
from django.utils.translation import gettext_lazy as _

from consentserve.privacy import views as privacy_views
from consentserve.privacy.requests import views as privacy_request_views

from . import views

app_name = "website"
urlpatterns = [
    path("", views.home, name="home"),
    path(_("features/"), views.features, name="features"),
    path(_("pricing/"), views.pricing, name="pricing"),
    path(_("quote/"), views.quote, name="quote"),
    path(_("quote/thanks/"), views.quote_thanks, name="quote-thanks"),
    path(_("imprint/"), views.imprint, name="imprint"),
    path(_("privacy/"), privacy_views.policy_page, name="privacy"),
    path(_("privacy/v<int:number>/"), privacy_views.policy_page, name="privacy-version"),
    path(_("privacy-request/"), privacy_request_views.request_form, name="privacy-request"),
    path(
        _("privacy-request/sent/"), privacy_request_views.request_sent, name="privacy-request-sent"
    ),
    path(
        _("privacy-request/confirm/<str:token>/"),
        privacy_request_views.request_verify,
        name="privacy-request-verify",
    ),
]
