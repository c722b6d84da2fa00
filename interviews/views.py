from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.decorators import role_required
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
        # Back or a bookmark after the call, or with nothing booked.
        latest = request.user.bookings.order_by("-starts_at").first()
        if latest is not None and latest.status == Booking.Status.COMPLETED:
            messages.info(request, _("Your interview has ended."))
        else:
            messages.info(request, _("You have no interview booked."))
        return redirect("operations:taxpayer_home")
    if timezone.now() >= selectors.join_closes_at(booking):
        messages.info(request, _("The time of your interview has passed."))
        return redirect("operations:taxpayer_home")
    if not selectors.join_is_open(booking=booking):
        opens_at = selectors.join_opens_at(booking).astimezone(ZoneInfo(request.user.time_zone))
        return render(request, "interviews/not_open.html", {"booking": booking, "opens_at": opens_at})
    session = services.session_for_booking(booking=booking)
    return render(request, "interviews/taxpayer.html", {"booking": booking, "session": session})
