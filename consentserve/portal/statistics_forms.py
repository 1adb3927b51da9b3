"""The statistics page's filter: a preset period or the dates of one (core/periods.py), and
what to narrow the decisions to (language, device class, version)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentserve.collector import statistics as stats
from consentserve.collector.models import DeviceClass
from consentserve.core.periods import PeriodForm
from consentserve.installations.config import LANGUAGES

from .consent_forms import LANGUAGE_NAMES


class StatisticsFilterForm(PeriodForm):
    """The last 7, 30 or 90 days or a period of the user's own, and what to narrow the
    decisions to. Without either, the last 30 days."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("all"))] + [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    device = forms.ChoiceField(
        label=gettext_lazy("Device class"),
        required=False,
        choices=[("", gettext_lazy("all"))] + list(DeviceClass.choices),
    )
    version = forms.TypedChoiceField(
        label=gettext_lazy("Version"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, versions=(), initial=None):
        """`versions`: the numbers of the installation's published versions."""
        super().__init__(data, initial=initial)
        self.fields["version"].choices = [("", _("all"))] + [
            (str(number), _("Version %(number)s") % {"number": number}) for number in versions
        ]

    def narrowing(self) -> stats.Narrowing:
        data = self.cleaned_data if self.is_bound else {}
        return stats.Narrowing(
            language=data.get("language") or None,
            device=data.get("device") or None,
            version=data.get("version"),
        )

    def narrowing_query(self) -> dict:
        """The narrowing filters given, for links that keep them (presets, CSV)."""
        if not self.is_bound:
            return {}
        names = ("language", "device", "version")
        return {name: self.data[name] for name in names if self.data.get(name)}


def errors_text(form) -> str:
    problems = [" ".join(form.non_field_errors())] if form.non_field_errors() else []
    problems += [
        f"{form.fields[name].label}: {' '.join(messages)}"
        for name, messages in form.errors.items()
        if name in form.fields
    ]
    return "; ".join(problems)
