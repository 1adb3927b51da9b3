from django import template
from django.utils.translation import get_language

from consentserve.privacy.notices import CollectionNotice, collection_notice

register = template.Library()


@register.simple_tag
def privacy_notice(activity_id: str) -> CollectionNotice:
    """`{% privacy_notice "quote-requests" as notice %}`, in the page's language."""
    return collection_notice(activity_id, language=get_language())
