from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from audit.models import AuditRecord
from audit.selectors import audit_records_filter
from core.decorators import role_required, signed_in
from core.errors import DomainError
from interviews import selectors as interview_selectors
from interviews import services as interview_services
from interviews.models import InterviewSession
from scheduling.models import Booking
from verification import forms, selectors, services
from verification.models import ProofingReport, Verification, VerificationOutcome
from verification.steps import STEPS


def _page_steps(booking: Booking, verification: Verification) -> dict[str, dict]:
    """Each checklist step's address and form, by name, for the page's forms to post to."""
    return {
        step.name: {
            "url": reverse("verification:checklist_action", args=[booking.reference, step.slug]),
            "form": step.page_form(verification),
        }
        for step in STEPS.values()
    }


@role_required(User.Role.AGENT)
def agent_interview(request: HttpRequest, reference: str) -> HttpResponse:
    booking = (
        Booking.objects.select_related("taxpayer", "taxpayer__taxpayer_profile")
        .filter(reference=reference, agent=request.user)
        .first()
    )
    if booking is None:
        if interview_selectors.booking_moved_from(reference=reference, agent=request.user):
            messages.info(request, _("That interview is no longer yours: it was given to another agent."))
            return redirect("operations:agent_home")
        raise Http404  # never theirs: nothing about another agent's interview
    session = interview_services.session_for_booking(booking=booking)
    context = {
        "booking": booking,
        "session": session,
        # Over (or no longer booked): no camera, no call; the checklist stays for the outcome.
        "call_open": booking.status == Booking.Status.ACTIVE
        and session.state not in (InterviewSession.State.COMPLETED, InterviewSession.State.NO_SHOW),
        "steps": _page_steps(booking, selectors.verification_for_session(session)),
    }
    return render(request, "verification/agent.html", context)


def _error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


@require_http_methods(["GET", "POST"])
@signed_in
def checklist(request: HttpRequest, reference: str, action: str = "") -> JsonResponse:
    """The agent's checklist: GET its state, POST one step (form-encoded), JSON back either way."""
    booking = Booking.objects.filter(reference=reference).first()
    step = STEPS.get(action)
    if booking is None or (action and step is None):
        return _error(404, "not_found", _("There is no such interview or step."))
    if request.method == "POST" and step is None:
        return _error(405, "no_step", _("Send a checklist step to its own address."))
    session = interview_services.session_for_booking(booking=booking)
    if not (request.user.is_agent and booking.agent_id == request.user.pk):
        if request.method == "POST":
            services.refusal_record(actor=request.user, session_id=session.pk, step=action, code="forbidden")
        return _error(403, "forbidden", _("Only the assigned agent can fill in the checklist."))
    if request.method == "POST":
        form = step.form(request.POST) if step.form else None
        if form is not None and not form.is_valid():
            fields = {name: [str(message) for message in errors] for name, errors in form.errors.items()}
            return _error(400, "invalid", _("Check the highlighted fields."), fields)
        try:
            message = step.run(session_id=session.pk, agent=request.user, data=form.cleaned_data if form else {})
        except DomainError as error:
            status = {"forbidden": 403, "code_wrong": 400, "invalid": 400}.get(error.code, 409)
            return _error(status, error.code, error.message)
        session = InterviewSession.objects.select_related("booking__taxpayer").get(pk=session.pk)
    else:
        message = ""
    return JsonResponse({"message": message, "state": selectors.checklist_state(session)})


@role_required(User.Role.TAXPAYER)
def result(request: HttpRequest) -> HttpResponse:
    """The taxpayer's identity status and the outcome of each interview they had."""
    outcomes = VerificationOutcome.objects.filter(taxpayer=request.user).select_related("session__booking")
    return render(
        request,
        "verification/result.html",
        {
            "outcomes": outcomes,
            "status": selectors.identity_status_for(request.user),
            "follow_up": selectors.follow_up_outcome_for(request.user),
            "pending": selectors.decision_pending_for(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, token: str) -> HttpResponse:
    """The "this wasn't me" link from a proofing notification; no sign-in needed."""
    outcome = services.report_outcome_from_token(token)
    if outcome is None:
        return render(request, "verification/report_invalid.html", status=404)
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_create(outcome=outcome, details=form.cleaned_data["details"])
        return redirect("verification:report_sent", token=token)  # a refresh does not send it again
    return render(request, "verification/report.html", {"form": form, "outcome": outcome})


def report_sent(request: HttpRequest, token: str) -> HttpResponse:
    if services.report_outcome_from_token(token) is None:
        return render(request, "verification/report_invalid.html", status=404)
    return render(request, "verification/report_done.html")


@role_required(User.Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.report_review(report_id=int(request.POST.get("report", 0)), supervisor=request.user)
            messages.success(request, _("The report is marked as reviewed."))
        except (ValueError, ProofingReport.DoesNotExist):
            messages.error(request, _("There is no such report."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("verification:report_list")
    reports = ProofingReport.objects.select_related("outcome__session__booking", "outcome__taxpayer", "reviewed_by")
    return render(request, "verification/report_list.html", {"reports": reports})


@role_required(User.Role.SUPERVISOR)
def supervisor_interview(request: HttpRequest, reference: str) -> HttpResponse:
    """A supervisor reads an interview's checklist, outcome and audit records."""
    booking = get_object_or_404(
        Booking.objects.select_related("taxpayer__taxpayer_profile", "agent"), reference=reference
    )
    session = interview_services.session_for_booking(booking=booking)
    records = audit_records_filter(
        AuditRecord.objects.select_related("actor"),
        action="",
        actor="",
        reference=booking.reference,
        since=None,
        until=None,
    )
    return render(
        request,
        "verification/supervisor_interview.html",
        {"booking": booking, "session": session, "state": selectors.checklist_state(session), "records": records},
    )
