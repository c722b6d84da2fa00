"""The queue, dashboard and monitor WebSockets through the real ASGI stack and the real channel layer."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from interviews import services as interview_services
from interviews.models import InterviewSession
from operations import selectors, services
from operations.models import QueueEntry
from tests import factories
from tests.conftest import staff_client
from tests.interviews.test_consumers import TIMEOUT, assert_pong_is_next, logged_in, socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

NO_ESTIMATE = "no estimate (no agent is on duty)"


@pytest.fixture(autouse=True)
def _english_open(db):
    rules = selectors.queue_settings_get()
    rules.open_languages, rules.confirm_at_position = ["en"], 0
    rules.save()


@database_sync_to_async
def in_queue(**kwargs) -> tuple[QueueEntry, Client]:
    entry = factories.QueueEntryFactory(**kwargs)
    return entry, logged_in(entry.taxpayer)


def place(position: int, estimate: str = NO_ESTIMATE, **extra) -> dict:
    return {
        "type": "queue",
        "open": True,
        "position": position,
        "low": None,
        "high": None,
        "ask_ready": False,
        "ready": False,
        "estimate_text": estimate,
    } | extra


# The queue socket


async def test_the_queue_socket_refuses_anonymous_and_staff(agent):
    async with socket("/ws/queue/", None) as (_c, connected, code):
        assert (connected, code) == (False, 4401)
    client = await database_sync_to_async(staff_client)(agent)
    async with socket("/ws/queue/", client) as (_c, connected, code):
        assert (connected, code) == (False, 4403)


async def test_a_taxpayer_not_in_the_queue_is_told_and_closed(taxpayer):
    client = await database_sync_to_async(logged_in)(taxpayer)
    async with socket("/ws/queue/", client) as (communicator, connected, _code):
        assert connected is True
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "gone"}
        assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}


async def test_places_move_up_live_when_someone_ahead_leaves(agent):
    first, first_client = await in_queue()
    second, second_client = await in_queue()
    async with (
        socket("/ws/queue/", first_client) as (first_socket, _connected, _code),
        socket("/ws/queue/", second_client) as (second_socket, _connected2, _code2),
    ):
        assert await first_socket.receive_json_from(timeout=TIMEOUT) == place(1)
        assert await second_socket.receive_json_from(timeout=TIMEOUT) == place(2)

        await database_sync_to_async(services.queue_leave)(taxpayer=first.taxpayer)

        assert await second_socket.receive_json_from(timeout=TIMEOUT) == place(1)
        assert await first_socket.receive_json_from(timeout=TIMEOUT) == {"type": "gone"}


async def test_an_agent_coming_on_duty_gives_everyone_an_estimate(agent):
    _entry, client = await in_queue()
    async with socket("/ws/queue/", client) as (communicator, _connected, _code):
        assert await communicator.receive_json_from(timeout=TIMEOUT) == place(1)

        await database_sync_to_async(services.agent_state_set)(agent=agent, state="available", actor=agent)

        assert await communicator.receive_json_from(timeout=TIMEOUT) == place(1, "under a minute", low=0, high=0)


async def test_a_change_in_one_language_moves_the_estimates_of_another_with_a_bilingual_agent(agent):
    await database_sync_to_async(agent.agent_languages.create)(language="es")
    await database_sync_to_async(factories.AgentStateFactory)(agent=agent)
    spanish, _spanish_client = await in_queue(language="es")
    _entry, client = await in_queue()
    async with socket("/ws/queue/", client) as (communicator, _connected, _code):
        first = await communicator.receive_json_from(timeout=TIMEOUT)
        assert first["position"] == 1 and first["low"] > 0  # the agent takes the Spanish taxpayer first

        await database_sync_to_async(services.queue_leave)(taxpayer=spanish.taxpayer)

        assert await communicator.receive_json_from(timeout=TIMEOUT) == place(1, "under a minute", low=0, high=0)


async def test_the_taxpayer_taken_by_an_agent_is_sent_on_to_the_interview(agent):
    entry, client = await in_queue()
    await database_sync_to_async(factories.AgentStateFactory)(agent=agent)
    async with socket("/ws/queue/", client) as (communicator, _connected, _code):
        await communicator.receive_json_from(timeout=TIMEOUT)

        await database_sync_to_async(services.queue_take_next)(agent=agent)

        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "taken", "url": "/me/interview/"}
    assert (await database_sync_to_async(QueueEntry.objects.get)(pk=entry.pk)).status == "taken"


async def test_closing_the_page_starts_the_grace_period_and_coming_back_ends_it():
    entry, client = await in_queue()
    async with socket("/ws/queue/", client) as (communicator, _connected, _code):
        await communicator.receive_json_from(timeout=TIMEOUT)
    gone = await database_sync_to_async(QueueEntry.objects.get)(pk=entry.pk)
    assert (gone.status, gone.disconnected_at is not None, gone.channel) == ("waiting", True, "")

    async with socket("/ws/queue/", client) as (communicator, _connected, _code):
        assert await communicator.receive_json_from(timeout=TIMEOUT) == place(1)
        back = await database_sync_to_async(QueueEntry.objects.get)(pk=entry.pk)
        assert (back.disconnected_at, back.joined_at) == (None, entry.joined_at)


async def test_a_page_closing_tells_the_staff_but_sends_no_one_a_new_place(supervisor):
    _first, first_client = await in_queue()
    _second, second_client = await in_queue()
    dashboard_client = await database_sync_to_async(staff_client)(supervisor)
    async with (
        socket("/ws/queue/", first_client) as (first_socket, _connected, _code),
        socket("/ws/supervisor/dashboard/", dashboard_client) as (dashboard, _connected2, _code2),
    ):
        assert await first_socket.receive_json_from(timeout=TIMEOUT) == place(1)
        await dashboard.receive_json_from(timeout=TIMEOUT)
        async with socket("/ws/queue/", second_client) as (second_socket, _connected3, _code3):
            assert await second_socket.receive_json_from(timeout=TIMEOUT) == place(2)

        assert (await dashboard.receive_json_from(timeout=TIMEOUT))["type"] == "fragment"  # "page closed"
        await assert_pong_is_next(first_socket)  # places and estimates did not move


async def test_bad_input_on_the_queue_socket_is_answered_and_the_socket_stays_open():
    _entry, client = await in_queue()
    async with socket("/ws/queue/", client) as (communicator, _connected, _code):
        await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.send_to(text_data='{"type": "admit"}')
        error = await communicator.receive_json_from(timeout=TIMEOUT)
        assert (error["type"], error["code"]) == ("error", "unknown_type")
        await communicator.send_to(text_data="{nope")
        assert (await communicator.receive_json_from(timeout=TIMEOUT))["code"] == "bad_json"
        await assert_pong_is_next(communicator)


# The dashboard socket


async def test_the_dashboard_refuses_agents_taxpayers_and_supervisors_without_the_second_factor(
    agent, taxpayer, supervisor
):
    for client in [
        await database_sync_to_async(staff_client)(agent),
        await database_sync_to_async(logged_in)(taxpayer),
        await database_sync_to_async(logged_in)(supervisor),
    ]:
        async with socket("/ws/supervisor/dashboard/", client) as (_c, connected, code):
            assert (connected, code) == (False, 4403)


async def test_the_dashboard_is_rendered_again_when_someone_joins_the_queue(supervisor):
    client = await database_sync_to_async(staff_client)(supervisor)
    async with socket("/ws/supervisor/dashboard/", client) as (communicator, connected, _code):
        assert connected is True
        first = await communicator.receive_json_from(timeout=TIMEOUT)
        assert first["type"] == "fragment" and "Nobody is waiting." in first["html"]

        taxpayer = await database_sync_to_async(factories.TaxpayerFactory)(full_name="Marisol Ortiz")
        await database_sync_to_async(services.queue_join)(taxpayer=taxpayer, language="en")

        update = await communicator.receive_json_from(timeout=TIMEOUT)
        assert "Marisol Ortiz" in update["html"] and "Talk-now queue" in update["html"]
        assert "csrfmiddlewaretoken" not in update["html"]


async def test_supervisors_sharing_a_language_and_zone_get_the_same_rendering_of_a_change(supervisor):
    other = await database_sync_to_async(factories.SupervisorFactory)()
    clients = [await database_sync_to_async(staff_client)(person) for person in (supervisor, other)]
    async with (
        socket("/ws/supervisor/dashboard/", clients[0]) as (first, _c1, _code1),
        socket("/ws/supervisor/dashboard/", clients[1]) as (second, _c2, _code2),
    ):
        await first.receive_json_from(timeout=TIMEOUT)
        await second.receive_json_from(timeout=TIMEOUT)
        taxpayer = await database_sync_to_async(factories.TaxpayerFactory)(full_name="Marisol Ortiz")
        await database_sync_to_async(services.queue_join)(taxpayer=taxpayer, language="en")

        one, two = await first.receive_json_from(timeout=TIMEOUT), await second.receive_json_from(timeout=TIMEOUT)
        assert "Marisol Ortiz" in one["html"] and one == two


async def test_the_dashboard_speaks_the_supervisors_language(supervisor):
    supervisor.preferred_language = "es"
    await database_sync_to_async(supervisor.save)()
    client = await database_sync_to_async(staff_client)(supervisor)
    async with socket("/ws/supervisor/dashboard/", client) as (communicator, _connected, _code):
        html = (await communicator.receive_json_from(timeout=TIMEOUT))["html"]
        # Language names are already in the Spanish catalogue; the new strings come with the next translation.
        assert "Inglés" in html and "English" not in html


async def test_the_agent_page_socket_is_for_agents_only(agent, supervisor):
    client = await database_sync_to_async(staff_client)(supervisor)
    async with socket("/ws/agent/talk-now/", client) as (_c, connected, code):
        assert (connected, code) == (False, 4403)
    client = await database_sync_to_async(staff_client)(agent)
    async with socket("/ws/agent/talk-now/", client) as (communicator, connected, _code):
        assert connected is True
        assert "Take the next taxpayer" in (await communicator.receive_json_from(timeout=TIMEOUT))["html"]


async def test_the_agent_page_shows_live_when_a_waiting_taxpayer_confirms_they_are_ready(agent):
    rules = await database_sync_to_async(selectors.queue_settings_get)()
    rules.confirm_at_position = 2
    await database_sync_to_async(rules.save)()
    entry, _taxpayer_client = await in_queue()
    client = await database_sync_to_async(staff_client)(agent)
    async with socket("/ws/agent/talk-now/", client) as (communicator, connected, _code):
        assert connected is True
        html = (await communicator.receive_json_from(timeout=TIMEOUT))["html"]
        assert '<td data-waiting="en">1</td><td data-ready="en">0</td>' in html

        await database_sync_to_async(services.queue_confirm_ready)(taxpayer=entry.taxpayer)

        html = (await communicator.receive_json_from(timeout=TIMEOUT))["html"]
        assert '<td data-waiting="en">1</td><td data-ready="en">1</td>' in html


# The monitor socket


async def test_monitoring_a_call_that_is_not_live_is_refused(agent, supervisor):
    booking = await database_sync_to_async(factories.BookingFactory)(agent=agent)
    session = await database_sync_to_async(interview_services.session_for_booking)(booking=booking)
    path = f"/ws/supervisor/monitor/{session.pk}/"

    client = await database_sync_to_async(staff_client)(agent)
    async with socket(path, client) as (_c, connected, code):
        assert (connected, code) == (False, 4403)

    client = await database_sync_to_async(staff_client)(supervisor)
    async with socket(path, client) as (communicator, connected, _code):
        assert connected is True
        error = await communicator.receive_json_from(timeout=TIMEOUT)
        assert (error["code"], error["message"]) == ("not_live", "Only a call in progress can be monitored.")
        assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4409}


async def test_a_monitor_of_a_live_call_is_greeted_and_told_when_it_ends(agent, supervisor, taxpayer):
    booking = await database_sync_to_async(factories.BookingFactory)(agent=agent, taxpayer=taxpayer)
    session = await database_sync_to_async(interview_services.session_for_booking)(booking=booking)
    await database_sync_to_async(InterviewSession.objects.filter(pk=session.pk).update)(state="live")
    client = await database_sync_to_async(staff_client)(supervisor)
    async with socket(f"/ws/supervisor/monitor/{session.pk}/", client) as (communicator, connected, _code):
        assert connected is True
        assert (await communicator.receive_json_from(timeout=TIMEOUT))["type"] == "hello"

        await database_sync_to_async(interview_services.session_end)(session_id=session.pk, agent=agent)

        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "state", "state": "completed"}
