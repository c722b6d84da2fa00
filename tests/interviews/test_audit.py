"""The audit trail: every change recorded, chained, append-only, and checked end to end."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditRecord
from audit.services import audit_append, audit_chain_verify
from core.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


def _chain(count: int) -> list[AuditRecord]:
    actor = factories.AgentFactory()
    return [audit_append(actor=actor, action="test.step", obj=actor, details={"n": n}) for n in range(count)]


def _raw(sql: str, params: list) -> None:
    """Change the table behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser can switch triggers off for a session
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_each_record_carries_the_hash_of_the_one_before():
    records = _chain(3)

    assert [record.previous_hash for record in records[1:]] == [record.hash for record in records[:-1]]
    assert audit_chain_verify() is None


def test_an_edited_record_is_named_as_the_first_broken_one():
    records = _chain(4)
    _raw("UPDATE interviews_auditrecord SET details = %s WHERE id = %s", ['{"n": 99}', records[1].pk])

    assert audit_chain_verify() == records[1]


def test_a_deleted_record_breaks_the_chain_at_the_next_one():
    records = _chain(4)
    _raw("DELETE FROM interviews_auditrecord WHERE id = %s", [records[2].pk])

    assert audit_chain_verify() == records[3]


def test_an_inserted_record_breaks_the_chain_where_it_was_put():
    records = _chain(3)
    forged = AuditRecord(
        at=records[1].at,
        actor_id=records[1].actor_id,
        action="test.forged",
        object_type="accounts.user",
        object_id="1",
        details={},
        previous_hash=records[2].hash,
        hash="f" * 64,
    )
    forged.save()

    assert audit_chain_verify() == forged


def test_the_management_command_reports_intact_and_broken_chains():
    records = _chain(2)
    output = StringIO()
    call_command("audit_verify", stdout=output)
    assert output.getvalue().strip() == "Audit chain intact: 2 records."

    _raw("UPDATE interviews_auditrecord SET action = %s WHERE id = %s", ["test.edited", records[0].pk])
    with pytest.raises(CommandError, match=f"Audit chain broken at record #{records[0].pk} "):
        call_command("audit_verify")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_to_update_or_delete_audit_records():
    [record] = _chain(1)
    for sql in (
        "UPDATE interviews_auditrecord SET action = 'x' WHERE id = %s",
        "DELETE FROM interviews_auditrecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])

    assert AuditRecord.objects.get(pk=record.pk).action == "test.step"


def test_booking_changes_and_session_moves_are_audited(taxpayer):
    from datetime import timedelta

    from django.utils import timezone

    from interviews import services as interview_services
    from scheduling import services as scheduling_services

    agent = factories.AgentFactory()
    booking = factories.BookingFactory(taxpayer=taxpayer, agent=agent, starts_at=timezone.now() + timedelta(minutes=5))
    session = interview_services.session_for_booking(booking=booking)
    interview_services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer)
    interview_services.session_admit(session_id=session.pk, agent=agent)
    interview_services.session_end(session_id=session.pk, agent=agent)
    with pytest.raises(DomainError):
        scheduling_services.booking_cancel(booking=booking, actor=taxpayer)

    trail = list(AuditRecord.objects.values_list("action", "actor_id", "details"))
    assert trail == [
        ("session.state", taxpayer.pk, {"from": "scheduled", "to": "waiting", "reason": ""}),
        ("session.state", agent.pk, {"from": "waiting", "to": "live", "reason": ""}),
        ("session.state", agent.pk, {"from": "live", "to": "completed", "reason": ""}),
        ("booking.complete", agent.pk, {}),
    ]
    assert audit_chain_verify() is None
