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

# Django's own German lacks these (newer strings of the user pages); translated in this app's
# catalogue, which fills what Django's leaves empty.
DJANGO_TERMS = (
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Set password: %s"),
    gettext_noop("Reset password"),
    gettext_noop("Set password"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, "
        "they may still be able to authenticate using other backends, such as Single Sign-On "
        "or LDAP."
    ),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop(
        "This action will <strong>enable</strong> password-based authentication for this user."
    ),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("In case you’ve forgotten, you are:"),
)

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
    # Django's German keeps "Sessions" (its permissions are listed on every staff member's page).
    apps.get_app_config("sessions").verbose_name = _("Sign-in sessions")
    mfa = apps.get_app_config("mfa")
    mfa.verbose_name = _("Two-factor authentication")
    authenticator = mfa.get_model("Authenticator")
    authenticator._meta.verbose_name = _("second factor")
    authenticator._meta.verbose_name_plural = _("second factors")

    from .admin import SecondFactorAdmin

    if admin.site.is_registered(authenticator):
        admin.site.unregister(authenticator)
    admin.site.register(authenticator, SecondFactorAdmin)
