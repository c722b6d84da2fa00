from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from interviews.models import InterviewSession

# The tables keep the names they had when these models lived in the interviews app.


class Strength(models.IntegerChoices):
    """Evidence strength in the sense of NIST SP 800-63A."""

    FAIR = 1, _("Fair")
    STRONG = 2, _("Strong")
    SUPERIOR = 3, _("Superior")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    PASSPORT_CARD = "passport_card", _("U.S. passport card")
    PERMANENT_RESIDENT_CARD = "permanent_resident_card", _("Permanent resident card")
    DRIVERS_LICENSE = "drivers_license", _("Driver's license")
    STATE_ID = "state_id", _("State ID card")
    MILITARY_ID = "military_id", _("Military ID card")
    TRIBAL_ID = "tribal_id", _("Tribal ID card")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    SOCIAL_SECURITY_CARD = "social_security_card", _("Social Security card")
    OTHER = "other", _("Other government document")


DOCUMENT_STRENGTH = {
    DocumentType.PASSPORT: Strength.SUPERIOR,
    DocumentType.PASSPORT_CARD: Strength.SUPERIOR,
    DocumentType.PERMANENT_RESIDENT_CARD: Strength.SUPERIOR,
    DocumentType.DRIVERS_LICENSE: Strength.STRONG,
    DocumentType.STATE_ID: Strength.STRONG,
    DocumentType.MILITARY_ID: Strength.STRONG,
    DocumentType.TRIBAL_ID: Strength.STRONG,
    DocumentType.BIRTH_CERTIFICATE: Strength.FAIR,
    DocumentType.SOCIAL_SECURITY_CARD: Strength.FAIR,
    DocumentType.OTHER: Strength.FAIR,
}


class Verification(models.Model):
    """The agent's checklist for one interview, filled in during the call. Words only."""

    session = models.OneToOneField(InterviewSession, on_delete=models.PROTECT, related_name="verification")
    stayed_in_view = models.BooleanField(_("applicant stayed in view throughout"), default=False)
    details_match = models.BooleanField(_("name, date of birth and address match the documents"), default=False)
    fraud_flag = models.BooleanField(_("suspected fraud"), default=False)
    fraud_reason = models.CharField(_("why fraud is suspected"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "interviews_verification"

    def __str__(self) -> str:
        return f"checklist of {self.session}"


class EvidenceItem(models.Model):
    """A document the taxpayer showed, as the agent described it; no picture of it is taken."""

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="evidence")
    document_type = models.CharField(_("document"), max_length=30, choices=DocumentType.choices)
    issuer = models.CharField(_("issued by"), max_length=100)
    unexpired = models.BooleanField(_("not expired"))
    security_features_checked = models.BooleanField(_("security features checked"))
    photo_matches = models.BooleanField(_("photo matches the person on camera"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "interviews_evidenceitem"
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} ({self.issuer})"

    @property
    def strength(self) -> int:
        return DOCUMENT_STRENGTH[self.document_type]


class ChallengePrompt(models.Model):
    """A randomly chosen instruction shown on the taxpayer's screen, to counter pre-recorded video."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Waiting for the agent")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="challenges")
    kind = models.CharField(max_length=30)
    digits = models.CharField(max_length=6, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)
    issued_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "interviews_challengeprompt"
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.result})"


class OneTimeCode(models.Model):
    """A code sent to the taxpayer's contact on file; only its keyed hash is kept."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="codes")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code replaces this one, when it is used, or when attempts run out.
    spent = models.BooleanField(default=False)

    class Meta:
        db_table = "interviews_onetimecode"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"code #{self.pk} by {self.channel}"


class VerificationOutcome(models.Model):
    """The agent's decision, recorded once; kept after call metadata is purged."""

    class Result(models.TextChoices):
        VERIFIED = "verified", _("Verified")
        NOT_VERIFIED = "not_verified", _("Not verified")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    class Method(models.TextChoices):
        VIDEO = "live_video", _("Live video interview")
        AUDIO = "live_audio", _("Live audio-only interview")

    class Assurance(models.TextChoices):
        IAL2 = "IAL2", _("Identity assurance level 2")
        IAL1 = "IAL1", _("Identity assurance level 1")
        NONE = "", _("None")

    class Reason(models.TextChoices):
        DOCUMENTS_INSUFFICIENT = "documents_insufficient", _("The documents shown were not enough")
        DOCUMENT_EXPIRED = "document_expired", _("A document had expired")
        DOCUMENT_NOT_GENUINE = "document_not_genuine", _("A document did not look genuine")
        PHOTO_MISMATCH = "photo_mismatch", _("The photo did not match the person")
        DETAILS_MISMATCH = "details_mismatch", _("The details did not match the account")
        CODE_FAILED = "code_failed", _("The one-time code could not be confirmed")
        CHALLENGE_FAILED = "challenge_failed", _("A live check was not passed")
        LEFT_VIEW = "left_view", _("The person did not stay in view")
        SUSPECTED_FRAUD = "suspected_fraud", _("Suspected fraud")
        TECHNICAL = "technical", _("Technical problems")

    session = models.OneToOneField(InterviewSession, on_delete=models.PROTECT, related_name="outcome")
    taxpayer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outcomes")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    follow_up = models.CharField(_("what to bring next time"), max_length=500, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    assurance_level = models.CharField(_("assurance level"), max_length=4, choices=Assurance.choices, blank=True)
    # What was done, as words: evidence described, steps passed. Never pictures.
    steps = models.JSONField(default=dict)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    # The booking made to follow up an inconclusive result (it may skip the minimum notice).
    follow_up_booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="follows_up"
    )

    class Meta:
        db_table = "interviews_verificationoutcome"
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["taxpayer", "decided_at"], name="interviews__taxpaye_0de11a_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result__in=["verified", "not_verified", "inconclusive"]),
                name="interviews_outcome_result_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(result="verified") | ~models.Q(assurance_level=""),
                name="interviews_outcome_verified_has_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.result}"

    @property
    def reason_labels(self) -> list[str]:
        return [self.Reason(code).label for code in self.reasons]


class ProofingReport(models.Model):
    """A "this wasn't me" report from the owner of an email address that was told of a proofing."""

    outcome = models.ForeignKey(VerificationOutcome, on_delete=models.PROTECT, related_name="reports")
    details = models.TextField(_("what happened"), max_length=2000)
    reported_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "interviews_proofingreport"
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"report on {self.outcome_id}"
