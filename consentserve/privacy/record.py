"""The record of processing activities (Art. 30(1) GDPR), exported from the register as JSON and
PDF in German or English (issue 6, item 5).

It lists every activity, internal ones too, with what Art. 30(1)(a)–(g) asks: the controller and
its contacts, purposes, categories of data subjects and of personal data, recipients, transfers
to third countries with their safeguards, the periods for erasure and the security measures. The
stores (models) of each activity are listed as well, so the record names where the data live.

An activity that is not in use under the current settings (`in_use_if`) stays in the record in
full, marked as not in use with the setting that starts it: the record is the controller's own
documentation, and keeping the entry shows the supervisory authority what is prepared and what
would switch it on, while the mark keeps it from being read as processing that takes place. (The
public policy, in contrast, shows only the `otherwise` text; the Art. 15 report leaves it out.)
"""

import json
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .policy import RegisterView
from .register import Register, get_register, in_use


def processing_record(language: str, *, now: datetime | None = None) -> dict[str, Any]:
    reg = get_register()
    view = RegisterView(reg, language)
    with translation.override(language):
        return {
            "language": language,
            "generated_at": (now or timezone.now()).isoformat(timespec="seconds"),
            "register_sha256": reg.sha256,
            "controller": view.organisation(reg.controller),
            "privacy_email": reg.privacy_email,
            "dpo": view.organisation(reg.dpo) if reg.dpo else None,
            "activities": [_activity(reg, view, activity) for activity in reg.activities],
            "security_measures": [view.say(measure) for measure in reg.security_measures],
        }


def _activity(reg: Register, view: RegisterView, activity) -> dict[str, Any]:
    shaped = view.activity(activity)
    recipients = [view.recipient(reg.recipient(r)) for r in activity.recipients]
    return {
        "id": activity.id,
        "name": shaped["name"],
        "internal": activity.internal,
        "in_use": in_use(activity),
        # Why it is not in use and what starts it, for an activity not in use; else empty.
        "not_in_use": "" if in_use(activity) else view.say(activity.in_use_if.otherwise),
        "in_use_if_setting": activity.in_use_if.setting if activity.in_use_if else "",
        "purposes": shaped["purposes"],
        "legal_bases": shaped["bases"],
        "data_subjects": shaped["subjects"],
        "data_categories": shaped["data"],
        "source": view.say(activity.source),
        "recipients": recipients,
        "third_country_transfers": shaped["transfers"],
        "retention": shaped["retention"],
        "statutory_periods": shaped["statutory_periods"],
        "stores": [store.model for store in activity.stores],
    }


def record_json(language: str) -> bytes:
    return json.dumps(processing_record(language), ensure_ascii=False, indent=2).encode("utf-8")


def record_pdf(language: str) -> bytes:
    # WeasyPrint loads pango through cffi; imported here so nothing else pays for it.
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string("privacy/record/record.html", processing_record(language))
    return HTML(string=html).write_pdf()
