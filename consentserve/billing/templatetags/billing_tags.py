from django import template

from ..documents import money

register = template.Library()


@register.filter
def cents(value) -> str:
    """An amount in cents as money in the active language: 1900 -> 19,00 € / €19.00."""
    return money(int(value or 0))
