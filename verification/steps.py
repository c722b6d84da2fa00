"""The agent's checklist, declared once: each step's form, service, message to the agent, what
the outcomes need from it and what it leaves in the outcome's record. The view, the page, the
missing list, the checklist form and the outcome all read this table."""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django import forms as django_forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError
from verification import forms, selectors, services
from verification.models import Verification, VerificationOutcome

ANY, VIDEO, AUDIO = "any", "video", "audio"
VERIFIED = (VerificationOutcome.Result.VERIFIED,)


@dataclass(frozen=True)
class Requirement:
    """Something an outcome needs: while `met` is false the agent reads `missing`."""

    missing: Promise
    met: Callable[[Verification], bool]
    outcomes: tuple[str, ...] = VERIFIED
    media: str = ANY  # VIDEO: not asked in an audio-only interview (nothing is seen); AUDIO: only there
    field: str = ""  # a box on the checklist form (a Verification field) that this reads

    def applies(self, *, audio_only: bool) -> bool:
        return self.media in (ANY, AUDIO if audio_only else VIDEO)


def _box(field: str, missing: Promise, *, needed: bool = True, media: str = ANY) -> Requirement:
    """A confirmation the agent ticks (or, with needed=False, must leave unticked) on the checklist form."""
    read = attrgetter(field)
    return Requirement(missing=missing, met=lambda v: read(v) == needed, media=media, field=field)


@dataclass(frozen=True)
class Step:
    """One thing the agent does on the checklist: a POST to checklist/<slug>/."""

    slug: str
    form: type[django_forms.BaseForm] | None
    handler: Callable[..., Any]  # the service, called with session_id, agent and arguments(cleaned data)
    message: Promise | None  # what the agent reads after it; None: reply() words it from the result
    arguments: Callable[[dict], dict] = dict
    reply: Callable[[Any], str] | None = None
    requirements: tuple[Requirement, ...] = ()
    record: Callable[[Verification, bool], dict] | None = None  # its part of the outcome's steps
    edits_checklist: bool = False  # the form opens with the checklist's saved answers

    @property
    def name(self) -> str:
        """The slug as templates can look it up."""
        return self.slug.replace("-", "_")

    def run(self, *, session_id: int, agent: User, data: dict) -> str:
        """Hand validated data to the service; returns the words for the agent."""
        result = self.handler(session_id=session_id, agent=agent, **self.arguments(data))
        return self.reply(result) if self.reply else str(self.message)

    def page_form(self, verification: Verification) -> django_forms.BaseForm | None:
        if self.form is None:
            return None
        return self.form(instance=verification) if self.edits_checklist else self.form()


def _evidence_record(verification: Verification, audio_only: bool) -> dict:
    items = list(verification.evidence.all())
    return {
        "document_seen_on_camera": not audio_only and any(i.photo_matches for i in items),
        "evidence": [
            {
                "document_type": item.document_type,
                "issuer": item.issuer,
                "strength": item.strength,
                "unexpired": item.unexpired,
                "security_features_checked": item.security_features_checked,
                "photo_matches": item.photo_matches,
            }
            for item in items
        ],
    }


def _code_reply(check: services.CodeCheck) -> str:
    # A wrong try is kept by the service (it returns); the agent is told it as an error.
    if not check.confirmed:
        raise DomainError(check.message, code="code_wrong")
    return check.message


def _identity_on_file(verification: Verification) -> bool:
    profile = getattr(verification.session.booking.taxpayer, "taxpayer_profile", None)
    return profile is not None and profile.claimed_identity_complete


CONFIRMATIONS = (
    _box("details_match", _("Confirm the name, date of birth and address match the documents.")),
    _box("stayed_in_view", _("Confirm the person stayed in view throughout."), media=VIDEO),
    _box("fraud_flag", _("Fraud is flagged: the person cannot be verified."), needed=False),
)

ChecklistForm = django_forms.modelform_factory(
    Verification, form=forms.ChecklistForm, fields=[*(box.field for box in CONFIRMATIONS), "fraud_reason", "notes"]
)

STEPS = {
    step.slug: step
    for step in (
        Step(
            "evidence",
            forms.EvidenceForm,
            services.evidence_add,
            _("Document added."),
            requirements=(
                Requirement(
                    _("Describe at least one unexpired document the person read out."),
                    lambda v: any(item.unexpired for item in v.evidence.all()),
                    media=AUDIO,
                ),
                Requirement(
                    _(
                        "The evidence is not strong enough: one superior document, or one strong document "
                        "and one more, checked and unexpired."
                    ),
                    lambda v: selectors.evidence_is_strong_enough(list(v.evidence.all())),
                    media=VIDEO,
                ),
            ),
            record=_evidence_record,
        ),
        Step(
            "evidence-remove",
            forms.EvidenceRemoveForm,
            services.evidence_remove,
            _("Document removed."),
            arguments=lambda data: {"evidence_id": data["evidence"]},
        ),
        Step("challenge", None, services.challenge_issue, _("The challenge is on the person's screen.")),
        Step(
            "challenge-mark",
            forms.ChallengeMarkForm,
            services.challenge_mark,
            _("Challenge marked."),
            arguments=lambda data: {"challenge_id": data["challenge"], "passed": data["result"] == "passed"},
            requirements=(
                Requirement(
                    _("The person must pass a live challenge (the latest one, with none pending)."),
                    selectors.latest_challenge_passed,
                ),
            ),
            record=lambda v, audio_only: {
                "challenges": [{"kind": c.kind, "result": c.result} for c in v.challenges.all()]
            },
        ),
        Step("code-send", forms.CodeSendForm, services.code_send, _("Code sent.")),
        Step(
            "code-check",
            forms.CodeCheckForm,
            services.code_check,
            None,
            reply=_code_reply,
            requirements=(Requirement(_("Confirm the one-time code."), selectors.code_confirmed),),
            record=lambda v, audio_only: {"code_confirmed": selectors.code_confirmed(v)},
        ),
        Step(
            "checklist",
            ChecklistForm,
            services.checklist_update,
            _("Checklist saved."),
            requirements=(
                Requirement(
                    _(
                        "The taxpayer's date of birth and address are not on file: they can add them on their "
                        "profile page (in another tab) during the call; then reload this page."
                    ),
                    _identity_on_file,
                ),
                *CONFIRMATIONS,
            ),
            record=lambda v, audio_only: (
                {box.field: getattr(v, box.field) for box in CONFIRMATIONS} | {"fraud_reason": v.fraud_reason}
            ),
            edits_checklist=True,
        ),
        Step("outcome", forms.OutcomeForm, services.outcome_record, _("Outcome recorded.")),
    )
}
