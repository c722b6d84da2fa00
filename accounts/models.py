from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.languages import language_choices

# The zones people served by a U.S. agency live in, offered first and by name.
TIME_ZONE_CHOICES = [
    ("America/New_York", _("Eastern Time (New York)")),
    ("America/Chicago", _("Central Time (Chicago)")),
    ("America/Denver", _("Mountain Time (Denver)")),
    ("America/Phoenix", _("Mountain Time without daylight saving (Phoenix)")),
    ("America/Los_Angeles", _("Pacific Time (Los Angeles)")),
    ("America/Anchorage", _("Alaska Time (Anchorage)")),
    ("Pacific/Honolulu", _("Hawaii Time (Honolulu)")),
    ("America/Puerto_Rico", _("Atlantic Time (Puerto Rico, U.S. Virgin Islands)")),
    ("Pacific/Guam", _("Chamorro Time (Guam, Northern Mariana Islands)")),
    ("Pacific/Pago_Pago", _("Samoa Time (American Samoa)")),
    ("UTC", _("Coordinated Universal Time (UTC)")),
]
phone_validator = RegexValidator(
    r"^\+[1-9][0-9]{7,14}$",
    _("Enter the phone number in international form, for example +12025550143."),
)
zip_validator = RegexValidator(r"^[0-9]{5}(-[0-9]{4})?$", _("Enter a ZIP code such as 20500 or 20500-0003."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, role=User.Role.SUPERVISOR)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        TAXPAYER = "taxpayer", _("Taxpayer")
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full legal name"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.TAXPAYER)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=language_choices, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="America/New_York")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["taxpayer", "agent", "supervisor"]), name="accounts_user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ", 1)[0] if self.full_name else ""

    @property
    def is_taxpayer(self) -> bool:
        return self.role == self.Role.TAXPAYER

    @property
    def is_agent(self) -> bool:
        return self.role == self.Role.AGENT

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR

    @property
    def needs_two_factor(self) -> bool:
        return self.role in (self.Role.AGENT, self.Role.SUPERVISOR)

    def has_perm(self, perm: str, obj=None) -> bool:
        """A role's own permissions (ROLE_PERMISSIONS), then Django's (superusers, groups, grants)."""
        if self.is_active and perm in ROLE_PERMISSIONS.get(self.role, ()):
            return True
        return super().has_perm(perm, obj)


# What each role may do in the apps that check a permission rather than a role (they name it
# "app.codename" and never import accounts).
ROLE_PERMISSIONS = {
    User.Role.SUPERVISOR: {"audit.view_auditrecord"},
}


class TaxpayerProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="taxpayer_profile")
    phone = models.CharField(
        _("mobile phone for one-time codes"), max_length=16, blank=True, validators=[phone_validator]
    )
    needs_captions = models.BooleanField(_("captions or text chat"), default=False)
    needs_sign_language = models.BooleanField(_("sign-language interpreter"), default=False)
    audio_only = models.BooleanField(_("audio only (no camera)"), default=False)
    other_needs = models.CharField(_("anything else that would help"), max_length=300, blank=True)
    # The identity the taxpayer claims; the agent checks it against the documents shown.
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city or town"), max_length=100, blank=True)
    state = models.CharField(_("state or territory"), max_length=40, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True, validators=[zip_validator])

    class Meta:
        verbose_name = _("taxpayer profile")
        verbose_name_plural = _("taxpayer profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def claimed_identity_complete(self) -> bool:
        return bool(self.date_of_birth and self.street_address and self.city and self.state and self.postal_code)


class AgentLanguage(models.Model):
    """A language an agent can hold interviews in."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agent_languages")
    language = models.CharField(_("language"), max_length=8, choices=language_choices)

    class Meta:
        verbose_name = _("agent language")
        verbose_name_plural = _("agent languages")
        constraints = [models.UniqueConstraint(fields=["agent", "language"], name="accounts_agentlanguage_unique")]

    def __str__(self) -> str:
        return f"{self.agent} ({self.language})"


class AgentProfile(models.Model):
    """What an agent can take on, beyond their languages."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent_profile")
    takes_audio_only = models.BooleanField(
        _("takes audio-only interviews"),
        default=True,
        help_text=_("Audio-only interviews are for taxpayers without a camera; they need extra questions."),
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)
