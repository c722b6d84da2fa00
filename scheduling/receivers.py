"""Scheduling's answers to the signals of the apps below it (connected in apps.py)."""

from django.utils.translation import ngettext

from core.errors import DomainError
from scheduling.models import Booking


def refuse_deactivation_while_booked(sender, *, user, active: bool, now, **kwargs) -> None:
    """An agent with interviews still booked must have them given to others before deactivation."""
    if active:
        return
    upcoming = Booking.objects.filter(agent=user, status=Booking.Status.ACTIVE, ends_at__gt=now).count()
    if upcoming:
        raise DomainError(
            ngettext(
                "%(name)s still has %(count)s interview booked. Give it to another agent first.",
                "%(name)s still has %(count)s interviews booked. Give them to other agents first.",
                upcoming,
            )
            % {"name": user.full_name, "count": upcoming}
        )


def booking_for_reference(sender, *, reference: str, **kwargs) -> list[tuple[str, str]]:
    """The audit trail's records about a booking are those about the booking itself."""
    booking = Booking.objects.filter(reference__iexact=reference.strip()).first()
    return [] if booking is None else [(Booking._meta.label_lower, str(booking.pk))]
