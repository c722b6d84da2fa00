"""What the audit trail asks the apps above it, without importing them."""

from django.dispatch import Signal

# "Which records are about the interview with this reference?" Receivers (connected in their
# app's ready()) return a list of (object_type, object_id) pairs; reference= is the text typed.
reference_objects = Signal()
