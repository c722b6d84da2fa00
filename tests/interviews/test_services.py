"""Interview services and selectors against a real database: the session's states, who may join, ICE servers."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django_otp import DEVICE_ID_SESSION_KEY

from core.errors import DomainError
from interviews import selectors, services
from interviews.media.service import session_group
from interviews.models import InterviewSession
from scheduling.models import Booking, BookingLink
from tests.factories import AgentFactory, BookingFactory, QueueEntryFactory, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

State = InterviewSession.State
STARTS = datetime(2027, 1, 11, 10, tzinfo=UTC)
OPENS = STARTS - timedelta(minutes=15)  # the default join window


@pytest.fixture
def booking(taxpayer, agent) -> Booking:
    return BookingFactory(taxpayer=taxpayer, agent=agent, starts_at=STARTS)


@pytest.fixture
def session(booking) -> InterviewSession:
    return services.session_for_booking(booking=booking)


async def receive_within(layer, channel: str, seconds: float) -> dict:
    async with asyncio.timeout(seconds):
        return await layer.receive(channel)


def events_of(session: InterviewSession) -> list[tuple]:
    return list(session.events.values_list("from_state", "to_state", "actor_id", "reason"))


def waiting(session, taxpayer, *, at=OPENS) -> InterviewSession:
    return services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer, now=at)


def live(session, taxpayer, agent, *, at=STARTS) -> InterviewSession:
    waiting(session, taxpayer)
    return services.session_admit(session_id=session.pk, agent=agent, now=at)


# Creating and connecting


def test_session_for_booking_creates_one_scheduled_session_and_then_returns_it(booking):
    first = services.session_for_booking(booking=booking)
    second = services.session_for_booking(booking=booking)

    assert first.pk == second.pk
    assert first.state == State.SCHEDULED
    assert InterviewSession.objects.filter(booking=booking).count() == 1


def test_taxpayer_connecting_when_the_join_window_opens_enters_the_waiting_room(session, taxpayer):
    result = waiting(session, taxpayer, at=OPENS)

    session.refresh_from_db()
    assert result.state == session.state == State.WAITING
    assert session.waiting_since == OPENS
    assert session.taxpayer_connected is True
    assert session.taxpayer_disconnected_at is None
    assert session.booking.taxpayer_joined_at == OPENS
    assert events_of(session) == [(State.SCHEDULED, State.WAITING, taxpayer.pk, "")]


def test_taxpayer_connecting_before_the_join_window_is_refused_with_not_open(session, taxpayer):
    with pytest.raises(DomainError) as refused:
        waiting(session, taxpayer, at=OPENS - timedelta(seconds=1))

    assert refused.value.code == "not_open"
    session.refresh_from_db()
    assert session.state == State.SCHEDULED
    assert session.taxpayer_connected is False
    assert session.booking.taxpayer_joined_at is None
    assert events_of(session) == []


def test_join_window_follows_the_interview_settings(session, taxpayer):
    from scheduling.selectors import interview_settings_get

    rules = interview_settings_get()
    rules.join_window_minutes = 5
    rules.save()

    with pytest.raises(DomainError) as refused:
        waiting(session, taxpayer, at=STARTS - timedelta(minutes=5, seconds=1))
    assert refused.value.code == "not_open"
    assert waiting(session, taxpayer, at=STARTS - timedelta(minutes=5)).state == State.WAITING


def test_taxpayer_of_a_cancelled_booking_cannot_enter_the_waiting_room(session, taxpayer):
    Booking.objects.filter(pk=session.booking_id).update(status=Booking.Status.CANCELLED)

    with pytest.raises(DomainError) as refused:
        waiting(session, taxpayer, at=STARTS)

    assert (refused.value.code, refused.value.message) == ("ended", "This interview is no longer booked.")
    session.refresh_from_db()
    assert session.state == State.SCHEDULED


def test_agent_connecting_marks_the_agent_present_without_changing_the_state(session, agent):
    result = services.session_connect(session_id=session.pk, role="agent", user=agent, now=OPENS - timedelta(hours=1))

    session.refresh_from_db()
    assert result.state == session.state == State.SCHEDULED
    assert session.agent_connected is True
    assert session.taxpayer_connected is False
    assert events_of(session) == []


def test_taxpayer_reconnecting_while_waiting_keeps_the_original_wait_and_first_join(session, taxpayer):
    waiting(session, taxpayer, at=OPENS)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=OPENS + timedelta(seconds=20))

    waiting(session, taxpayer, at=OPENS + timedelta(seconds=30))

    session.refresh_from_db()
    assert session.state == State.WAITING
    assert session.waiting_since == OPENS
    assert session.taxpayer_connected is True
    assert session.taxpayer_disconnected_at is None
    assert session.booking.taxpayer_joined_at == OPENS
    assert events_of(session) == [(State.SCHEDULED, State.WAITING, taxpayer.pk, "")]


@pytest.mark.parametrize("role", ["taxpayer", "agent"])
@pytest.mark.parametrize("ended", [State.COMPLETED, State.NO_SHOW])
def test_connecting_to_an_ended_interview_is_refused_with_ended(session, taxpayer, agent, role, ended):
    InterviewSession.objects.filter(pk=session.pk).update(state=ended)
    user = taxpayer if role == "taxpayer" else agent

    with pytest.raises(DomainError) as refused:
        services.session_connect(session_id=session.pk, role=role, user=user, now=STARTS)

    assert refused.value.code == "ended"
    session.refresh_from_db()
    assert session.state == ended
    assert (session.taxpayer_connected, session.agent_connected) == (False, False)


def test_disconnect_records_who_left_and_when(session, taxpayer, agent):
    waiting(session, taxpayer)
    services.session_connect(session_id=session.pk, role="agent", user=agent, now=OPENS)
    gone = OPENS + timedelta(minutes=1)

    services.session_disconnect(session_id=session.pk, role="agent", now=gone)

    session.refresh_from_db()
    assert (session.agent_connected, session.agent_disconnected_at) == (False, gone)
    assert (session.taxpayer_connected, session.taxpayer_disconnected_at) == (True, None)
    assert session.state == State.WAITING


def test_an_older_connection_closing_late_does_not_mark_the_participant_gone(session, taxpayer, agent):
    services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer, channel="old", now=OPENS)
    services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer, channel="new", now=OPENS)
    services.session_connect(session_id=session.pk, role="agent", user=agent, channel="agent", now=OPENS)

    services.session_disconnect(session_id=session.pk, role="taxpayer", channel="old", now=OPENS)
    services.session_disconnect(session_id=session.pk, role="agent", channel="old", now=OPENS)

    session.refresh_from_db()
    assert (session.taxpayer_connected, session.taxpayer_disconnected_at) == (True, None)
    assert (session.agent_connected, session.agent_disconnected_at) == (True, None)

    gone = OPENS + timedelta(seconds=5)
    services.session_disconnect(session_id=session.pk, role="taxpayer", channel="new", now=gone)

    session.refresh_from_db()
    assert (session.taxpayer_connected, session.taxpayer_disconnected_at) == (False, gone)


# Admitting and ending


def test_assigned_agent_admits_the_waiting_taxpayer_and_the_call_goes_live(session, taxpayer, agent):
    waiting(session, taxpayer)

    result = services.session_admit(session_id=session.pk, agent=agent, now=STARTS)

    session.refresh_from_db()
    assert result.state == session.state == State.LIVE
    assert session.admitted_at == STARTS
    assert events_of(session) == [
        (State.SCHEDULED, State.WAITING, taxpayer.pk, ""),
        (State.WAITING, State.LIVE, agent.pk, ""),
    ]


@pytest.mark.parametrize(
    ("arrived", "admitted", "wait"),
    [
        (OPENS, STARTS + timedelta(seconds=40), 40),  # early: the wait counts from the booked time
        (STARTS + timedelta(minutes=3), STARTS + timedelta(minutes=5), 120),  # late: from arrival
        (OPENS, STARTS - timedelta(minutes=5), 0),  # admitted before their time: no wait
    ],
)
def test_admission_records_that_the_taxpayer_came_and_how_long_they_waited(
    session, taxpayer, agent, arrived, admitted, wait
):
    waiting(session, taxpayer, at=arrived)
    session.refresh_from_db()
    assert (session.taxpayer_came, session.wait_seconds) == (True, None)

    services.session_admit(session_id=session.pk, agent=agent, now=admitted)

    session.refresh_from_db()
    assert session.wait_seconds == wait


def test_a_talk_now_wait_counts_from_joining_the_queue(session, taxpayer, agent):
    QueueEntryFactory(
        taxpayer=taxpayer, joined_at=STARTS - timedelta(minutes=10), status="taken", booking=session.booking
    )
    waiting(session, taxpayer, at=STARTS)

    services.session_admit(session_id=session.pk, agent=agent, now=STARTS + timedelta(seconds=30))

    session.refresh_from_db()
    assert session.wait_seconds == 630


def test_another_agent_cannot_admit_the_taxpayer(session, taxpayer):
    waiting(session, taxpayer)

    with pytest.raises(DomainError) as refused:
        services.session_admit(session_id=session.pk, agent=AgentFactory(), now=STARTS)

    assert refused.value.code == "forbidden"
    session.refresh_from_db()
    assert session.state == State.WAITING
    assert session.admitted_at is None
    assert len(events_of(session)) == 1


def test_admit_before_the_taxpayer_is_waiting_is_refused_with_not_waiting(session, agent):
    with pytest.raises(DomainError) as refused:
        services.session_admit(session_id=session.pk, agent=agent, now=STARTS)

    assert refused.value.code == "not_waiting"
    session.refresh_from_db()
    assert session.state == State.SCHEDULED
    assert events_of(session) == []


def test_admit_while_the_waiting_taxpayer_is_disconnected_is_refused_with_not_waiting(session, taxpayer, agent):
    waiting(session, taxpayer)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=OPENS + timedelta(seconds=5))

    with pytest.raises(DomainError) as refused:
        services.session_admit(session_id=session.pk, agent=agent, now=STARTS)

    assert refused.value.code == "not_waiting"
    session.refresh_from_db()
    assert session.state == State.WAITING


def test_admit_of_a_live_call_is_refused_with_not_waiting(session, taxpayer, agent):
    live(session, taxpayer, agent)

    with pytest.raises(DomainError) as refused:
        services.session_admit(session_id=session.pk, agent=agent, now=STARTS + timedelta(minutes=1))

    assert refused.value.code == "not_waiting"
    session.refresh_from_db()
    assert session.admitted_at == STARTS
    assert len(events_of(session)) == 2


def test_ending_the_call_completes_the_session_and_the_booking(session, taxpayer, agent):
    live(session, taxpayer, agent)
    BookingLink.objects.create(booking=session.booking, token_hash="a" * 64)
    ended = STARTS + timedelta(minutes=18)

    result = services.session_end(session_id=session.pk, agent=agent, now=ended)

    session.refresh_from_db()
    session.booking.refresh_from_db()
    assert result.state == session.state == State.COMPLETED
    assert session.ended_at == ended
    assert session.booking.status == Booking.Status.COMPLETED
    assert BookingLink.objects.filter(booking=session.booking).count() == 0
    assert events_of(session)[-1] == (State.LIVE, State.COMPLETED, agent.pk, "")


def test_another_agent_cannot_end_the_call(session, taxpayer, agent):
    live(session, taxpayer, agent)

    with pytest.raises(DomainError) as refused:
        services.session_end(session_id=session.pk, agent=AgentFactory(), now=STARTS)

    assert refused.value.code == "forbidden"
    session.refresh_from_db()
    assert session.state == State.LIVE
    assert session.booking.status == Booking.Status.ACTIVE


@pytest.mark.parametrize("before", ["scheduled", "waiting"])
def test_a_call_that_never_went_live_cannot_be_ended(session, taxpayer, agent, before):
    if before == "waiting":
        waiting(session, taxpayer)

    with pytest.raises(DomainError) as refused:
        services.session_end(session_id=session.pk, agent=agent, now=STARTS)

    assert refused.value.code == "state"
    session.refresh_from_db()
    session.booking.refresh_from_db()
    assert session.state == before
    assert session.ended_at is None
    assert session.booking.status == Booking.Status.ACTIVE


def test_a_completed_call_cannot_be_admitted_or_ended_again(session, taxpayer, agent):
    live(session, taxpayer, agent)
    services.session_end(session_id=session.pk, agent=agent, now=STARTS + timedelta(minutes=10))

    with pytest.raises(DomainError) as admit_refused:
        services.session_admit(session_id=session.pk, agent=agent)
    with pytest.raises(DomainError) as end_refused:
        services.session_end(session_id=session.pk, agent=agent)

    assert (admit_refused.value.code, end_refused.value.code) == ("ended", "state")
    assert len(events_of(session)) == 3


# The sweep after a disconnect


def test_live_call_is_interrupted_once_the_taxpayer_is_gone_longer_than_the_reconnect_time(
    session, taxpayer, agent, settings
):
    live(session, taxpayer, agent)
    gone = STARTS + timedelta(minutes=3)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=gone)
    limit = timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS)

    assert services.sessions_sweep(now=gone + limit) == {"interrupted": 0, "abandoned": 0, "no_show": 0}
    session.refresh_from_db()
    assert session.state == State.LIVE

    assert services.sessions_sweep(now=gone + limit + timedelta(seconds=1)) == {
        "interrupted": 1,
        "abandoned": 0,
        "no_show": 0,
    }
    session.refresh_from_db()
    assert session.state == State.INTERRUPTED
    assert events_of(session)[-1] == (State.LIVE, State.INTERRUPTED, None, "disconnected")


def test_live_call_is_interrupted_once_the_agent_is_gone_longer_than_the_reconnect_time(
    session, taxpayer, agent, settings
):
    live(session, taxpayer, agent)
    services.session_connect(session_id=session.pk, role="agent", user=agent, now=STARTS)
    gone = STARTS + timedelta(minutes=3)
    services.session_disconnect(session_id=session.pk, role="agent", now=gone)

    counts = services.sessions_sweep(now=gone + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1))

    assert counts == {"interrupted": 1, "abandoned": 0, "no_show": 0}
    session.refresh_from_db()
    assert session.state == State.INTERRUPTED


def test_reconnect_time_comes_from_the_settings(session, taxpayer, agent, settings):
    settings.INTERVIEW_RECONNECT_SECONDS = 300
    live(session, taxpayer, agent)
    gone = STARTS + timedelta(minutes=3)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=gone)

    assert services.sessions_sweep(now=gone + timedelta(seconds=200)) == {
        "interrupted": 0,
        "abandoned": 0,
        "no_show": 0,
    }
    assert services.sessions_sweep(now=gone + timedelta(seconds=301)) == {
        "interrupted": 1,
        "abandoned": 0,
        "no_show": 0,
    }


def test_waiting_room_left_longer_than_the_reconnect_time_is_abandoned(session, taxpayer, settings):
    waiting(session, taxpayer)
    gone = OPENS + timedelta(minutes=2)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=gone)
    limit = timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS)

    assert services.sessions_sweep(now=gone + limit) == {"interrupted": 0, "abandoned": 0, "no_show": 0}
    assert services.sessions_sweep(now=gone + limit + timedelta(seconds=1)) == {
        "interrupted": 0,
        "abandoned": 1,
        "no_show": 0,
    }

    session.refresh_from_db()
    assert session.state == State.ABANDONED
    assert events_of(session)[-1] == (State.WAITING, State.ABANDONED, None, "disconnected")


def test_waiting_room_stays_open_when_only_the_agent_is_gone(session, taxpayer, agent, settings):
    waiting(session, taxpayer)
    services.session_connect(session_id=session.pk, role="agent", user=agent, now=OPENS)
    services.session_disconnect(session_id=session.pk, role="agent", now=OPENS)

    counts = services.sessions_sweep(now=OPENS + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 60))

    assert counts == {"interrupted": 0, "abandoned": 0, "no_show": 0}
    session.refresh_from_db()
    assert session.state == State.WAITING


def test_sweep_leaves_sessions_whose_participants_are_connected(session, taxpayer, agent, settings):
    live(session, taxpayer, agent)
    services.session_connect(session_id=session.pk, role="agent", user=agent, now=STARTS)

    counts = services.sessions_sweep(now=STARTS + timedelta(hours=1))

    assert counts == {"interrupted": 0, "abandoned": 0, "no_show": 0}
    session.refresh_from_db()
    assert session.state == State.LIVE


def test_the_sweep_task_uses_the_current_time(session, taxpayer, agent, settings):
    from interviews.tasks import sweep_sessions

    live(session, taxpayer, agent)
    gone = STARTS + timedelta(minutes=3)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=gone)

    with time_machine.travel(gone + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1), tick=False):
        assert sweep_sessions.delay().get() == {"interrupted": 1, "abandoned": 0, "no_show": 0}

    session.refresh_from_db()
    assert session.state == State.INTERRUPTED


def test_abandoned_taxpayer_coming_back_waits_again_from_the_new_arrival(session, taxpayer, settings):
    waiting(session, taxpayer)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=OPENS)
    services.sessions_sweep(now=OPENS + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1))
    back = OPENS + timedelta(minutes=5)

    waiting(session, taxpayer, at=back)

    session.refresh_from_db()
    assert session.state == State.WAITING
    assert session.waiting_since == back
    assert session.booking.taxpayer_joined_at == OPENS
    assert events_of(session)[-1] == (State.ABANDONED, State.WAITING, taxpayer.pk, "")


def test_interrupted_call_is_resumed_by_the_agent_admitting_again(session, taxpayer, agent, settings):
    live(session, taxpayer, agent)
    gone = STARTS + timedelta(minutes=3)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=gone)
    services.sessions_sweep(now=gone + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1))
    services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer, now=gone + timedelta(minutes=2))

    result = services.session_admit(session_id=session.pk, agent=agent, now=gone + timedelta(minutes=3))

    session.refresh_from_db()
    assert result.state == session.state == State.LIVE
    assert session.admitted_at == STARTS
    assert events_of(session)[-1] == (State.INTERRUPTED, State.LIVE, agent.pk, "resumed")


def test_interrupted_call_can_be_ended(session, taxpayer, agent, settings):
    live(session, taxpayer, agent)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=STARTS)
    services.sessions_sweep(now=STARTS + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1))

    services.session_end(session_id=session.pk, agent=agent, now=STARTS + timedelta(minutes=5))

    session.refresh_from_db()
    assert session.state == State.COMPLETED
    assert events_of(session)[-1] == (State.INTERRUPTED, State.COMPLETED, agent.pk, "")


def test_every_change_of_a_whole_interview_is_recorded_with_from_to_and_actor(session, taxpayer, agent, settings):
    waiting(session, taxpayer)
    services.session_admit(session_id=session.pk, agent=agent, now=STARTS)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=STARTS)
    services.sessions_sweep(now=STARTS + timedelta(seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1))
    services.session_connect(session_id=session.pk, role="taxpayer", user=taxpayer, now=STARTS + timedelta(minutes=2))
    services.session_admit(session_id=session.pk, agent=agent, now=STARTS + timedelta(minutes=2))
    services.session_end(session_id=session.pk, agent=agent, now=STARTS + timedelta(minutes=20))

    assert events_of(session) == [
        (State.SCHEDULED, State.WAITING, taxpayer.pk, ""),
        (State.WAITING, State.LIVE, agent.pk, ""),
        (State.LIVE, State.INTERRUPTED, None, "disconnected"),
        (State.INTERRUPTED, State.LIVE, agent.pk, "resumed"),
        (State.LIVE, State.COMPLETED, agent.pk, ""),
    ]


def test_a_state_change_is_announced_to_the_session_group_after_commit(
    session, taxpayer, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    # The layer drops group members that look a day old, so the whole exchange happens at one frozen time.
    with time_machine.travel(OPENS + timedelta(seconds=40), tick=False):
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(session_group(session.pk), channel)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            waiting(session, taxpayer, at=OPENS)
        message = async_to_sync(receive_within)(layer, channel, 5)
        async_to_sync(layer.group_discard)(session_group(session.pk), channel)

    assert len(callbacks) == 2  # the session's group, then the operations dashboards (operations.broadcast)
    assert message == {
        "type": "interview.state",
        "state": "waiting",
        "waited_seconds": 40,
        "taxpayer_connected": True,
        "agent_connected": False,
    }


# ICE servers


def test_no_ice_servers_without_stun_or_turn_urls(settings):
    settings.STUN_URLS = []
    settings.TURN_URLS = []

    assert selectors.ice_servers_for(user_id=42, now=1_800_000_000.0) == []


def test_turn_credentials_are_minted_per_user_from_the_shared_secret(settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.TURN_SECRET = "s3cret"
    settings.TURN_CREDENTIAL_SECONDS = 3600

    servers = selectors.ice_servers_for(user_id=42, now=1_800_000_000.0)

    # printf '1800003600:42' | openssl dgst -sha1 -hmac s3cret -binary | base64
    assert servers == [
        {"urls": ["stun:stun.example.org:3478"]},
        {
            "urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
            "username": "1800003600:42",
            "credential": "xwEszagJAQ7qnt6U2JHgto5ZWA0=",
        },
    ]


def test_turn_credentials_expire_from_the_current_time_by_default(settings):
    settings.STUN_URLS = []
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = "s3cret"
    settings.TURN_CREDENTIAL_SECONDS = 600

    with time_machine.travel(datetime(2027, 1, 11, 10, tzinfo=UTC), tick=False):
        (server,) = selectors.ice_servers_for(user_id=7)

    assert server["username"] == f"{int(datetime(2027, 1, 11, 10, 10, tzinfo=UTC).timestamp())}:7"


def test_stun_only_gives_no_credentials(settings):
    settings.STUN_URLS = ["stun:a.example.org", "stun:b.example.org"]
    settings.TURN_URLS = []

    assert selectors.ice_servers_for(user_id=42) == [{"urls": ["stun:a.example.org", "stun:b.example.org"]}]


# The second factor on a WebSocket


def test_taxpayer_needs_no_second_factor(taxpayer):
    assert selectors.staff_is_verified(user=taxpayer, session={}) is True


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_staff_without_a_verified_device_in_the_session_are_not_verified(role, agent, supervisor):
    user = agent if role == "agent" else supervisor
    TOTPDeviceFactory(user=user)

    assert selectors.staff_is_verified(user=user, session={}) is False


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_staff_whose_session_names_their_confirmed_device_are_verified(role, agent, supervisor):
    user = agent if role == "agent" else supervisor
    device = TOTPDeviceFactory(user=user)

    assert selectors.staff_is_verified(user=user, session={DEVICE_ID_SESSION_KEY: device.persistent_id}) is True


def test_staff_whose_session_names_another_persons_device_are_not_verified(agent):
    someone_elses = TOTPDeviceFactory(user=AgentFactory())

    assert (
        selectors.staff_is_verified(user=agent, session={DEVICE_ID_SESSION_KEY: someone_elses.persistent_id}) is False
    )


def test_staff_whose_device_is_not_confirmed_are_not_verified(agent):
    device = TOTPDeviceFactory(user=agent, confirmed=False)

    assert selectors.staff_is_verified(user=agent, session={DEVICE_ID_SESSION_KEY: device.persistent_id}) is False


@pytest.mark.parametrize("persistent_id", ["otp_totp.totpdevice/999999", "nonsense"])
def test_staff_whose_session_names_no_existing_device_are_not_verified(agent, persistent_id):
    assert selectors.staff_is_verified(user=agent, session={DEVICE_ID_SESSION_KEY: persistent_id}) is False


# Whose session it is


def test_taxpayer_of_the_booking_plays_the_taxpayer(session, taxpayer):
    found, role = selectors.session_role_for(user=taxpayer, session_id=session.pk)

    assert (found.pk, role) == (session.pk, "taxpayer")


def test_assigned_agent_plays_the_agent(session, agent):
    found, role = selectors.session_role_for(user=agent, session_id=session.pk)

    assert (found.pk, role) == (session.pk, "agent")


@pytest.mark.parametrize("who", ["other_taxpayer", "other_agent", "supervisor"])
def test_anyone_else_has_no_part_in_the_session(session, other_taxpayer, supervisor, who):
    user = {"other_taxpayer": other_taxpayer, "other_agent": AgentFactory(), "supervisor": supervisor}[who]

    assert selectors.session_role_for(user=user, session_id=session.pk) == (None, None)


def test_deactivated_taxpayer_has_no_part_in_their_session(session, taxpayer):
    taxpayer.is_active = False
    taxpayer.save()

    assert selectors.session_role_for(user=taxpayer, session_id=session.pk) == (None, None)


def test_unknown_session_has_no_participants(session, taxpayer):
    assert selectors.session_role_for(user=taxpayer, session_id=session.pk + 1000) == (None, None)


def test_a_taxpayer_who_left_the_waiting_room_and_never_came_back_missed_the_interview(session, taxpayer, settings):
    waiting(session, taxpayer, at=OPENS)
    services.session_disconnect(session_id=session.pk, role="taxpayer", now=OPENS + timedelta(minutes=1))
    gone = OPENS + timedelta(minutes=1, seconds=settings.INTERVIEW_RECONNECT_SECONDS + 1)
    assert services.sessions_sweep(now=gone)["abandoned"] == 1
    after_end = session.booking.ends_at + timedelta(minutes=11)

    counts = services.sessions_sweep(now=after_end)

    session.refresh_from_db()
    session.booking.refresh_from_db()
    assert counts["no_show"] == 1
    assert (session.state, session.booking.status) == (State.NO_SHOW, Booking.Status.NO_SHOW)
    assert [message.subject for message in mail.outbox] == ["We missed you at your identity interview"]
    assert services.sessions_sweep(now=after_end)["no_show"] == 0
