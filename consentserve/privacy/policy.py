"""The privacy policy, rendered from the register in German and English (R-REG-3) and
published as immutable, dated, hashed versions (R-REG-4).

Every sentence of the policy comes from the register as a {de, en} pair; the templates add only
headings and labels from the privacy app's message catalogue. Register texts reach the templates
as plain strings, so autoescaping covers them like any other variable.

The rendering follows the settings of the moment: an activity that is not in use (`in_use_if`)
keeps its number and heading but says only its `otherwise` text, and recipients only it refers to
are left out. A published version is the rendering under the settings at the time it was
published, so a changed setting gives a new version on the next publish.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from .models import PolicyVersion
from .register import (
    Activity,
    Basis,
    Citation,
    Cookie,
    Duration,
    Item,
    Organisation,
    Recipient,
    Register,
    Right,
    StatutoryPeriod,
    Text,
    get_register,
    in_use,
    recipients_in_use,
)

_UNITS: tuple[tuple[str, Callable[[int], str]], ...] = (
    ("years", lambda n: ngettext("%(count)d year", "%(count)d years", n)),
    ("months", lambda n: ngettext("%(count)d month", "%(count)d months", n)),
    ("weeks", lambda n: ngettext("%(count)d week", "%(count)d weeks", n)),
    ("days", lambda n: ngettext("%(count)d day", "%(count)d days", n)),
    ("hours", lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
)


class PolicyError(ValueError):
    """A version cannot be published as asked."""


def duration_text(duration: Duration | None) -> str:
    """A period in words of the active language; None is a cookie that ends with the session."""
    if duration is None:
        return gettext("until you close your browser")
    parts = [plural(n) % {"count": n} for unit, plural in _UNITS if (n := getattr(duration, unit))]
    return ", ".join(parts)


def _anchor(right_id: str) -> str:
    return "right-" + re.sub(r"[^0-9a-z]+", "-", right_id).strip("-")


class RegisterView:
    """The register in one language, shaped as plain strings and lists for the templates."""

    def __init__(self, register: Register, language: str):
        self.reg = register
        self.language = language

    def say(self, text: Text | None) -> str:
        return self.reg.resolve(text.get(self.language)) if text else ""

    def context(self) -> dict[str, Any]:
        return {
            "intro": [self.item(item) for item in self.reg.policy.intro],
            "chapters": [
                {
                    "id": f"section-{chapter.letter.lower()}",
                    "letter": chapter.letter,
                    "heading": self.say(chapter.heading),
                    "items": [self.item(item) for item in chapter.items],
                }
                for chapter in self.reg.policy.chapters
            ],
            "blocks": self.blocks(),
        }

    def item(self, item: Item) -> dict[str, Any]:
        if item.kind == "activity":
            activity = self.reg.activity(item.name)
            shaped = self.activity(activity) if in_use(activity) else self.not_in_use(activity)
            return {"kind": "activity", "activity": shaped}
        if item.kind == "block":
            return {"kind": "block", "template": f"privacy/blocks/{item.name}.html"}
        return {
            "kind": item.kind,
            "text": self.say(item.text),
            "texts": [self.say(t) for t in item.texts],
        }

    def activity(self, activity: Activity) -> dict[str, Any]:
        say = self.say
        recipients = [self.reg.recipient(r) for r in activity.recipients]
        device_classes = dict.fromkeys(c.tdddg for c in activity.cookies)
        return {
            "id": activity.id,
            "number": activity.section,
            "name": say(activity.name),
            "in_use": True,
            "description": [say(t) for t in activity.description],
            "cookies": [self.cookie(c, activity) for c in activity.cookies],
            "data": [say(t) for t in activity.data_categories],
            "subjects": [say(t) for t in activity.subjects],
            "purposes": [say(t) for t in activity.purposes],
            "device_access": [self.citation(self.reg.device_access[c]) for c in device_classes],
            "bases": [self.basis(b) for b in activity.bases],
            "recipients": [{"id": r.id, "name": say(r.name)} for r in recipients],
            "transfers": [
                {"name": say(r.name), "transfer": say(r.transfer)}
                for r in recipients
                if r.third_countries
            ],
            "no_transfer": say(self.reg.policy.no_transfer),
            "retention": say(activity.retention.description),
            "statutory_periods": [
                self.period(self.reg.statutory_period(p)) for p in activity.statutory_periods
            ],
            "holds": [say(self.reg.holds[kind]) for kind in activity.hold_types],
            "rights": [
                self.right(r) for r in self.reg.rights if activity.rights[r.id] in {"yes", "assess"}
            ],
            "assessments": [
                say(r.assess) for r in self.reg.rights if activity.rights[r.id] == "assess"
            ],
            "rights_note": say(activity.rights_note),
        }

    def not_in_use(self, activity: Activity) -> dict[str, Any]:
        """An activity switched off by its setting: its place in the policy and why it is empty."""
        return {
            "id": activity.id,
            "number": activity.section,
            "name": self.say(activity.name),
            "in_use": False,
            "otherwise": self.say(activity.in_use_if.otherwise),
        }

    def citation(self, citation: Citation) -> dict[str, str]:
        return {"citation": self.say(citation.citation), "label": self.say(citation.label)}

    def basis(self, basis: Basis) -> dict[str, str]:
        return {
            **self.citation(self.reg.legal_bases[basis.article]),
            "scope": self.say(basis.scope),
            "interest": self.say(basis.interest),
        }

    def cookie(self, cookie: Cookie, activity: Activity) -> dict[str, Any]:
        layers = (self.reg.device_access[cookie.tdddg], self.reg.legal_bases[activity.basis])
        return {
            "names": cookie.names,
            "purpose": self.say(cookie.purpose),
            "lifetime": duration_text(cookie.max_age),
            "party": cookie.party,
            "readers": [self.say(self.reg.recipient(r).name) for r in cookie.readable_by],
            "legal": [self.say(layer.citation) for layer in layers],
        }

    def period(self, period: StatutoryPeriod) -> dict[str, str]:
        return {
            "id": period.id,
            "records": self.say(period.records),
            "law": self.say(period.law),
            "period": duration_text(period.period),
        }

    def right(self, right: Right) -> dict[str, str]:
        return {
            "anchor": _anchor(right.id),
            "name": self.say(right.name),
            "citation": self.say(right.citation),
            "text": self.say(right.text),
        }

    def recipient(self, recipient: Recipient) -> dict[str, str]:
        return {
            "id": recipient.id,
            "name": self.say(recipient.name),
            "service": self.say(recipient.service),
            "role": recipient.role,
            "dpa": self.say(recipient.dpa),
            "location": self.say(recipient.location),
            "transfer": self.say(recipient.transfer),
        }

    def organisation(self, organisation: Organisation) -> dict[str, str]:
        return {
            "name": self.say(organisation.name),
            "street": organisation.street,
            "postcode": organisation.postcode,
            "city": organisation.city,
            "country": self.say(organisation.country),
            "phone": organisation.phone,
            "email": organisation.email,
            "url": organisation.url,
        }

    def blocks(self) -> dict[str, Any]:
        reg = self.reg
        return {
            "controller": self.organisation(reg.controller),
            "dpo": self.organisation(reg.dpo) if reg.dpo else None,
            "recipients": [self.recipient(r) for r in recipients_in_use(reg)],
            "statutory_periods": [self.period(p) for p in reg.statutory_periods],
            "rights": [self.right(r) for r in reg.rights],
            "complaint": {
                **self.right(reg.authority.right),
                "authority": self.organisation(reg.authority.organisation),
            },
            "privacy_email": reg.privacy_email,
        }


def render_policy(language: str, *, register: Register | None = None) -> str:
    """The whole policy body in one language, from the register alone."""
    reg = register or get_register()
    with translation.override(language):
        return render_to_string("privacy/policy.html", RegisterView(reg, language).context())


def _content_sha256(html_de: str, html_en: str) -> str:
    return hashlib.sha256((html_de + "\0" + html_en).encode()).hexdigest()


def policy_is_current() -> bool:
    """Whether the newest published version is what the register renders now. A changed setting
    (CONSENTSERVE_GA4_MEASUREMENT_ID) changes the rendering, so the website can load a service
    that the published policy does not describe yet."""
    last = PolicyVersion.objects.order_by("-number").first()
    return last is not None and last.content_sha256 == _content_sha256(*_rendered())


def _rendered() -> tuple[str, str]:
    return render_policy("de"), render_policy("en")


def policy_publish(*, effective_from: date | None = None) -> tuple[PolicyVersion, bool]:
    """Publish the register's current rendering as the next version, unless it equals the
    newest version. Returns the newest version and whether it was created now."""
    html_de, html_en = _rendered()
    content_sha256 = _content_sha256(html_de, html_en)
    today = timezone.localdate()
    effective_from = effective_from or today
    if effective_from < today:
        raise PolicyError("a new version cannot take effect in the past")
    with transaction.atomic():
        last = PolicyVersion.objects.select_for_update().order_by("-number").first()
        if last and last.content_sha256 == content_sha256:
            return last, False
        if last and effective_from < last.effective_from:
            raise PolicyError(
                f"version {last.number} takes effect on {last.effective_from}; "
                "a newer version cannot take effect before it"
            )
        version = PolicyVersion.objects.create(
            number=(last.number + 1) if last else 1,
            effective_from=effective_from,
            register_sha256=get_register().sha256,
            content_sha256=content_sha256,
            html_de=html_de,
            html_en=html_en,
        )
        return version, True


def policy_version(number: int | None = None) -> PolicyVersion:
    """A given version, or the newest one in force; the first visit publishes version 1."""
    if number is not None:
        try:
            return PolicyVersion.objects.get(number=number)
        except PolicyVersion.DoesNotExist:
            raise Http404("no such version") from None
    versions = PolicyVersion.objects.order_by("-number")
    current = versions.filter(effective_from__lte=timezone.localdate()).first()
    # Until the first version takes effect, it is still the one to read.
    return current or versions.last() or policy_publish()[0]


@dataclass(frozen=True)
class VersionEntry:
    number: int
    effective_from: date
    published_at: datetime
    content_sha256: str
    status: str  # "upcoming", "current" or "earlier"
    replaced_on: date | None  # for an earlier version: when the next one took effect


def policy_versions(*, today: date | None = None) -> list[VersionEntry]:
    """Every published version, newest first, with its place in time."""
    today = today or timezone.localdate()
    rows = list(
        PolicyVersion.objects.order_by("number").values_list(
            "number", "effective_from", "published_at", "content_sha256"
        )
    )
    current = max((number for number, since, *_ in rows if since <= today), default=None)
    entries = []
    for (number, since, published_at, sha256), following in zip(
        rows, [*rows[1:], None], strict=True
    ):
        if since > today:
            status = "upcoming"
        elif number == current:
            status = "current"
        else:
            status = "earlier"
        replaced_on = following[1] if status == "earlier" and following else None
        entries.append(VersionEntry(number, since, published_at, sha256, status, replaced_on))
    return entries[::-1]
