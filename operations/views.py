from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import TIME_ZONE_CHOICES, User
from core.csv import csv_response
from core.decorators import role_required
from core.errors import DomainError
from interviews import selectors as interview_selectors
from interviews.models import InterviewSession
from operations import forms, selectors, services
from scheduling import selectors as scheduling_selectors
from scheduling.models import Booking
from scheduling.selectors import active_booking_for
from verification import selectors as verification_selectors
from verification.models import ProofingReport
from verification.selectors import identity_status_for

PUBLIC_ZONE = "America/New_York"  # the public page's times, for people not signed in


def _zone(request: HttpRequest) -> ZoneInfo:
    return ZoneInfo(request.user.time_zone) if request.user.is_authenticated else ZoneInfo("UTC")


def _refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


# Taxpayers


@role_required(User.Role.TAXPAYER)
def talk_now(request: HttpRequest) -> HttpResponse:
    """Join the talk-now queue, or see one's place in it."""
    entry = selectors.queue_entry_for(taxpayer=request.user)
    form = forms.QueueJoinForm(request.POST or None, initial={"language": request.user.preferred_language})
    if request.method == "POST" and entry is None and form.is_valid():
        try:
            services.queue_join(taxpayer=request.user, language=form.cleaned_data["language"])
        except DomainError as error:
            _refused(request, error)
        return redirect("operations:talk_now")
    context = {"entry": entry, "form": form, "rules": selectors.queue_settings_get()}
    if entry is not None:
        context["place"] = selectors.queue_place(entry=entry, now=timezone.now())
    else:
        context["booking"] = active_booking_for(taxpayer=request.user)
        context["verified"] = identity_status_for(request.user)
        context["open_languages"] = [row for row in selectors.queue_overview(now=timezone.now()) if row["open"]]
    return render(request, "operations/talk_now.html", context, status=400 if form.errors else 200)


@role_required(User.Role.TAXPAYER)
@require_POST
def talk_now_leave(request: HttpRequest) -> HttpResponse:
    try:
        services.queue_leave(taxpayer=request.user)
        messages.success(request, _("You left the queue."))
    except DomainError as error:
        _refused(request, error)
    return redirect("operations:talk_now")


@role_required(User.Role.TAXPAYER)
@require_POST
def talk_now_ready(request: HttpRequest) -> HttpResponse:
    try:
        services.queue_confirm_ready(taxpayer=request.user)
    except DomainError as error:
        _refused(request, error)
    return redirect("operations:talk_now")


# Agents


def _set_state(request: HttpRequest, *, agent: User) -> None:
    form = forms.AgentStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose available, on a break or offline."))
        return
    try:
        services.agent_state_set(agent=agent, state=form.cleaned_data["state"], actor=request.user)
    except DomainError as error:
        _refused(request, error)


def agent_panel_context(user: User) -> dict:
    """What an agent's talk-now page shows: their state and the queue in their languages."""
    now = timezone.now()
    return {
        "state": selectors.agent_state_get(agent=user, now=now),
        "queues": selectors.agent_queues(agent=user),
        "due": selectors.agent_due_booking(agent=user, now=now),
        "now": now,
        "state_choices": forms.AgentStateForm.base_fields["state"].choices,
    }


def agent_live_html(user: User) -> str:
    return render_to_string("operations/includes/_agent_live.html", agent_panel_context(user) | {"user": user})


@role_required(User.Role.AGENT)
def agent_panel(request: HttpRequest) -> HttpResponse:
    context = agent_panel_context(request.user)
    return render(request, "operations/agent_panel.html", context)


@role_required(User.Role.AGENT)
@require_POST
def agent_state(request: HttpRequest) -> HttpResponse:
    _set_state(request, agent=request.user)
    return redirect("operations:agent_panel")


@role_required(User.Role.AGENT)
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    try:
        booking = services.queue_take_next(agent=request.user)
    except DomainError as error:
        _refused(request, error)
        return redirect("operations:agent_panel")
    return redirect("verification:agent_interview", reference=booking.reference)


# Supervisors


def dashboard_context(user: User) -> dict:
    """The live part of the supervisor dashboard: agents, who is waiting, today's figures."""
    now = timezone.now()
    zone = ZoneInfo(user.time_zone)
    day_start, day_end = selectors.day_bounds(now.astimezone(zone).date(), zone)
    rules = selectors.queue_settings_get()
    waiting = selectors.waiting_board(now=now)
    alert_after = timedelta(minutes=rules.wait_alert_minutes)
    for person in waiting:
        person.waited = (now - person.waiting_since).total_seconds()
        person.alert = now - person.waiting_since > alert_after
    return {
        "now": now,
        "rules": rules,
        "agents": selectors.agents_board(now=now, day_start=day_start),
        "waiting": waiting,
        "alerts": [person for person in waiting if person.alert],
        "today": selectors.figures_between(start=day_start, end=day_end, zone=zone),
        "queues": selectors.queue_overview(now=now),
        "state_choices": forms.AgentStateForm.base_fields["state"].choices,
    }


