from django import template
from django.db import DatabaseError
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def signed_in(context) -> bool:
    """Whether the header offers the portal or the sign-in. Error pages use the same header, and
    the one for a database outage must still render: then it offers the sign-in."""
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return False
    try:
        return request.user.is_authenticated
    except DatabaseError:
        return False


@register.simple_tag
def localised(value) -> str:
    """A text of a banner configuration in the page's language: one string (the same in every
    language), or one per language, e.g. a catalog provider whose country's name differs."""
    if isinstance(value, dict):
        return value.get(get_language()) or next(iter(value.values()), "")
    return value or ""
