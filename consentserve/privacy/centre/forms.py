from django import forms
from django.utils.translation import gettext_lazy as _

from ..engine.objections import ObjectionTarget
from ..models import Restriction


class NameForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)


class RestrictionForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should we restrict the processing of your data?"),
        choices=Restriction.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ObjectionForm(forms.Form):
    target = forms.ChoiceField(label=_("What do you object to?"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Your grounds"),
        help_text=_(
            "Tell us the grounds relating to your particular situation. An objection to direct "
            "marketing needs none."
        ),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, targets: list[ObjectionTarget], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {t.id: t for t in targets}
        self.fields["target"].choices = [(t.id, t.name) for t in targets]

    def clean(self):
        data = super().clean()
        target = self.targets.get(data.get("target", ""))
        if target and target.reason_required and not data.get("reason", "").strip():
            self.add_error("reason", _("Please tell us your grounds for this objection."))
        return data


class ConsentWithdrawForm(forms.Form):
    store = forms.CharField(max_length=100, widget=forms.HiddenInput)
    consent = forms.CharField(max_length=64, widget=forms.HiddenInput)


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
