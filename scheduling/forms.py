from datetime import date, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import USWDSFormMixin, formfield_with_limits
from core.languages import language_choices
from scheduling.models import DateException, InterviewSettings, Weekday
from scheduling.selectors import FIRST_DAY, LAST_DAY

RANGES_PER_DAY = 3


def validate_calendar_day(value: date) -> None:
    """Refuse days outside the years pages handle (FIRST_DAY to LAST_DAY)."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(
            _("Choose a date from %(first)s to %(last)s."),
            code="out_of_range",
            params={"first": FIRST_DAY.year, "last": LAST_DAY.year},
        )


class WeekForm(forms.Form):
    """The day whose week a calendar shows, from its link (?week=YYYY-MM-DD)."""

    week = forms.DateField(input_formats=["%Y-%m-%d"], validators=[validate_calendar_day])


class ChooseTimeForm(forms.Form):
    starts_at = forms.CharField(
        error_messages={"required": _("Choose a time from the list.")},
    )

    def clean_starts_at(self) -> datetime:
        raw = self.cleaned_data["starts_at"]
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(_("Choose a time from the list.")) from None
        if value.tzinfo is None:
            raise forms.ValidationError(_("Choose a time from the list."))
        return value


class BookingForm(ChooseTimeForm):
    language = forms.ChoiceField(choices=language_choices)


class LanguageFilterForm(USWDSFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Interview language"), choices=language_choices)


class InterviewSettingsForm(USWDSFormMixin, forms.ModelForm):
    languages_offered = forms.MultipleChoiceField(
        label=_("Languages offered"), choices=language_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = InterviewSettings
        formfield_callback = formfield_with_limits
        fields = [
            "interview_minutes",
            "buffer_minutes",
            "minimum_notice_minutes",
            "horizon_days",
            "granularity_minutes",
            "join_window_minutes",
            "no_show_grace_minutes",
            "agent_daily_limit",
            "languages_offered",
        ]


class WeeklyHoursForm(USWDSFormMixin, forms.Form):
    """Up to three ranges for each day of the week, as wall-clock times."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            for index in range(RANGES_PER_DAY):
                for part, label in (("start", _("from")), ("end", _("until"))):
                    self.fields[f"d{day.value}_{index}_{part}"] = forms.TimeField(
                        label=f"{day.label} {label}",
                        required=False,
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    @classmethod
    def initial_from(cls, hours) -> dict:
        initial, used = {}, {}
        for row in hours:
            index = used.get(row.weekday, 0)
            if index < RANGES_PER_DAY:
                initial[f"d{row.weekday}_{index}_start"] = row.start
                initial[f"d{row.weekday}_{index}_end"] = row.end
                used[row.weekday] = index + 1
        return initial

    def rows(self) -> list[tuple[str, list[tuple]]]:
        """The fields laid out as days of ranges, for the template."""
        return [
            (
                day.label,
                [(self[f"d{day.value}_{i}_start"], self[f"d{day.value}_{i}_end"]) for i in range(RANGES_PER_DAY)],
            )
            for day in Weekday
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        ranges = []
        for day in Weekday:
            for index in range(RANGES_PER_DAY):
                start = cleaned.get(f"d{day.value}_{index}_start")
                end = cleaned.get(f"d{day.value}_{index}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(f"d{day.value}_{index}_start", _("Give both a start and an end time."))
                elif end <= start:
                    self.add_error(f"d{day.value}_{index}_end", _("The end must be after the start."))
                else:
                    ranges.append((day.value, start, end))
        cleaned["ranges"] = ranges
        return cleaned


class DateExceptionForm(USWDSFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of change?"),
        choices=DateException.Kind.choices,
        widget=forms.RadioSelect,
        initial=DateException.Kind.TIME_OFF,
    )
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    whole_day = forms.BooleanField(label=_("The whole day (time off only)"), required=False)
    start = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today  # in the agent's time zone

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if day < self.today:
            raise forms.ValidationError(_("Choose today or a later date."))
        validate_calendar_day(day)
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("whole_day"):
            if cleaned.get("kind") == DateException.Kind.EXTRA:
                self.add_error("whole_day", _("Extra hours need a start and an end time."))
            cleaned["start"] = cleaned["end"] = None
        elif cleaned.get("start") is None or cleaned.get("end") is None:
            self.add_error("start", _("Give both times, or choose the whole day."))
        elif cleaned["end"] <= cleaned["start"]:
            self.add_error("end", _("The end must be after the start."))
        return cleaned
