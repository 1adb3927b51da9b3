"""The back office is Django's admin under CONSENTserve's name, in German and English alike.
The stock admin calls itself "Django-Verwaltung"; allauth's apps and its Authenticator model
bring names that are English in every language ("MFA", "Authenticators") or clash with ours
(two "Konten" sections). They are named here, in the language of the request, without changing
allauth: app names are no part of any migration, and the model's names are set on its options at
start-up, not in its Meta, so `makemigrations` (which reads the declared Meta) sees no change."""

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# allauth's German leaves these in English; listed here they enter this app's catalogue, which
# Django prefers because the app comes before allauth in INSTALLED_APPS (as formal_german).
ALLAUTH_TERMS = (gettext_noop("TOTP Authenticator"),)

# The staff roles are groups whose names are data (privacy's migration 0005 creates them, and
# code finds them by name); the back office shows them translated.
STAFF_ROLE_NAMES = (
    gettext_noop("Privacy officer"),
    gettext_noop("Support"),
    gettext_noop("Accountant"),
)


def backoffice_site_install() -> None:
    admin.site.site_header = _("CONSENTserve back office")
    admin.site.site_title = _("CONSENTserve back office")
    admin.site.index_title = _("Overview")
    # No "View site" link to the root: the back office is not part of the public website.
    admin.site.site_url = None

    apps.get_app_config("account").verbose_name = _("Sign-in addresses")
    mfa = apps.get_app_config("mfa")
    mfa.verbose_name = _("Two-factor authentication")
    authenticator = mfa.get_model("Authenticator")
    authenticator._meta.verbose_name = _("second factor")
    authenticator._meta.verbose_name_plural = _("second factors")

    from .admin import SecondFactorAdmin

    if admin.site.is_registered(authenticator):
        admin.site.unregister(authenticator)
    admin.site.register(authenticator, SecondFactorAdmin)
