from collections import OrderedDict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.selectors import identity_verification_for
from core.decorators import role_required
from core.errors import DomainError
from scheduling import forms, selectors, services
from scheduling.models import Booking, DateException

DAYS_PER_PAGE = 7


def _days_of_times(open_times: list, zone: ZoneInfo) -> "OrderedDict":
    """Open times grouped by the viewer's calendar day."""
    days: OrderedDict = OrderedDict()
    for open_time in open_times:
        local = open_time.starts_at.astimezone(zone)
        days.setdefault(local.date(), []).append(local)
    return days


def _picker_context(request: HttpRequest, *, taxpayer: User, language: str, booking: Booking | None = None) -> dict:
    """Open times for a taxpayer, a week of days at a time, in their own time zone."""
    zone = ZoneInfo(taxpayer.time_zone)
    profile = getattr(taxpayer, "taxpayer_profile", None)
    follow_up = booking is None and services.follow_up_for(taxpayer=taxpayer) is not None
    open_times = selectors.open_times_list(
        language=language,
        now=timezone.now(),
        audio_only=bool(profile and profile.audio_only),
        exclude_booking=booking,
        follow_up=follow_up,
    )
    days = _days_of_times(open_times, zone)
    try:
        page = max(0, int(request.GET.get("page", 0)))
    except ValueError:
        page = 0
    day_list = list(days.items())
    shown = day_list[page * DAYS_PER_PAGE : (page + 1) * DAYS_PER_PAGE]
    return {
        "days": shown,
        "page": page,
        "has_previous": page > 0,
        "has_next": len(day_list) > (page + 1) * DAYS_PER_PAGE,
        "zone_name": taxpayer.get_time_zone_display(),
        "language": language,
        "any_times": bool(open_times),
        "follow_up": follow_up,
    }


def _suggestions_context(error: DomainError, zone: ZoneInfo) -> list[datetime]:
    return [suggestion.starts_at.astimezone(zone) for suggestion in error.suggestions]


@role_required(User.Role.TAXPAYER)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    taxpayer = request.user
    existing = selectors.active_booking_for(taxpayer=taxpayer)
    if existing is not None and request.method == "GET":
        messages.info(request, _("You already have an interview booked. You can change its time here."))
        return redirect("operations:taxpayer_home")
    offered = selectors.interview_settings_get().languages_offered
    language = request.POST.get("language") or request.GET.get("language") or taxpayer.preferred_language
    if language not in offered:
        language = offered[0] if offered else taxpayer.preferred_language
    error, suggestions, status = None, [], 200
    if request.method == "POST":
        form = forms.BookingForm(request.POST)
        if form.is_valid():
            try:
                services.booking_create(
                    taxpayer=taxpayer, starts_at=form.cleaned_data["starts_at"], language=form.cleaned_data["language"]
                )
            except DomainError as exc:
                error, status = exc.message, 409 if exc.code == "taken" else 400
                suggestions = _suggestions_context(exc, ZoneInfo(taxpayer.time_zone))
            else:
                messages.success(request, _("Your interview is booked. We have emailed you the details."))
                return redirect("operations:taxpayer_home")
        else:
            error, status = _("Choose a time from the list."), 400
    context = _picker_context(request, taxpayer=taxpayer, language=language)
    context.update(
        {
            "error": error,
            "suggestions": suggestions,
            "language_form": forms.LanguageFilterForm(initial={"language": language}),
            "offered": offered,
            "rules": selectors.interview_settings_get(),
            "verified": identity_verification_for(user=taxpayer),
        }
    )
    return render(request, "scheduling/book.html", context, status=status)


def _reschedule(request: HttpRequest, *, booking: Booking, template_context: dict, done_url: str) -> HttpResponse:
    taxpayer = booking.taxpayer
    error, suggestions, status = None, [], 200
    if request.method == "POST":
        form = forms.ChooseTimeForm(request.POST)
        if form.is_valid():
            try:
                actor = request.user if request.user.is_authenticated else None
                services.booking_reschedule(booking=booking, starts_at=form.cleaned_data["starts_at"], actor=actor)
            except DomainError as exc:
                error, status = exc.message, 409 if exc.code == "taken" else 400
                suggestions = _suggestions_context(exc, ZoneInfo(taxpayer.time_zone))
            else:
                messages.success(request, _("Your interview has a new time. We have emailed you the details."))
                return redirect(done_url)
        else:
            error, status = _("Choose a time from the list."), 400
    context = _picker_context(request, taxpayer=taxpayer, language=booking.language, booking=booking)
    context.update({"error": error, "suggestions": suggestions, "booking": booking, **template_context})
    with timezone.override(ZoneInfo(taxpayer.time_zone)):
        return render(request, "scheduling/reschedule.html", context, status=status)


