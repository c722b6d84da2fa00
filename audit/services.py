"""Writes of the append-only, hash-chained audit trail. Actors are users (settings.AUTH_USER_MODEL)."""

import hashlib
import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import AuditRecord

AUDIT_LOCK_KEY = 7_202_611  # any constant: the advisory lock that serialises audit appends
GENESIS_HASH = "0" * 64


def audit_hash(
    *,
    previous_hash: str,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    details: dict,
) -> str:
    """The SHA-256 of a record's content and the previous record's hash."""
    content = json.dumps(
        [previous_hash, at.isoformat(), actor_id, action, object_type, object_id, details],
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def audit_append(
    *, actor: models.Model | None, action: str, obj: models.Model, details: dict | None = None
) -> AuditRecord:
    """Append one record to the audit trail, chained to the one before.

    Appends are serialised (an advisory lock on PostgreSQL, the write lock on SQLite) so
    the chain never forks. Call it inside the transaction of the change it records.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
    last = AuditRecord.objects.order_by("-pk").values_list("hash", flat=True).first()
    at = timezone.now()
    fields = {
        "at": at,
        "actor_id": actor.pk if actor else None,
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "details": json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder)),
    }
    previous_hash = last or GENESIS_HASH
    return AuditRecord.objects.create(
        previous_hash=previous_hash, hash=audit_hash(previous_hash=previous_hash, **fields), **fields
    )


def audit_chain_verify() -> AuditRecord | None:
    """The first record whose content or link does not match the chain, or None if all do."""
    previous_hash = GENESIS_HASH
    for record in AuditRecord.objects.order_by("pk").iterator():
        expected = audit_hash(
            previous_hash=previous_hash,
            at=record.at,
            actor_id=record.actor_id,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            details=record.details,
        )
        if record.previous_hash != previous_hash or record.hash != expected:
            return record
        previous_hash = record.hash
    return None


def audit_export_record(*, actor: models.Model, filters: dict) -> None:
    """An export of the trail is itself recorded."""
    with transaction.atomic():
        audit_append(actor=actor, action="audit.export", obj=actor, details={"filters": filters})
