from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.decorators import role_required
from accounts.models import User
from interviews import selectors, services
from scheduling.models import Booking
from scheduling.selectors import active_booking_for


@role_required(User.Role.TAXPAYER)
def device_check(request: HttpRequest) -> HttpResponse:
    profile = getattr(request.user, "taxpayer_profile", None)
    return render(request, "interviews/device_check.html", {"audio_only": bool(profile and profile.audio_only)})


@role_required(User.Role.TAXPAYER)
def join(request: HttpRequest) -> HttpResponse:
    booking = active_booking_for(taxpayer=request.user)
    if booking is None:
        raise Http404
    if not selectors.join_is_open(booking=booking):
        opens_at = selectors.join_opens_at(booking).astimezone(ZoneInfo(request.user.time_zone))
        return render(request, "interviews/not_open.html", {"booking": booking, "opens_at": opens_at})
    session = services.session_for_booking(booking=booking)
    return render(request, "interviews/taxpayer.html", {"booking": booking, "session": session})


@role_required(User.Role.AGENT)
def agent_interview(request: HttpRequest, reference: str) -> HttpResponse:
    booking = get_object_or_404(
        Booking.objects.select_related("taxpayer", "taxpayer__taxpayer_profile"),
        reference=reference,
        agent=request.user,
    )
    session = services.session_for_booking(booking=booking)
    return render(request, "interviews/agent.html", {"booking": booking, "session": session})
