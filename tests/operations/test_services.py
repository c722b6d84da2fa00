"""The talk-now queue, agent states and supervisors' actions, through the services and a real database."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import AgentLanguage
from audit.models import AuditRecord
from core.errors import DomainError
from interviews import services as interview_services
from interviews.models import InterviewSession
from operations import selectors, services
from operations.models import AgentState, QueueEntry
from scheduling.models import Booking
from tests import factories
from tests.conftest import NOT_OFFERED

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
State = AgentState.State


@pytest.fixture(autouse=True)
def _queue_open_in_english_and_spanish():
    rules = selectors.queue_settings_get()
    rules.open_languages = ["en", "es"]
    rules.confirm_at_position = 0  # readiness is tested on its own below
    rules.save()


def available(agent, at=NOW):
    return factories.AgentStateFactory(agent=agent, state=State.AVAILABLE, since=at)


def join(taxpayer=None, *, language="en", at=NOW) -> QueueEntry:
    return services.queue_join(taxpayer=taxpayer or factories.TaxpayerFactory(), language=language, now=at)


def refused(code: str, call, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    assert error.value.code == code
    return error.value.message


# Joining and leaving


def test_joining_records_the_place_and_the_estimate_shown(agent):
    available(agent)
    first = join(at=NOW)
    second = join(at=NOW + timedelta(seconds=5))

    assert (first.status, first.joined_at, first.language) == (QueueEntry.Status.WAITING, NOW, "en")
    assert (first.estimate_low_seconds, first.estimate_high_seconds) == (0, 0)
    # One agent, no recent interviews: 0.75 of the 20-minute length, then 120 s of wrap-up.
    assert (second.estimate_low_seconds, second.estimate_high_seconds) == (1020, 1020)
    assert AuditRecord.objects.filter(action="queue.join").count() == 2


def test_joining_with_no_agent_on_duty_keeps_no_estimate():
    entry = join()
    assert (entry.estimate_low_seconds, entry.estimate_high_seconds) == (None, None)


def test_joining_twice_is_refused(taxpayer):
    join(taxpayer)
    assert refused("already_waiting", services.queue_join, taxpayer=taxpayer, language="en", now=NOW) == (
        "You are already in the queue."
    )
    assert QueueEntry.objects.filter(taxpayer=taxpayer).count() == 1


def test_joining_with_an_active_booking_is_refused(taxpayer):
    factories.BookingFactory(taxpayer=taxpayer)
    message = refused("already_booked", services.queue_join, taxpayer=taxpayer, language="en", now=NOW)
    assert "already have an interview booked" in message
    assert not QueueEntry.objects.exists()


def test_joining_a_closed_queue_is_refused(taxpayer):
    services.queue_set_open(supervisor=factories.SupervisorFactory(), language="es", is_open=False)
    message = refused("closed", services.queue_join, taxpayer=taxpayer, language="es", now=NOW)
    assert message == "Talking now in Spanish is closed at the moment. You can book an interview instead."
    assert not QueueEntry.objects.exists()


def test_joining_in_an_unsupported_language_is_refused(taxpayer):
    assert refused("language", services.queue_join, taxpayer=taxpayer, language=NOT_OFFERED, now=NOW) == (
        "Interviews in that language are not offered at the moment."
    )
    assert not QueueEntry.objects.exists()


def test_staff_cannot_join(agent):
    refused("role", services.queue_join, taxpayer=agent, language="en", now=NOW)


def test_leaving_counts_as_having_left(taxpayer):
    join(taxpayer)
    entry = services.queue_leave(taxpayer=taxpayer, now=NOW + timedelta(minutes=3))
    assert (entry.status, entry.wait_seconds) == (QueueEntry.Status.LEFT, 180)
    refused("not_waiting", services.queue_leave, taxpayer=taxpayer, now=NOW)


# Order and language


def test_agents_take_the_queue_first_come_first_served(agent):
    available(agent)
    first, second = join(at=NOW), join(at=NOW + timedelta(seconds=1))

    booking = services.queue_take_next(agent=agent, now=NOW + timedelta(minutes=1))

    first.refresh_from_db()
    assert (booking.taxpayer, first.booking, first.status) == (first.taxpayer, booking, QueueEntry.Status.TAKEN)
    assert QueueEntry.objects.get(pk=second.pk).status == QueueEntry.Status.WAITING
    assert [row["entry"] for row in selectors.queue_positions(language="en", now=NOW)] == [second]


def test_an_agent_takes_only_taxpayers_in_their_languages(agent):
    available(agent)
    spanish = join(language="es", at=NOW)
    english = join(language="en", at=NOW + timedelta(seconds=30))

    booking = services.queue_take_next(agent=agent, now=NOW + timedelta(minutes=1))

    assert booking.taxpayer == english.taxpayer
    assert QueueEntry.objects.get(pk=spanish.pk).status == QueueEntry.Status.WAITING


def test_a_bilingual_agent_takes_whoever_waited_longest(agent):
    AgentLanguage.objects.create(agent=agent, language="es")
    available(agent)
    spanish = join(language="es", at=NOW)
    join(language="en", at=NOW + timedelta(seconds=30))

    assert services.queue_take_next(agent=agent, now=NOW + timedelta(minutes=1)).taxpayer == spanish.taxpayer


def test_a_bilingual_agent_counts_once_across_the_languages_lines(agent):
    AgentLanguage.objects.create(agent=agent, language="es")
    available(agent)
    spanish = join(language="es", at=NOW)
    english = join(language="en", at=NOW + timedelta(seconds=30))

    (row,) = selectors.queue_positions(language="en", now=NOW)
    assert (row["entry"], row["position"]) == (english, 1)
    low, high = row["estimate"]
    assert low > 0  # the one agent takes the Spanish taxpayer first
    assert selectors.queue_place(entry=english, now=NOW)["estimate"] == (low, high)
    assert selectors.queue_positions(language="es", now=NOW)[0]["estimate"] == (0, 0)
    assert selectors.queue_place(entry=spanish, now=NOW)["estimate"] == (0, 0)


def test_positions_and_estimates_are_per_language(agent):
    available(agent)
    join(language="es")
    english = join(language="en", at=NOW + timedelta(seconds=1))

    rows = selectors.queue_positions(language="en", now=NOW)
    assert [(row["entry"], row["position"], row["estimate"]) for row in rows] == [(english, 1, (0, 0))]
    # Nobody speaks Spanish: no estimate rather than a false one.
    assert selectors.queue_positions(language="es", now=NOW)[0]["estimate"] is None


def test_taking_gives_the_taxpayer_a_booking_starting_now_with_a_session(agent):
    available(agent)
    entry = join()
    taken_at = NOW + timedelta(minutes=4)

    booking = services.queue_take_next(agent=agent, now=taken_at)

    assert (booking.agent, booking.starts_at, booking.ends_at, booking.blocked_until, booking.status) == (
        agent,
        taken_at,
        taken_at + timedelta(minutes=20),
        taken_at + timedelta(minutes=30),
        Booking.Status.ACTIVE,
    )
    assert InterviewSession.objects.get(booking=booking).state == InterviewSession.State.SCHEDULED
    entry.refresh_from_db()
    assert (entry.ended_at, entry.wait_seconds) == (taken_at, 240)
    assert AuditRecord.objects.get(action="booking.create").details["origin"] == "talk_now"


def test_an_agents_own_waiting_taxpayer_comes_before_the_queue(agent):
    available(agent)
    join()
    booking = factories.BookingFactory(agent=agent, starts_at=NOW)
    session = interview_services.session_for_booking(booking=booking)
    InterviewSession.objects.filter(pk=session.pk).update(state=InterviewSession.State.WAITING)

    assert services.queue_take_next(agent=agent, now=NOW) == booking
    assert QueueEntry.objects.get().status == QueueEntry.Status.WAITING


def test_taking_is_refused_when_a_booked_interview_starts_too_soon(agent):
    available(agent)
    join()
    factories.BookingFactory(agent=agent, starts_at=NOW + timedelta(minutes=25))

    message = refused("busy", services.queue_take_next, agent=agent, now=NOW)
    assert message.startswith("You have an interview booked at")
    assert QueueEntry.objects.get().status == QueueEntry.Status.WAITING


@pytest.mark.parametrize("state", [State.BREAK, State.OFFLINE, State.IN_INTERVIEW])
def test_taking_while_not_available_is_refused(agent, state):
    factories.AgentStateFactory(agent=agent, state=state, since=NOW)
    join()
    message = refused("not_available", services.queue_take_next, agent=agent, now=NOW)
    assert message.startswith("Set yourself as available before taking the next taxpayer.")
    assert not Booking.objects.exists()


def test_taking_with_nobody_waiting_is_refused(agent):
    available(agent)
    assert refused("empty", services.queue_take_next, agent=agent, now=NOW) == "Nobody is waiting in your languages."


def test_taking_with_people_waiting_only_in_other_languages_says_nobody_is_waiting_in_yours(agent):
    available(agent)
    join(language="es")
    assert refused("empty", services.queue_take_next, agent=agent, now=NOW) == "Nobody is waiting in your languages."
    assert QueueEntry.objects.get().status == QueueEntry.Status.WAITING


def test_closing_the_queue_keeps_those_already_waiting(agent, supervisor):
    available(agent)
    entry = join()
    services.queue_set_open(supervisor=supervisor, language="en", is_open=False)

    assert services.queue_take_next(agent=agent, now=NOW).taxpayer == entry.taxpayer
    assert list(AuditRecord.objects.filter(action="queue.close").values_list("actor", "details")) == [
        (supervisor.pk, {"language": "en"})
    ]


def test_only_supervisors_open_and_close_the_queue(agent):
    refused("role", services.queue_set_open, supervisor=agent, language="en", is_open=False)
    assert selectors.queue_settings_get().open_languages == ["en", "es"]


# Grace period


def test_a_taxpayer_back_within_the_grace_period_keeps_their_place(agent):
    first, second = join(at=NOW), join(at=NOW + timedelta(seconds=1))
    services.queue_connect(taxpayer=first.taxpayer, channel="tab-1", now=NOW)
    services.queue_disconnect(entry_id=first.pk, channel="tab-1", now=NOW + timedelta(minutes=1))

    # 179 s later (grace 180 s) the sweep keeps them; then they are back.
    assert services.queue_sweep(now=NOW + timedelta(minutes=1, seconds=179))["expired"] == 0
    services.queue_connect(taxpayer=first.taxpayer, channel="tab-2", now=NOW + timedelta(minutes=3))

    assert [row["entry"] for row in selectors.queue_positions(language="en", now=NOW)] == [first, second]
    assert QueueEntry.objects.get(pk=first.pk).disconnected_at is None


def test_a_taxpayer_gone_past_the_grace_period_leaves_and_counts_as_abandoned():
    entry = join()
    services.queue_connect(taxpayer=entry.taxpayer, channel="tab-1", now=NOW)
    services.queue_disconnect(entry_id=entry.pk, channel="tab-1", now=NOW)

    assert services.queue_sweep(now=NOW + timedelta(seconds=180))["expired"] == 1
    entry.refresh_from_db()
    assert entry.status == QueueEntry.Status.EXPIRED
    assert selectors.figures_between(start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1)).abandoned == 1


def test_an_older_tab_closing_does_not_start_the_grace_period():
    entry = join()
    services.queue_connect(taxpayer=entry.taxpayer, channel="old", now=NOW)
    services.queue_connect(taxpayer=entry.taxpayer, channel="new", now=NOW)
    services.queue_disconnect(entry_id=entry.pk, channel="old", now=NOW)
    assert QueueEntry.objects.get(pk=entry.pk).disconnected_at is None


def test_a_taxpayer_away_is_passed_over_but_keeps_their_place(agent):
    available(agent)
    away, present = join(at=NOW), join(at=NOW + timedelta(seconds=1))
    services.queue_connect(taxpayer=away.taxpayer, channel="tab", now=NOW)
    services.queue_disconnect(entry_id=away.pk, channel="tab", now=NOW)

    assert services.queue_take_next(agent=agent, now=NOW + timedelta(seconds=30)).taxpayer == present.taxpayer
    away.refresh_from_db()
    assert (away.status, away.passed_over) == (QueueEntry.Status.WAITING, 1)


# Confirming readiness


@pytest.fixture
def confirm_two():
    rules = selectors.queue_settings_get()
    rules.confirm_at_position, rules.confirm_seconds = 2, 60
    rules.save()


def test_the_first_in_line_are_asked_to_confirm(confirm_two):
    entries = [join(at=NOW + timedelta(seconds=index)) for index in range(3)]
    asked = [QueueEntry.objects.get(pk=entry.pk).ready_requested_at is not None for entry in entries]
    assert asked == [True, True, False]


def test_only_those_who_confirmed_are_taken_and_the_silent_keep_their_place(confirm_two, agent):
    available(agent)
    silent, ready = join(at=NOW), join(at=NOW + timedelta(seconds=1))
    third = join(at=NOW + timedelta(seconds=2))
    services.queue_confirm_ready(taxpayer=ready.taxpayer, now=NOW + timedelta(seconds=10))

    # The silent one's minute runs out: they are passed over, and the window moves on to the third.
    services.queue_sweep(now=NOW + timedelta(seconds=61))
    assert services.queue_take_next(agent=agent, now=NOW + timedelta(seconds=61)).taxpayer == ready.taxpayer

    silent.refresh_from_db()
    assert (silent.status, silent.passed_over) == (QueueEntry.Status.WAITING, 1)
    assert QueueEntry.objects.get(pk=third.pk).ready_requested_at is not None
    assert [row["entry"] for row in selectors.queue_positions(language="en", now=NOW)] == [silent, third]


def test_nobody_ready_is_refused_saying_how_many_wait(confirm_two, agent):
    available(agent)
    first = join()
    join(at=NOW + timedelta(seconds=1))

    assert refused("not_ready", services.queue_take_next, agent=agent, now=NOW) == (
        "2 waiting, but nobody has confirmed they are ready yet. Try again in a moment."
    )
    assert not Booking.objects.exists()
    assert QueueEntry.objects.get(pk=first.pk).status == QueueEntry.Status.WAITING


def test_the_agents_queue_counts_those_waiting_and_those_ready_to_be_taken(confirm_two, agent):
    agent.agent_languages.create(language="es")
    ready, away = join(at=NOW), join(at=NOW + timedelta(seconds=1))
    join(at=NOW + timedelta(seconds=2))
    join(language="es")
    services.queue_confirm_ready(taxpayer=ready.taxpayer, now=NOW)
    services.queue_confirm_ready(taxpayer=away.taxpayer, now=NOW)
    services.queue_connect(taxpayer=away.taxpayer, channel="tab", now=NOW)
    services.queue_disconnect(entry_id=away.pk, channel="tab", now=NOW)

    assert selectors.agent_queues(agent=agent) == [
        {"code": "en", "open": True, "waiting": 3, "ready": 1},
        {"code": "es", "open": True, "waiting": 1, "ready": 0},
    ]


def test_without_readiness_asked_everyone_present_is_ready(agent):
    join(), join()
    assert selectors.agent_queues(agent=agent) == [{"code": "en", "open": True, "waiting": 2, "ready": 2}]


def test_an_agent_who_takes_no_audio_only_interviews_counts_no_audio_only_taxpayer(agent):
    factories.AgentProfileFactory(user=agent, takes_audio_only=False)
    available(agent)
    taxpayer = factories.TaxpayerFactory(profile__audio_only=True)
    join(taxpayer)
    assert QueueEntry.objects.get().audio_only is True

    assert selectors.agent_queues(agent=agent) == [{"code": "en", "open": True, "waiting": 0, "ready": 0}]
    assert refused("empty", services.queue_take_next, agent=agent, now=NOW) == "Nobody is waiting in your languages."


def test_silent_past_the_confirm_time_and_the_grace_period_leaves_the_queue(confirm_two):
    entry = join()
    assert services.queue_sweep(now=NOW + timedelta(seconds=60 + 179))["expired"] == 0
    assert services.queue_sweep(now=NOW + timedelta(seconds=60 + 180))["expired"] == 1
    assert QueueEntry.objects.get(pk=entry.pk).status == QueueEntry.Status.EXPIRED


# Agent states


def test_agents_without_a_state_are_offline(agent):
    assert selectors.agent_state_get(agent=agent, now=NOW).state == State.OFFLINE


def test_an_agent_sets_their_own_state_without_an_audit_record(agent):
    services.agent_state_set(agent=agent, state=State.AVAILABLE, actor=agent, now=NOW)
    services.agent_state_set(agent=agent, state=State.BREAK, actor=agent, now=NOW + timedelta(minutes=5))
    assert selectors.agent_state_get(agent=agent, now=NOW).state == State.BREAK
    assert AgentState.objects.get(agent=agent).since == NOW + timedelta(minutes=5)
    assert not AuditRecord.objects.filter(action="agent.state").exists()


def test_a_supervisor_changes_an_agents_state_and_it_is_audited(agent, supervisor):
    services.agent_state_set(agent=agent, state=State.AVAILABLE, actor=supervisor, now=NOW)
    record = AuditRecord.objects.get(action="agent.state")
    assert (record.actor, record.object_id, record.details) == (
        supervisor,
        str(agent.pk),
        {"from": "offline", "to": "available"},
    )


def test_another_agent_cannot_change_ones_state(agent):
    refused("role", services.agent_state_set, agent=agent, state=State.BREAK, actor=factories.AgentFactory(), now=NOW)


def test_in_interview_and_wrap_up_cannot_be_set_by_hand(agent):
    refused("state", services.agent_state_set, agent=agent, state=State.IN_INTERVIEW, actor=agent, now=NOW)
    refused("state", services.agent_state_set, agent=agent, state=State.WRAP_UP, actor=agent, now=NOW)


def test_the_call_moves_the_agent_from_available_to_in_interview_to_wrap_up_to_available(agent, taxpayer):
    available(agent)
    booking = factories.BookingFactory(agent=agent, taxpayer=taxpayer, starts_at=datetime.now(UTC))
    session = interview_services.session_for_booking(booking=booking)
    interview_services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer)

    interview_services.session_admit(session_id=session.pk, agent=agent)
    state = selectors.agent_state_get(agent=agent)
    assert (state.state, state.session_id) == (State.IN_INTERVIEW, session.pk)
    refused("in_interview", services.agent_state_set, agent=agent, state=State.BREAK, actor=agent)

    interview_services.session_end(session_id=session.pk, agent=agent)
    row = AgentState.objects.get(agent=agent)
    assert row.state == State.WRAP_UP
    assert row.until - row.since == timedelta(seconds=120)
    # Treated as available once the wrap-up is over, before any sweep; the sweep then writes it.
    assert selectors.agent_state_get(agent=agent, now=row.until - timedelta(seconds=1)).state == State.WRAP_UP
    assert selectors.agent_state_get(agent=agent, now=row.until).state == State.AVAILABLE
    assert services.queue_sweep(now=row.until)["available"] == 1
    assert AgentState.objects.get(agent=agent).state == State.AVAILABLE


# Reassigning


@pytest.fixture
def waiting_booking(agent, taxpayer):
    booking = factories.BookingFactory(agent=agent, taxpayer=taxpayer, starts_at=NOW)
    session = interview_services.session_for_booking(booking=booking)
    InterviewSession.objects.filter(pk=session.pk).update(state=InterviewSession.State.WAITING)
    return booking


def test_a_waiting_taxpayer_is_reassigned_to_an_available_agent(waiting_booking, supervisor):
    other = factories.AgentFactory()
    available(other)
    services.booking_reassign(supervisor=supervisor, booking=waiting_booking, agent=other, now=NOW)
    waiting_booking.refresh_from_db()
    assert waiting_booking.agent == other
    record = AuditRecord.objects.get(action="booking.reassign")
    assert (record.actor, record.details["to"]) == (supervisor, other.pk)


def test_reassigning_to_an_offline_agent_is_refused(waiting_booking, supervisor, agent):
    other = factories.AgentFactory(full_name="Linh Nguyen")
    message = refused(
        "offline", services.booking_reassign, supervisor=supervisor, booking=waiting_booking, agent=other, now=NOW
    )
    assert message == "Linh Nguyen is offline."
    assert Booking.objects.get(pk=waiting_booking.pk).agent == agent


def test_reassigning_to_an_agent_without_the_language_is_refused(waiting_booking, supervisor, agent):
    other = factories.AgentFactory(full_name="Jorge Garcia", english=None)
    AgentLanguage.objects.create(agent=other, language="es")
    available(other)
    message = refused(
        "language", services.booking_reassign, supervisor=supervisor, booking=waiting_booking, agent=other, now=NOW
    )
    assert message == "Jorge Garcia does not hold interviews in English."
    assert Booking.objects.get(pk=waiting_booking.pk).agent == agent


def test_reassigning_a_future_booking_needs_the_agent_free_then(supervisor, agent):
    from datetime import time

    day_after = (datetime.now(UTC) + timedelta(days=2)).replace(hour=15, minute=0, second=0, microsecond=0)
    booking = factories.BookingFactory(agent=agent, starts_at=day_after)
    free, busy = factories.AgentFactory(time_zone="UTC"), factories.AgentFactory(time_zone="UTC")
    for person in (free, busy):
        factories.WeeklyHoursFactory(agent=person, weekday=day_after.weekday(), start=time(9), end=time(17))
    factories.BookingFactory(agent=busy, starts_at=day_after)

    refused("busy", services.booking_reassign, supervisor=supervisor, booking=booking, agent=busy)
    services.booking_reassign(supervisor=supervisor, booking=booking, agent=free)
    assert Booking.objects.get(pk=booking.pk).agent == free


def test_an_interview_under_way_cannot_be_reassigned(waiting_booking, supervisor):
    InterviewSession.objects.filter(booking=waiting_booking).update(state=InterviewSession.State.LIVE)
    other = factories.AgentFactory()
    available(other)
    refused("not_active", services.booking_reassign, supervisor=supervisor, booking=waiting_booking, agent=other)


# Monitoring


def test_monitoring_a_live_call_is_audited(waiting_booking, supervisor):
    session = InterviewSession.objects.get(booking=waiting_booking)
    refused("not_live", services.session_monitor_start, supervisor=supervisor, session_id=session.pk)
    InterviewSession.objects.filter(pk=session.pk).update(state=InterviewSession.State.LIVE)

    services.session_monitor_start(supervisor=supervisor, session_id=session.pk)

    record = AuditRecord.objects.get(action="session.monitor")
    assert (record.actor, record.object_id) == (supervisor, str(session.pk))
    refused("role", services.session_monitor_start, supervisor=waiting_booking.agent, session_id=session.pk)


def test_the_share_who_left_lately_widens_the_estimate_downwards(agent):
    available(agent)
    for status in ("left", "expired", "taken", "taken"):
        factories.QueueEntryFactory(status=status, joined_at=NOW - timedelta(hours=1), ended_at=NOW)
    assert selectors.recent_leave_share(now=NOW) == 0.5
    entries = [join(at=NOW + timedelta(seconds=index)) for index in range(3)]
    # Third in line, one agent, 1020 s a turn: the low end counts one person ahead, the high end two.
    assert (entries[2].estimate_low_seconds, entries[2].estimate_high_seconds) == (1020, 2040)


def test_an_agent_who_took_someone_is_sent_back_to_them_rather_than_taking_another(agent):
    available(agent)
    first = join(at=NOW)
    join(at=NOW + timedelta(seconds=1))
    booking = services.queue_take_next(agent=agent, now=NOW)

    assert services.queue_take_next(agent=agent, now=NOW + timedelta(minutes=1)) == booking
    assert booking.taxpayer == first.taxpayer
    assert QueueEntry.objects.filter(status=QueueEntry.Status.WAITING).count() == 1


def test_the_sweep_task_runs_the_queue_sweep():
    from operations.tasks import sweep_queue

    entry = join()
    QueueEntry.objects.filter(pk=entry.pk).update(disconnected_at=datetime.now(UTC) - timedelta(hours=1))
    assert sweep_queue.delay().get() == {"expired": 1, "available": 0}
    assert QueueEntry.objects.get(pk=entry.pk).status == QueueEntry.Status.EXPIRED


def test_one_entrys_place_agrees_with_the_whole_queue(agent):
    available(agent)
    entries = [join(at=NOW + timedelta(seconds=index % 2)) for index in range(4)]  # two pairs joined at once
    whole = selectors.queue_positions(language="en", now=NOW)
    assert [selectors.queue_place(entry=entry, now=NOW) for entry in entries] == sorted(
        whole, key=lambda row: entries.index(row["entry"])
    )