def _no_booking_redirect(request: HttpRequest) -> HttpResponse:
    """Home, saying why: a page about the taxpayer's booking was opened with none booked (Back, a stale link)."""
    messages.info(request, _("You have no interview booked."))
    return redirect("operations:taxpayer_home")


@role_required(User.Role.TAXPAYER)
@require_http_methods(["GET", "POST"])
def my_reschedule(request: HttpRequest) -> HttpResponse:
    booking = selectors.active_booking_for(taxpayer=request.user)
    if booking is None:
        return _no_booking_redirect(request)
    return _reschedule(request, booking=booking, template_context={}, done_url="operations:taxpayer_home")


@role_required(User.Role.TAXPAYER)
@require_http_methods(["GET", "POST"])
def my_cancel(request: HttpRequest) -> HttpResponse:
    booking = selectors.active_booking_for(taxpayer=request.user)
    if booking is None:
        return _no_booking_redirect(request)
    if request.method == "POST":
        try:
            services.booking_cancel(booking=booking, actor=request.user)
        except DomainError as error:  # it ended or was cancelled meanwhile
            messages.info(request, error.message)
        else:
            messages.success(request, _("Your interview is cancelled. You can book a new one at any time."))
        return redirect("operations:taxpayer_home")
    return render(
        request, "scheduling/cancel.html", {"booking": booking, "keep_url": reverse("operations:taxpayer_home")}
    )


def _booking_for_link(token: str) -> Booking:
    booking = services.booking_for_token(token=token)
    if booking is None:
        raise Http404
    return booking


