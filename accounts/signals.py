"""What accounts tells (and asks) the apps above it, without importing them.
Receivers are connected in those apps' AppConfig.ready()."""

from django.dispatch import Signal

# "Has this person's identity been verified?" Receivers return the record that says so (the
# latest verified outcome) or None. Arguments: user=.
identity_verified = Signal()

# A supervisor is activating or deactivating a staff account, inside the transaction. Receivers
# may refuse by raising core.errors.DomainError (e.g. interviews still booked with the agent) or
# act on it (an agent going inactive goes offline). Arguments: user=, active=, actor=, now=.
staff_active_changing = Signal()