def dashboard_live_html(user: User) -> str:
    return render_to_string("operations/includes/_dashboard_live.html", dashboard_context(user) | {"user": user})


@role_required(User.Role.SUPERVISOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "operations/dashboard.html", dashboard_context(request.user))


@role_required(User.Role.SUPERVISOR)
@require_POST
def queue_open(request: HttpRequest) -> HttpResponse:
    form = forms.QueueOpenForm(request.POST)
    if form.is_valid():
        try:
            services.queue_set_open(
                supervisor=request.user, language=form.cleaned_data["language"], is_open=form.cleaned_data["open"]
            )
        except DomainError as error:
            _refused(request, error)
    else:
        messages.error(request, _("Choose a language offered."))
    return redirect("operations:dashboard")


@role_required(User.Role.SUPERVISOR)
def queue_settings(request: HttpRequest) -> HttpResponse:
    rules = selectors.queue_settings_get()
    form = forms.QueueSettingsForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        services.queue_settings_update(supervisor=request.user, values=form.cleaned_data)
        messages.success(request, _("The queue settings are saved."))
        return redirect("operations:queue_settings")
    if form.errors:
        rules.refresh_from_db()
    return render(request, "operations/queue_settings.html", {"form": form}, status=400 if form.errors else 200)


@role_required(User.Role.SUPERVISOR)
@require_POST
def staff_state(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(User, pk=pk, role=User.Role.AGENT)
    _set_state(request, agent=agent)
    return redirect("operations:dashboard")


@role_required(User.Role.SUPERVISOR)
def reassign_find(request: HttpRequest) -> HttpResponse:
    form = forms.BookingFindForm(request.GET)
    reference = form.cleaned_data["reference"].strip().upper()[:7] if form.is_valid() else ""
    if not reference:
        return render(request, "operations/reassign_find.html", {"reference": ""})
    if Booking.objects.filter(reference=reference).exists():
        return redirect("operations:reassign", reference=reference)
    error = _("No booking has the reference %(reference)s.") % {"reference": reference}
    return render(request, "operations/reassign_find.html", {"reference": reference, "error": error}, status=400)


@role_required(User.Role.SUPERVISOR)
def reassign(request: HttpRequest, reference: str) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.select_related("taxpayer", "agent"), reference=reference)
    if not selectors.booking_reassignable(booking):
        status = 400 if request.method == "POST" else 200
        return render(request, "operations/reassign.html", {"booking": booking, "form": None}, status=status)
    form = forms.ReassignForm(request.POST or None, agents=selectors.reassign_agents(booking=booking))
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_reassign(supervisor=request.user, booking=booking, agent=form.cleaned_data["agent"])
        except DomainError as error:
            form.add_error("agent", error.message)
        else:
            messages.success(
                request,
                _("The interview %(reference)s is now with %(name)s.")
                % {"reference": booking.reference, "name": form.cleaned_data["agent"].full_name},
            )
            return redirect("operations:dashboard")
    context = {"booking": booking, "form": form}
    return render(request, "operations/reassign.html", context, status=400 if form.errors else 200)


@role_required(User.Role.SUPERVISOR)
def reports(request: HttpRequest) -> HttpResponse:
    zone = _zone(request)
    today = timezone.now().astimezone(zone).date()
    form = forms.ReportForm(request.GET or {"start": today - timedelta(days=6), "end": today})
    if not form.is_valid():
        return render(request, "operations/reports.html", {"form": form}, status=400)
    first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    days, per_agent, total = selectors.report_rows(first=first, last=last, zone=zone)
    if request.GET.get("format") == "csv":
        rows = [["day", day.isoformat(), *_csv_figures(figures)] for day, figures in days]
        rows += [["agent", agent.full_name, *_csv_figures(figures)] for agent, figures in per_agent]
        rows.append(["total", f"{first}..{last}", *_csv_figures(total)])
        return csv_response(
            filename=f"liveverify-{first}-{last}.csv", header=["scope", "name", *CSV_COLUMNS], rows=rows
        )
    tables = [(_("Per day"), days, True), (_("Per agent"), per_agent, False)]
    context = {"form": form, "days": days, "tables": tables, "total": total, "first": first, "last": last}
    context["rules"] = selectors.queue_settings_get()
    return render(request, "operations/reports.html", context)


