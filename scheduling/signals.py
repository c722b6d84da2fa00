"""What scheduling tells (and asks) the apps above it, without importing them.
Receivers are connected in those apps' AppConfig.ready()."""

from django.dispatch import Signal

# "Is this taxpayer's next booking a follow-up, and of what?" Receivers return the object the
# booking follows up (an inconclusive outcome) or None. Arguments: taxpayer=.
follow_up_of = Signal()

# A booking was made (inside its transaction). Arguments: booking=, follow_up_of= (what a
# receiver of follow_up_of returned, or None), so the follow-up's owner can link it.
booking_created = Signal()
