from django import template
from django.utils.translation import get_language

from consentserve.accounts.selectors import RegistrationNotice, registration_notice

register = template.Library()


@register.simple_tag
def registration_privacy_notice() -> RegistrationNotice:
    """The privacy notice of the registration page, in the page's language; allauth's signup
    view knows nothing of it."""
    return registration_notice(language=get_language())
