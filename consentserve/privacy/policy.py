"""The privacy policy, rendered from the register in German and English (R-REG-3) and
published as immutable, dated, hashed versions (R-REG-4)."""

import hashlib

from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import PolicyVersion
from .register import get_register


def render_policy(language: str) -> str:
    reg = get_register()
    with translation.override(language):
        return render_to_string(
            "privacy/policy.html", {"register": reg, "activities": reg.activities, "lang": language}
        )


def policy_publish(*, effective_from=None) -> PolicyVersion:
    """Snapshot the register's current rendering as the next version."""
    html_de, html_en = render_policy("de"), render_policy("en")
    with transaction.atomic():
        last = PolicyVersion.objects.select_for_update().order_by("-number").first()
        return PolicyVersion.objects.create(
            number=(last.number + 1) if last else 1,
            effective_from=effective_from or timezone.localdate(),
            register_sha256=get_register().sha256,
            content_sha256=hashlib.sha256((html_de + "\0" + html_en).encode()).hexdigest(),
            html_de=html_de,
            html_en=html_en,
        )


def policy_version(number: int | None = None) -> PolicyVersion:
    """A given version, or the newest one in force; the first visit publishes version 1."""
    if number is not None:
        try:
            return PolicyVersion.objects.get(number=number)
        except PolicyVersion.DoesNotExist:
            raise Http404("no such version") from None
    today = timezone.localdate()
    current = PolicyVersion.objects.filter(effective_from__lte=today).order_by("-number").first()
    return current or policy_publish()
