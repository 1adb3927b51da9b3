from django import template
from django.db import DatabaseError

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
