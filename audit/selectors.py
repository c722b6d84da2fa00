"""Reads of the audit trail."""

from django.db.models import Q, QuerySet

from audit.models import AuditRecord
from audit.signals import reference_objects


def audit_records_for(*, object_type: str, object_id: str) -> QuerySet[AuditRecord]:
    """The records about one object, oldest first."""
    return AuditRecord.objects.filter(object_type=object_type, object_id=object_id).order_by("pk")


def audit_records_filter(records, *, action: str, actor: str, reference: str, since, until):
    """Narrow audit records by action prefix, actor email, interview reference and dates (UTC)."""
    if action:
        records = records.filter(action__startswith=action.strip())
    if actor:
        records = records.filter(actor__email__iexact=actor.strip())
    if reference:
        pairs = [
            pair for _receiver, found in reference_objects.send(sender=None, reference=reference) for pair in found
        ]
        if not pairs:
            return records.none()
        about = Q()
        for object_type, object_id in pairs:
            about |= Q(object_type=object_type, object_id=str(object_id))
        records = records.filter(about)
    if since:
        records = records.filter(at__date__gte=since)
    if until:
        records = records.filter(at__date__lte=until)
    return records