CSV_COLUMNS = [
    "completed",
    "decided",
    "verified_share",
    "no_shows",
    "abandoned",
    "admitted",
    "median_wait_seconds",
    "p90_wait_seconds",
    "median_interview_seconds",
    "service_level",
    "estimate_median_error_seconds",
    "estimate_inside_share",
]


def _csv_figures(figures: selectors.Figures) -> list:
    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.3f}"

    return [
        figures.completed,
        figures.decided,
        share(figures.verified_share),
        figures.no_shows,
        figures.abandoned,
        figures.admitted,
        "" if figures.median_wait is None else figures.median_wait,
        "" if figures.p90_wait is None else figures.p90_wait,
        "" if figures.median_length is None else figures.median_length,
        share(figures.service_level),
        "" if figures.estimate_median_error is None else figures.estimate_median_error,
        share(figures.estimate_inside_share),
    ]


@role_required(User.Role.SUPERVISOR)
def capacity(request: HttpRequest) -> HttpResponse:
    zone = _zone(request)
    days = selectors.capacity_days(first=timezone.now().astimezone(zone).date(), days=14, zone=zone)
    return render(request, "operations/capacity.html", {"days": days})


@role_required(User.Role.SUPERVISOR)
def monitor(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(InterviewSession.objects.select_related("booking", "booking__agent"), pk=session_id)
    if session.state != InterviewSession.State.LIVE:
        messages.info(request, _("That call is not live any more, so there is nothing to watch."))
        return redirect("operations:dashboard")
    return render(request, "operations/monitor.html", {"session": session, "booking": session.booking})


# Everyone


def wait_times(request: HttpRequest) -> HttpResponse:
    """The public page: the wait now and the last 30 days as it happened."""
    zone = request.user.time_zone if request.user.is_authenticated else PUBLIC_ZONE
    context = selectors.public_waits(now=timezone.now()) | {"zone_name": dict(TIME_ZONE_CHOICES)[zone]}
    with timezone.override(ZoneInfo(zone)):
        return render(request, "operations/wait_times.html", context)


# Home pages: each role's start page draws on every app, so it lives at the top.


@role_required(User.Role.TAXPAYER)
def taxpayer_home(request: HttpRequest) -> HttpResponse:
    booking = scheduling_selectors.active_booking_for(taxpayer=request.user)
    recent = request.user.bookings.exclude(status="active").order_by("-starts_at").first()
    context = {
        "booking": booking,
        "recent": recent,
        "zone_name": request.user.get_time_zone_display(),
        "rules": scheduling_selectors.interview_settings_get(),
        "join_open": booking is not None and interview_selectors.join_is_open(booking=booking),
        "identity_status": verification_selectors.identity_status_for(request.user),
        "follow_up": verification_selectors.follow_up_outcome_for(request.user),
        "pending": verification_selectors.decision_pending_for(request.user),
        "identity_complete": getattr(request.user, "taxpayer_profile", None) is not None
        and request.user.taxpayer_profile.claimed_identity_complete,
    }
    return render(request, "operations/taxpayer_home.html", context)


@role_required(User.Role.AGENT)
def agent_home(request: HttpRequest) -> HttpResponse:
    zone = ZoneInfo(request.user.time_zone)
    today = timezone.now().astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    interviews = scheduling_selectors.bookings_between(
        start=start, end=start + timedelta(days=1), agent=request.user
    ).filter(status="active")
    hours = request.user.weekly_hours.order_by("weekday", "start")
    context = {
        "hours": hours,
        "interviews": interviews,
        "zone_name": request.user.get_time_zone_display(),
        "state": selectors.agent_state_get(agent=request.user),
        "now": timezone.now(),
    }
    return render(request, "operations/agent_home.html", context)


@role_required(User.Role.SUPERVISOR)
def supervisor_home(request: HttpRequest) -> HttpResponse:
    staff = User.objects.filter(role__in=[User.Role.AGENT, User.Role.SUPERVISOR])
    zone = ZoneInfo(request.user.time_zone)
    start = datetime.combine(timezone.now().astimezone(zone).date(), time(0), tzinfo=zone)
    context = {
        "open_reports": ProofingReport.objects.filter(reviewed_at__isnull=True).count(),
        "agent_count": staff.filter(role=User.Role.AGENT, is_active=True).count(),
        "taxpayer_count": User.objects.filter(role=User.Role.TAXPAYER, is_active=True).count(),
        "unenrolled": staff.exclude(totpdevice__confirmed=True).order_by("full_name"),
        "booked_today": scheduling_selectors.bookings_between(start=start, end=start + timedelta(days=1))
        .filter(status="active")
        .count(),
    }
    return render(request, "operations/supervisor_home.html", context)