@require_http_methods(["GET"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = services.booking_for_token(token=token)
    if booking is None:
        return render(request, "scheduling/manage_invalid.html", status=404)
    with timezone.override(ZoneInfo(booking.taxpayer.time_zone)):
        context = {"booking": booking, "token": token, "zone_name": booking.taxpayer.get_time_zone_display()}
        return render(request, "scheduling/manage.html", context)


@require_http_methods(["GET", "POST"])
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_for_link(token)
    return _reschedule(request, booking=booking, template_context={"token": token}, done_url=request.path)


@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel by the private link: asked first, as when signed in."""
    booking = _booking_for_link(token)
    with timezone.override(ZoneInfo(booking.taxpayer.time_zone)):
        if request.method == "GET":
            keep_url = reverse("scheduling:manage", args=[token])
            return render(request, "scheduling/cancel.html", {"booking": booking, "keep_url": keep_url})
        try:
            services.booking_cancel(booking=booking)
        except DomainError:  # it ended or was cancelled meanwhile: the link no longer works
            return render(request, "scheduling/manage_invalid.html", status=404)
        return render(request, "scheduling/manage_cancelled.html", {"booking": booking})


def _week_start(request: HttpRequest, zone: ZoneInfo) -> datetime:
    day = timezone.now().astimezone(zone).date()
    if request.GET.get("week"):
        form = forms.WeekForm(request.GET)
        if form.is_valid():
            day = form.cleaned_data["week"]
        else:
            messages.warning(request, _("That date cannot be shown. Here is the current week."))
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone)


def _calendar_context(request: HttpRequest, *, viewer: User, agent: User | None) -> dict:
    zone = ZoneInfo(viewer.time_zone)
    start = _week_start(request, zone)
    days = [(start + timedelta(days=offset)).date() for offset in range(7)]
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone)
    by_day: dict = {day: [] for day in days}
    for booking in selectors.bookings_between(start=start, end=end, agent=agent).exclude(
        status=Booking.Status.CANCELLED
    ):
        by_day.setdefault(booking.starts_at.astimezone(zone).date(), []).append(booking)
    return {
        "week_days": list(by_day.items()),
        "previous_week": (start - timedelta(days=7)).date().isoformat(),
        "next_week": (start + timedelta(days=7)).date().isoformat(),
        "this_week": start.date(),
        "zone_name": viewer.get_time_zone_display(),
    }


@role_required(User.Role.AGENT)
def agent_week(request: HttpRequest) -> HttpResponse:
    context = _calendar_context(request, viewer=request.user, agent=request.user)
    return render(request, "scheduling/agent_week.html", context)


@role_required(User.Role.SUPERVISOR)
def supervisor_schedule(request: HttpRequest) -> HttpResponse:
    agents = User.objects.filter(role=User.Role.AGENT, is_active=True).order_by("full_name")
    agent = None
    if request.GET.get("agent", "").isdigit():
        agent = agents.filter(pk=int(request.GET["agent"])).first()
    context = _calendar_context(request, viewer=request.user, agent=agent)
    context.update({"agents": agents, "selected_agent": agent})
    return render(request, "scheduling/supervisor_schedule.html", context)


@role_required(User.Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def interview_settings(request: HttpRequest) -> HttpResponse:
    rules = selectors.interview_settings_get()
    form = forms.InterviewSettingsForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        services.interview_settings_update(updated_by=request.user, values=form.cleaned_data)
        messages.success(request, _("The interview settings are saved."))
        return redirect("scheduling:settings")
    if form.errors:
        rules.refresh_from_db()
    status = 400 if form.errors else 200
    return render(request, "scheduling/settings.html", {"form": form}, status=status)


def _get_agent_for_editor(request: HttpRequest, pk: int | None) -> User:
    """The agent whose hours are edited: oneself for agents, anyone for supervisors."""
    if pk is None:
        return request.user
    if not request.user.is_supervisor:
        raise Http404
    return get_object_or_404(User, pk=pk, role=User.Role.AGENT)


@role_required(User.Role.AGENT, User.Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def hours(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agent = _get_agent_for_editor(request, pk)
    if not agent.is_agent:
        raise Http404
    hours_form = forms.WeeklyHoursForm(
        request.POST if request.POST.get("form") == "weekly" else None,
        initial=forms.WeeklyHoursForm.initial_from(agent.weekly_hours.all()),
    )
    today = timezone.now().astimezone(ZoneInfo(agent.time_zone)).date()
    exception_form = forms.DateExceptionForm(
        request.POST if request.POST.get("form") == "exception" else None, today=today
    )
    if request.method == "POST":
        bound = hours_form if hours_form.is_bound else exception_form
        if bound.is_valid():
            try:
                if bound is hours_form:
                    services.weekly_hours_set(editor=request.user, agent=agent, ranges=bound.cleaned_data["ranges"])
                    messages.success(request, _("The weekly hours are saved."))
                else:
                    data = bound.cleaned_data
                    _exception, moved, cancelled = services.date_exception_add(
                        editor=request.user,
                        agent=agent,
                        kind=data["kind"],
                        day=data["day"],
                        start=data["start"],
                        end=data["end"],
                    )
                    messages.success(
                        request,
                        _(
                            "The change is saved. Interviews moved to another agent: %(moved)s. "
                            "Interviews cancelled, with the taxpayer told: %(cancelled)s."
                        )
                        % {"moved": len(moved), "cancelled": len(cancelled)},
                    )
            except DomainError as error:
                bound.add_error(None, error.message)
            else:
                return redirect(request.path)
    exceptions = agent.date_exceptions.filter(date__gte=today)
    context = {
        "agent": agent,
        "hours_form": hours_form,
        "exception_form": exception_form,
        "exceptions": exceptions,
        "zone_name": agent.get_time_zone_display(),
    }
    status = 400 if hours_form.errors or exception_form.errors else 200
    return render(request, "scheduling/hours.html", context, status=status)


@role_required(User.Role.AGENT, User.Role.SUPERVISOR)
@require_POST
def exception_delete(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(DateException, pk=pk)
    if not request.user.is_supervisor and exception.agent_id != request.user.pk:
        raise Http404
    services.date_exception_remove(editor=request.user, exception=exception)
    messages.success(request, _("The change is removed."))
    if request.user.is_supervisor:
        return redirect("scheduling:staff_hours", pk=exception.agent_id)
    return redirect("scheduling:hours")
