from datetime import date

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import USWDSFormMixin, formfield_with_limits
from core.languages import language_choices
from operations.models import AgentState, QueueSettings
from scheduling.forms import validate_calendar_day

MAX_REPORT_DAYS = 366


class QueueJoinForm(USWDSFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Interview language"), choices=language_choices)


class AgentStateForm(forms.Form):
    state = forms.ChoiceField(
        choices=[
            (state.value, state.label) for state in AgentState.State if state.value in ("available", "break", "offline")
        ]
    )


class QueueOpenForm(forms.Form):
    language = forms.ChoiceField(choices=language_choices)
    open = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


class QueueSettingsForm(USWDSFormMixin, forms.ModelForm):
    open_languages = forms.MultipleChoiceField(
        label=_("Talk-now queue open for"),
        choices=language_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = QueueSettings
        formfield_callback = formfield_with_limits
        fields = [
            "open_languages",
            "grace_seconds",
            "wrap_up_seconds",
            "confirm_at_position",
            "confirm_seconds",
            "wait_alert_minutes",
            "service_level_minutes",
        ]


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name


class BookingFindForm(forms.Form):
    # Like every CharField it refuses NUL characters, which PostgreSQL cannot compare.
    reference = forms.CharField()


class ReassignForm(USWDSFormMixin, forms.Form):
    agent = AgentChoiceField(
        label=_("Give the interview to"),
        queryset=User.objects.none(),
        empty_label=_("- Choose an agent -"),
        error_messages={"required": _("Choose an agent."), "invalid_choice": _("Choose an agent from the list.")},
    )

    def __init__(self, *args, agents: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents


class ReportForm(USWDSFormMixin, forms.Form):
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_calendar_day],
    )
    end = forms.DateField(
        label=_("Until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_calendar_day],
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise forms.ValidationError(_("The end date must not be before the start date."))
            if (end - start).days >= MAX_REPORT_DAYS:
                raise forms.ValidationError(_("Choose at most a year."))
        return data
