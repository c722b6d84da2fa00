import re
from datetime import date

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import TIME_ZONE_CHOICES, TaxpayerProfile, User
from core.forms import USWDSFormMixin
from core.languages import language_choices


class SignupForm(USWDSFormMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Full legal name"),
        max_length=150,
        help_text=_("As it appears on your identity documents."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. Avoid common words and your own name or email."),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=language_choices)
    time_zone = forms.ChoiceField(label=_("Your time zone"), choices=TIME_ZONE_CHOICES)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(USWDSFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            self.user = authenticate(self.request, email=email.lower(), password=password)
            if self.user is None:
                waiting = User.objects.filter(email__iexact=email, is_active=False).first()
                if waiting is not None and waiting.email_verified_at is None and waiting.check_password(password):
                    raise forms.ValidationError(
                        _("Confirm your email address first: open the link we sent you. You can ask for a new link."),
                        code="unverified",
                    )
                raise forms.ValidationError(_("The email address or password is not correct."), code="invalid_login")
        return cleaned


class CodeInput(forms.TextInput):
    """A one-time code field that comes back empty after an error: a refused code is typed anew."""

    def get_context(self, name: str, value, attrs: dict | None) -> dict:
        return super().get_context(name, None, attrs)


class CodeForm(USWDSFormMixin, forms.Form):
    code = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows, for example 123456.")},
        widget=CodeInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "7", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "")


class ResendVerificationForm(USWDSFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


LOCKED_HINT = _("Checked in your identity interview, so it cannot be changed here.")
# Working hours are wall-clock times in the agent's zone: a new zone keeps 9:00 at 9:00 there.
HOURS_KEEP_CLOCK_TIMES = _(
    "Working hours and time off keep their clock times in the new time zone (9:00 stays 9:00). "
    "Interviews already booked keep their time."
)


class ProfileForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "time_zone"]

    def __init__(self, *args, identity_locked: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if identity_locked:
            self.fields["full_name"].disabled = True
            self.fields["full_name"].help_text = LOCKED_HINT
        if self.instance.is_agent:
            self.fields["time_zone"].help_text = HOURS_KEEP_CLOCK_TIMES


# North American numbers: the area code and the exchange never start with 0 or 1.
_NANP = re.compile(r"[2-9][0-9]{2}[2-9][0-9]{6}")


class PhoneField(forms.CharField):
    """A phone number as people type it, cleaned to international form (+15185550142).

    A number without + is a U.S. one (ten digits, or eleven starting with 1); any other
    country needs + and its country code."""

    default_error_messages = {
        "invalid": _(
            "Enter a U.S. number with its area code, such as (202) 555-0143, "
            "or + and the country code for another country."
        ),
    }

    def __init__(self, **kwargs) -> None:
        # Room for the spaces, dots and brackets people type; the cleaned number is at most 16.
        kwargs["max_length"] = 30
        super().__init__(**kwargs)

    def to_python(self, value: str | None) -> str:
        value = super().to_python(value)
        if not value:
            return value
        if not re.fullmatch(r"\+?[0-9 ().-]+", value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        digits = re.sub(r"[^0-9]", "", value)
        if not value.startswith("+") and len(digits) == 10:
            digits = f"1{digits}"  # a U.S. number typed without its country code
        if digits.startswith("1"):
            valid = bool(_NANP.fullmatch(digits[1:]))
        else:
            valid = value.startswith("+") and bool(re.fullmatch(r"[2-9][0-9]{7,14}", digits))
        if not valid:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return f"+{digits}"


class TaxpayerNeedsForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = TaxpayerProfile
        fields = ["phone", "needs_captions", "needs_sign_language", "audio_only", "other_needs"]
        field_classes = {"phone": PhoneField}
        help_texts = {
            "phone": _(
                "Type a U.S. number as usual, for example (202) 555-0143. For another country, start with + "
                "and the country code. We only use it to send you a one-time code during your interview."
            ),
            "audio_only": _("Choose this if you have no camera. Some checks cannot be done without video."),
        }
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}


class ClaimedIdentityForm(USWDSFormMixin, forms.ModelForm):
    """The identity the taxpayer claims; the agent checks it against their documents."""

    class Meta:
        model = TaxpayerProfile
        fields = ["date_of_birth", "street_address", "city", "state", "postal_code"]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
            "street_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "state": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        }

    def __init__(self, *args, locked: bool = False, **kwargs) -> None:
        """Once verified, the details stay as the agent checked them (posted changes are ignored)."""
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = locked

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        oldest = date(today.year - 130, today.month, min(today.day, 28))  # 29 February has no year-130 twin
        if born and not (oldest <= born <= today):
            raise forms.ValidationError(_("Enter your real date of birth."))
        return born


class StaffForm(USWDSFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Work email address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(User.Role.AGENT, User.Role.AGENT.label), (User.Role.SUPERVISOR, User.Role.SUPERVISOR.label)],
        widget=forms.RadioSelect,
        initial=User.Role.AGENT,
    )
    languages = forms.MultipleChoiceField(
        label=_("Interview languages"), choices=language_choices, widget=forms.CheckboxSelectMultiple
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


class StaffEditForm(StaffForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["email"]
        del self.fields["role"]
        self.fields["time_zone"].help_text = HOURS_KEEP_CLOCK_TIMES


class USWDSPasswordResetForm(USWDSFormMixin, PasswordResetForm):
    def get_users(self, email: str):
        """Every active account with this address, including staff who never chose a password
        (their invitation link may have expired)."""
        return User.objects.filter(email__iexact=email, is_active=True)


class USWDSSetPasswordForm(USWDSFormMixin, SetPasswordForm):
    pass


class USWDSPasswordChangeForm(USWDSFormMixin, PasswordChangeForm):
    pass
