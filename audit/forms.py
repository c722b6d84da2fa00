from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import USWDSFormMixin


class AuditFilterForm(USWDSFormMixin, forms.Form):
    action = forms.CharField(
        label=_("Action"), max_length=60, required=False, help_text=_("For example: verification.")
    )
    actor = forms.CharField(label=_("Done by (email)"), max_length=254, required=False)
    reference = forms.CharField(label=_("Interview reference"), max_length=7, required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Inclusive."),
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Inclusive."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end date must not be before the start date."))
        return data
