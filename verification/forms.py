from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import USWDSFormMixin
from verification.models import DocumentType, EvidenceItem, OneTimeCode, Verification, VerificationOutcome


class EvidenceForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = EvidenceItem
        fields = ["document_type", "issuer", "unexpired", "security_features_checked", "photo_matches"]
        help_texts = {"issuer": _("For example: U.S. Department of State, or the state that issued it.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = DocumentType.choices


class EvidenceRemoveForm(forms.Form):
    evidence = forms.IntegerField(min_value=1)


class ChallengeMarkForm(forms.Form):
    challenge = forms.IntegerField(min_value=1)
    result = forms.ChoiceField(choices=[("passed", _("Passed")), ("failed", _("Failed"))])


class CodeSendForm(forms.Form):
    channel = forms.ChoiceField(choices=OneTimeCode.Channel.choices)


class CodeCheckForm(USWDSFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code the person read out"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits of the code."))
        return code


class ChecklistForm(USWDSFormMixin, forms.ModelForm):
    """The fraud reason and the notes; the confirmation boxes come from the steps table (verification.steps)."""

    class Meta:
        model = Verification
        fields = ["fraud_reason", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "notes": _(
                "Write what was checked and said. Do not describe the person's face, body or other physical features."
            )
        }

    def clean(self) -> dict:
        data = super().clean()
        if data.get("fraud_flag") and not data.get("fraud_reason", "").strip():
            self.add_error("fraud_reason", _("Say why you suspect fraud."))
        return data


class OutcomeForm(USWDSFormMixin, forms.Form):
    result = forms.ChoiceField(label=_("Outcome"), choices=VerificationOutcome.Result.choices, widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(
        label=_("Reasons (for not verified)"),
        choices=VerificationOutcome.Reason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up = forms.CharField(
        label=_("What to bring next time (for inconclusive)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean()
        result = data.get("result")
        if result == VerificationOutcome.Result.NOT_VERIFIED and not data.get("reasons"):
            self.add_error("reasons", _("Choose at least one reason."))
        if result == VerificationOutcome.Result.INCONCLUSIVE and not data.get("follow_up", "").strip():
            self.add_error("follow_up", _("Say what the person should bring next time."))
        return data


class ReportForm(USWDSFormMixin, forms.Form):
    details = forms.CharField(
        label=_("What happened?"),
        help_text=_("For example: you did not have an interview that day. We will look into it and contact you."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
