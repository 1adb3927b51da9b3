"""allauth messages a customer can meet whose German allauth words informally ("du").

Rendered German addresses the reader as "Sie" throughout (requirements, defect 11). Listing the
messages here puts them into this app's catalogue, where they are translated formally; Django
prefers this app's catalogue because the app comes before allauth in INSTALLED_APPS. The mails
allauth sends are this app's own templates (templates/account/email/).
"""

from django.utils.translation import gettext_noop

ALLAUTH_MESSAGES = (
    gettext_noop("You cannot remove your primary email address."),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("Please type your current password."),
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("Your primary email address must be verified."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Be patient, you are sending too many requests."),
    gettext_noop("You must type the same password each time."),
    gettext_noop("The new value must be different from the current one."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("You have signed out."),
)
