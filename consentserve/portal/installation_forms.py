"""Forms of the portal's installation pages and designer. They check what a customer types;
the installations services check the draft as a whole (config.draft_validate) once more."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consentserve.installations.config import (
    LANGUAGES,
    MAX_LIFETIME_DAYS,
    POSITIONS,
    TEXT_KEYS,
    THEME_COLOURS,
)
from consentserve.installations.domains import domain_pattern_clean
from consentserve.installations.linter import LANGUAGE_NAMES
from consentserve.installations.models import CONSENT_RETENTION_BOUNDS, CONSENT_RETENTION_YEARS

LANGUAGE_CHOICES = [(lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES]
TEXT_LABELS = {
    "title": _("Title"),
    "body": _("Text"),
    "accept_all": _("Button 'accept all'"),
    "reject_all": _("Button 'reject all'"),
    "settings": _("Button 'settings'"),
    "save": _("Button 'save selection'"),
    "privacy_label": _("Link text of the privacy policy"),
    "privacy_url": _("Address of the privacy policy"),
    "imprint_label": _("Link text of the imprint"),
    "imprint_url": _("Address of the imprint"),
    "reopen_label": _("Label of the button that reopens the banner"),
    "services_count": _("Number of services ({n} stands for the number)"),
    "services_count_one": _("Number of services when there is exactly one, e.g. '{n} service'"),
}
COLOUR_LABELS = {
    "background": _("Background"),
    "text": _("Text"),
    "accent": _("Buttons"),
    "accent_text": _("Button text"),
}
POSITION_LABELS = {"bottom": _("Bottom"), "top": _("Top"), "center": _("Centre")}
MAX_TEXT = 2000
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class DomainField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault(
            "help_text",
            _("A host such as example.com, or *.example.com for all its subdomains."),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return domain_pattern_clean(super().clean(value))


class InstallationCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For you only, e.g. the name of the website.")
    )
    domain = DomainField(label=_("First domain"))


class SettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The banner follows the language of the page, if offered."),
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=LANGUAGE_CHOICES,
        help_text=_("Shown when the page's language is not offered."),
    )
    lifetime_days = forms.IntegerField(
        label=_("Consent lifetime in days"), min_value=1, max_value=MAX_LIFETIME_DAYS
    )
    gpc = forms.BooleanField(
        label=_("Honour the Global Privacy Control signal as a rejection"), required=False
    )
    reopen_button = forms.BooleanField(
        label=_("Show a floating button that reopens the banner"), required=False
    )
    consent_mode = forms.BooleanField(label=_("Send Google Consent Mode signals"), required=False)
    consent_retention_years = forms.IntegerField(
        label=_("Keep consent records for (years after the consent ended)"),
        min_value=CONSENT_RETENTION_BOUNDS[0],
        max_value=CONSENT_RETENTION_BOUNDS[1],
    )
    analytics_enabled = forms.BooleanField(
        label=_("Website analytics"),
        required=False,
        help_text=_(
            "Counts page views of your website without cookies, only for visitors who "
            "consented to statistics in this banner. Takes effect at once, without publishing."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per request, in the language of the page.
        self.fields["lifetime_days"].help_text = _(
            "After this time the banner asks again (at most %(days)d days)."
        ) % {"days": MAX_LIFETIME_DAYS}
        self.fields["consent_retention_years"].help_text = _(
            "Records are deleted once this many years have passed since the end of the year in "
            "which the consent ended. %(default)d years is the limitation period in which you "
            "may have to prove a consent. Takes effect at once, without publishing."
        ) % {"default": CONSENT_RETENTION_YEARS}

    def clean(self):
        data = super().clean()
        languages = data.get("languages") or []
        if data.get("default_language") and languages and data["default_language"] not in languages:
            self.add_error("default_language", _("Choose one of the languages offered."))
        return data


class DomainForm(forms.Form):
    pattern = DomainField(label=_("Domain"))


class CategoryForm(forms.Form):
    category_id = forms.CharField(
        label=_("ID"),
        max_length=63,
        help_text=_("Lower-case letters, digits, hyphens and underscores, e.g. social-media."),
    )
    label_de = forms.CharField(label=_("Name (German)"), max_length=100)
    label_en = forms.CharField(label=_("Name (English)"), max_length=100)
    description_de = forms.CharField(
        label=_("Description (German)"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_category_id(self):
        return self.cleaned_data["category_id"].strip().lower()


def _category_choices(draft: dict, lang: str) -> list[tuple[str, str]]:
    return [
        (category["id"], category["label"].get(lang) or category["id"])
        for category in draft["categories"]
    ]


class CatalogServiceForm(forms.Form):
    service_id = forms.CharField(max_length=63)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, draft: dict, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("its catalog category"))] + _category_choices(
            draft, lang
        )


class MoveForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args, draft: dict, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices(draft, lang)


class MeasurementIdForm(forms.Form):
    """The GA4 service's measurement ID; empty removes it (the services check its form)."""

    measurement_id = forms.CharField(
        label=_("Measurement ID"),
        max_length=40,
        required=False,
        help_text=_(
            "With a measurement ID, the banner loads Google's tag itself after consent, with "
            "Consent Mode v2; do not embed gtag.js yourself. Leave empty to embed it yourself, "
            'blocked as <script type="text/plain" data-consent="google-analytics-4" …>.'
        ),
        widget=forms.TextInput(attrs={"placeholder": "G-ABC123XYZ", "autocomplete": "off"}),
    )


class CustomServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    provider = forms.CharField(
        label=_("Provider"),
        max_length=300,
        required=False,
        help_text=_("Name and address; empty when you run the software yourself."),
    )
    category = forms.ChoiceField(label=_("Category"))
    purpose_de = forms.CharField(label=_("Purpose (German)"), max_length=MAX_TEXT)
    purpose_en = forms.CharField(label=_("Purpose (English)"), max_length=MAX_TEXT)
    transfer_de = forms.CharField(
        label=_("Transfer to third countries (German)"),
        max_length=300,
        help_text=_("E.g. 'Keine Übermittlung in Drittländer.'"),
    )
    transfer_en = forms.CharField(
        label=_("Transfer to third countries (English)"),
        max_length=300,
        help_text=_("E.g. 'No transfer to third countries.'"),
    )
    privacy_url = forms.URLField(
        label=_("Address of the provider's privacy policy"),
        required=False,
        assume_scheme="https",
    )
    cookies = forms.CharField(
        label=_("Cookies"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One cookie per line: name | lifetime in German | lifetime in English, e.g. "
            "_pk_id | 13 Monate | 13 months. * in a name stands for any characters."
        ),
    )

    def __init__(self, *args, draft: dict, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices(draft, lang)

    def clean_privacy_url(self):
        url = self.cleaned_data["privacy_url"]
        if url and not url.startswith(("https://", "http://")):
            raise ValidationError(_("Enter a web address starting with https://."))
        return url

    def clean_cookies(self):
        cookies = []
        for number, line in enumerate(self.cleaned_data["cookies"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or not all(parts):
                raise ValidationError(
                    _(
                        "Line %(number)d: write the name, the lifetime in German and in English, "
                        "separated by |."
                    )
                    % {"number": number}
                )
            name, lifetime_de, lifetime_en = parts
            cookies.append(
                {
                    "name": name,
                    "pattern": "*" in name,
                    "lifetime": {"de": lifetime_de, "en": lifetime_en},
                }
            )
        return cookies

    def service(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "name": data["name"].strip(),
            "provider": data["provider"].strip(),
            "purpose": {"de": data["purpose_de"].strip(), "en": data["purpose_en"].strip()},
            "privacy_url": data["privacy_url"],
            "cookies": data["cookies"],
            "storage": [],
            "consent_mode": [],
            "transfer": {"de": data["transfer_de"].strip(), "en": data["transfer_en"].strip()},
        }


def text_field_name(lang: str, key: str) -> str:
    return f"texts_{lang}_{key}"


def theme_field_name(key: str) -> str:
    return f"theme_{key}"


def field_for_path(path: str) -> str | None:
    """The designer's field for a path of config.draft_validate or of a linter finding."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "texts":
        return text_field_name(parts[1], parts[2])
    if len(parts) == 2 and parts[0] == "theme":
        return theme_field_name(parts[1])
    return None


class DesignForm(forms.Form):
    """Texts of each language offered and the theme: what the live preview shows. Fields that
    are not sent keep their value, so a form with some fields is a partial change."""

    def __init__(self, *args, draft: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = list(draft["languages"])
        for lang in self.languages:
            for key in TEXT_KEYS:
                widget = forms.Textarea(attrs={"rows": 5}) if key == "body" else forms.TextInput
                self.fields[text_field_name(lang, key)] = forms.CharField(
                    label=TEXT_LABELS[key],
                    max_length=MAX_TEXT,
                    required=False,
                    strip=False,
                    widget=widget,
                )
        for key in THEME_COLOURS:
            self.fields[theme_field_name(key)] = forms.CharField(
                label=COLOUR_LABELS[key], max_length=7
            )
        self.fields["theme_radius"] = forms.IntegerField(
            label=_("Corner radius in pixels"), min_value=0, max_value=32
        )
        self.fields["theme_position"] = forms.ChoiceField(
            label=_("Position"), choices=[(p, POSITION_LABELS[p]) for p in POSITIONS]
        )
        texts = draft["texts"]
        theme = draft["theme"]
        for lang in self.languages:
            for key in TEXT_KEYS:
                self.initial[text_field_name(lang, key)] = texts.get(lang, {}).get(key, "")
        for key in (*THEME_COLOURS, "radius", "position"):
            self.initial[theme_field_name(key)] = theme.get(key)
        self.sent: list[str] = []
        if self.is_bound:
            # Absent fields are not part of this change: they keep what the draft has.
            for name in self.fields:
                if name not in self.data:
                    self.fields[name].required = False
            self.sent = [name for name in self.fields if name in self.data]

    def clean(self):
        data = super().clean()
        for key in THEME_COLOURS:
            name = theme_field_name(key)
            value = data.get(name)
            if name in self.sent and value is not None and not _COLOUR.match(value.strip()):
                self.add_error(name, _("Enter a colour such as #0f766e."))
        return data

    def draft_with_changes(self, draft: dict) -> dict:
        """A copy of `draft` with what was sent."""
        draft = {**draft, "texts": {k: dict(v) for k, v in draft["texts"].items()}}
        draft["theme"] = dict(draft["theme"])
        for lang in self.languages:
            texts = draft["texts"].setdefault(lang, {})
            for key in TEXT_KEYS:
                name = text_field_name(lang, key)
                if name in self.sent:
                    texts[key] = self.cleaned_data[name]
        for key in (*THEME_COLOURS, "radius", "position"):
            name = theme_field_name(key)
            if name in self.sent:
                value = self.cleaned_data[name]
                draft["theme"][key] = value.strip().lower() if key in THEME_COLOURS else value
        return draft
