"""Every operations page through the test client: the happy path, each permission failure and each bad input."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from interviews import services as interview_services
from interviews.models import InterviewSession
from operations import selectors
from operations.models import AgentState, QueueEntry
from scheduling.models import Booking
from tests import factories
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db

SUPERVISOR_PAGES = [
    "operations:dashboard",
    "operations:queue_settings",
    "operations:reports",
    "operations:capacity",
]
TAXPAYER_PAGES = ["operations:talk_now"]
AGENT_PAGES = ["operations:agent_panel"]


@pytest.fixture(autouse=True)
def _english_open():
    rules = selectors.queue_settings_get()
    rules.open_languages, rules.confirm_at_position = ["en"], 0
    rules.save()


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("name", SUPERVISOR_PAGES + TAXPAYER_PAGES + AGENT_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", SUPERVISOR_PAGES + AGENT_PAGES)
def test_taxpayers_are_refused_staff_pages(taxpayer_client, name):
    assert taxpayer_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", SUPERVISOR_PAGES + TAXPAYER_PAGES)
def test_agents_are_refused_the_dashboard_and_taxpayer_pages(agent_client, name):
    assert agent_client.get(reverse(name)).status_code == 403


def test_a_supervisor_without_the_second_factor_is_sent_to_log_in(supervisor):
    client = Client()
    client.force_login(supervisor)
    response = client.get(reverse("operations:dashboard"))
    assert response.status_code == 302


def test_the_public_wait_page_is_open_to_everyone(client, agent):
    factories.AgentStateFactory(agent=agent)
    response = client.get(reverse("operations:wait_times"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Talk now" in text and "under a minute" in text and "Closed now" in text


# The taxpayer


def test_joining_from_the_page_shows_the_place(taxpayer_client, taxpayer):
    response = taxpayer_client.post(reverse("operations:talk_now"), {"language": "en"})
    assert response.status_code == 302
    page = taxpayer_client.get(reverse("operations:talk_now")).content.decode()
    assert QueueEntry.objects.get(taxpayer=taxpayer).status == QueueEntry.Status.WAITING
    assert "Your place in line" in page and "data-position>1<" in page
    assert "no estimate (no agent is on duty)" in page


def test_joining_a_closed_language_says_so_and_changes_nothing(taxpayer_client):
    response = taxpayer_client.post(reverse("operations:talk_now"), {"language": "es"}, follow=True)
    assert said(response) == ["Talking now in Spanish is closed at the moment. You can book an interview instead."]
    assert not QueueEntry.objects.exists()


def test_joining_an_unknown_language_is_a_form_error(taxpayer_client):
    response = taxpayer_client.post(reverse("operations:talk_now"), {"language": "xx"})
    assert response.status_code == 400
    assert not QueueEntry.objects.exists()


def test_a_taxpayer_with_a_booking_is_told_to_use_it(taxpayer_client, taxpayer):
    factories.BookingFactory(taxpayer=taxpayer)
    page = taxpayer_client.get(reverse("operations:talk_now")).content.decode()
    assert "You already have an interview booked." in page
    response = taxpayer_client.post(reverse("operations:talk_now"), {"language": "en"}, follow=True)
    assert "You already have an interview booked." in said(response)[0]
    assert not QueueEntry.objects.exists()


def test_leaving_and_confirming_from_the_page(taxpayer_client, taxpayer):
    factories.QueueEntryFactory(taxpayer=taxpayer)
    taxpayer_client.post(reverse("operations:talk_now_ready"))
    assert QueueEntry.objects.get().ready_confirmed_at is not None
    response = taxpayer_client.post(reverse("operations:talk_now_leave"), follow=True)
    assert said(response) == ["You left the queue."]
    assert QueueEntry.objects.get().status == QueueEntry.Status.LEFT
    response = taxpayer_client.post(reverse("operations:talk_now_leave"), follow=True)
    assert said(response) == ["You are not in the queue."]


# The agent


def test_an_agent_sets_their_state_and_takes_the_next_taxpayer(agent_client, agent):
    entry = factories.QueueEntryFactory()
    agent_client.post(reverse("operations:agent_state"), {"state": "available"})
    assert AgentState.objects.get(agent=agent).state == "available"

    response = agent_client.post(reverse("operations:take_next"))

    booking = Booking.objects.get(taxpayer=entry.taxpayer)
    assert response.url == reverse("verification:agent_interview", args=[booking.reference])
    page = agent_client.get(reverse("operations:agent_panel")).content.decode()
    assert "Take the next taxpayer" in page


def test_the_agent_panel_shows_who_is_waiting_and_who_is_ready(agent_client, agent):
    rules = selectors.queue_settings_get()
    rules.confirm_at_position = 2
    rules.save()
    factories.QueueEntryFactory(ready_confirmed_at=timezone.now())
    factories.QueueEntryFactory()

    page = agent_client.get(reverse("operations:agent_panel")).content.decode()

    assert '<th scope="col">People waiting</th><th scope="col">Ready</th>' in page
    assert '<td data-waiting="en">2</td><td data-ready="en">1</td>' in page


def test_taking_when_nobody_has_confirmed_says_how_many_wait(agent_client, agent):
    rules = selectors.queue_settings_get()
    rules.confirm_at_position = 2
    rules.save()
    factories.QueueEntryFactory()
    factories.AgentStateFactory(agent=agent)

    response = agent_client.post(reverse("operations:take_next"), follow=True)

    assert said(response) == ["1 waiting, but nobody has confirmed they are ready yet. Try again in a moment."]
    assert not Booking.objects.exists()
    assert QueueEntry.objects.get().status == QueueEntry.Status.WAITING


def test_taking_with_nobody_waiting_says_so(agent_client, agent):
    factories.AgentStateFactory(agent=agent)
    response = agent_client.post(reverse("operations:take_next"), follow=True)
    assert said(response) == ["Nobody is waiting in your languages."]


def test_taking_while_on_a_break_says_why(agent_client, agent):
    factories.QueueEntryFactory()
    agent_client.post(reverse("operations:agent_state"), {"state": "break"})
    response = agent_client.post(reverse("operations:take_next"), follow=True)
    assert said(response) == ["Set yourself as available before taking the next taxpayer. You are: On a break."]
    assert not Booking.objects.exists()


def test_an_unknown_state_is_refused(agent_client, agent):
    response = agent_client.post(reverse("operations:agent_state"), {"state": "in_interview"}, follow=True)
    assert said(response) == ["Choose available, on a break or offline."]
    assert not AgentState.objects.exists()


# The supervisor


def test_the_dashboard_shows_agents_waiting_people_and_figures(supervisor_client, agent):
    factories.AgentStateFactory(agent=agent, since=timezone.now() - timedelta(minutes=3))
    factories.QueueEntryFactory(
        taxpayer=factories.TaxpayerFactory(full_name="Marisol Ortiz"), joined_at=timezone.now() - timedelta(hours=1)
    )
    page = supervisor_client.get(reverse("operations:dashboard")).content.decode()
    assert agent.full_name in page and "Available" in page
    assert "Marisol Ortiz" in page and "Waiting too long" in page
    assert "1 person has waited longer than 15 minutes." in page
    assert "Interviews completed" in page


def test_opening_and_closing_the_queue(supervisor_client, supervisor):
    supervisor_client.post(reverse("operations:queue_open"), {"language": "es", "open": "1"})
    assert selectors.queue_settings_get().open_languages == ["en", "es"]
    supervisor_client.post(reverse("operations:queue_open"), {"language": "en", "open": "0"})
    assert selectors.queue_settings_get().open_languages == ["es"]
    assert list(AuditRecord.objects.filter(action__startswith="queue.").values_list("action", flat=True)) == [
        "queue.open",
        "queue.close",
    ]
    response = supervisor_client.post(reverse("operations:queue_open"), {"language": "xx", "open": "1"}, follow=True)
    assert said(response) == ["Choose a language offered."]


def test_a_supervisor_changes_an_agents_state(supervisor_client, agent):
    supervisor_client.post(reverse("operations:staff_state", args=[agent.pk]), {"state": "break"})
    assert AgentState.objects.get(agent=agent).state == "break"


def test_queue_settings_are_saved_and_bad_values_refused(supervisor_client):
    values = {
        "open_languages": ["en", "es"],
        "grace_seconds": 300,
        "wrap_up_seconds": 60,
        "confirm_at_position": 1,
        "confirm_seconds": 45,
        "wait_alert_minutes": 10,
        "service_level_minutes": 3,
    }
    assert supervisor_client.post(reverse("operations:queue_settings"), values).status_code == 302
    assert selectors.queue_settings_get().grace_seconds == 300
    response = supervisor_client.post(reverse("operations:queue_settings"), values | {"grace_seconds": 5})
    assert response.status_code == 400
    assert selectors.queue_settings_get().grace_seconds == 300


def test_the_queue_settings_fields_allow_in_the_browser_what_the_server_accepts(supervisor_client):
    from tests.scheduling.test_views import number_inputs

    page = supervisor_client.get(reverse("operations:queue_settings")).content.decode()

    assert number_inputs(page) == {
        "grace_seconds": ("30", "3600"),
        "wrap_up_seconds": ("0", "1800"),
        "confirm_at_position": ("0", "20"),
        "confirm_seconds": ("15", "600"),
        "wait_alert_minutes": ("1", "240"),
        "service_level_minutes": ("1", "120"),
    }


def test_reassigning_a_waiting_taxpayer(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent, starts_at=timezone.now())
    session = interview_services.session_for_booking(booking=booking)
    InterviewSession.objects.filter(pk=session.pk).update(state=InterviewSession.State.WAITING)
    other = factories.AgentFactory(full_name="Linh Nguyen")

    response = supervisor_client.post(reverse("operations:reassign", args=[booking.reference]), {"agent": other.pk})
    assert response.status_code == 400
    assert "Linh Nguyen is offline." in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).agent == agent

    factories.AgentStateFactory(agent=other)
    response = supervisor_client.post(reverse("operations:reassign", args=[booking.reference]), {"agent": other.pk})
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).agent == other


def test_finding_a_booking_to_reassign(supervisor_client):
    booking = factories.BookingFactory()
    response = supervisor_client.get(reverse("operations:reassign_find"), {"reference": booking.reference.lower()})
    assert response.url == reverse("operations:reassign", args=[booking.reference])


def test_an_unknown_reference_is_shown_with_the_search_form_again(supervisor_client):
    response = supervisor_client.get(reverse("operations:reassign_find"), {"reference": "nope"})

    assert response.status_code == 400
    page = response.content.decode()
    assert '<span class="usa-error-message" id="reference-error">No booking has the reference NOPE.</span>' in page
    assert 'name="reference" value="NOPE"' in page and 'aria-describedby="reference-hint reference-error"' in page


def test_the_reassign_search_opened_directly_shows_the_empty_form_and_no_error(supervisor_client):
    response = supervisor_client.get(reverse("operations:reassign_find"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Reassign a future booking</h1>" in page
    assert 'name="reference" value=""' in page
    assert "No booking has the reference" not in page and "usa-error-message" not in page
    assert said(response) == []


def test_the_reassign_form_offers_other_agents_who_speak_the_language_by_name(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent, language="es")
    speaks_spanish = factories.AgentFactory(full_name="Ana Garcia", email="ana@example.org", english=None)
    speaks_spanish.agent_languages.create(language="es")
    both = factories.AgentFactory(full_name="Rosa Rivera", email="rosa@example.org")
    both.agent_languages.create(language="es")
    agent.agent_languages.create(language="es")
    factories.AgentFactory(full_name="Linh Nguyen")  # English only
    factories.AgentFactory(full_name="Gone Away", is_active=False).agent_languages.create(language="es")

    response = supervisor_client.get(reverse("operations:reassign", args=[booking.reference]))

    choices = [(str(value), label) for value, label in response.context["form"].fields["agent"].choices]
    assert choices == [
        ("", "- Choose an agent -"),
        (str(speaks_spanish.pk), "Ana Garcia"),
        (str(both.pk), "Rosa Rivera"),
    ]
    page = response.content.decode()
    assert "ana@example.org" not in page and "Ana Garcia</option>" in page


def test_an_audio_only_interview_is_offered_only_to_agents_who_take_them(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent, audio_only=True)
    takes = factories.AgentFactory(full_name="Ana Garcia")
    factories.AgentProfileFactory(user=factories.AgentFactory(full_name="Linh Nguyen"), takes_audio_only=False)

    response = supervisor_client.get(reverse("operations:reassign", args=[booking.reference]))

    assert list(response.context["form"].fields["agent"].queryset) == [takes]


def test_an_agent_not_offered_is_still_refused_when_posted(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent, language="es")
    agent.agent_languages.create(language="es")
    english_only = factories.AgentFactory(full_name="Linh Nguyen")

    response = supervisor_client.post(
        reverse("operations:reassign", args=[booking.reference]), {"agent": english_only.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["agent"] == ["Choose an agent from the list."]
    assert Booking.objects.get(pk=booking.pk).agent == agent


def test_when_no_other_agent_speaks_the_language_the_page_says_so(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent)
    factories.AgentFactory(full_name="Ana Garcia", english=None).agent_languages.create(language="es")

    response = supervisor_client.get(reverse("operations:reassign", args=[booking.reference]))

    page = response.content.decode()
    assert "No other agent holds interviews in English." in page
    assert 'name="agent"' not in page


@pytest.mark.parametrize("status", [Booking.Status.COMPLETED, Booking.Status.CANCELLED, Booking.Status.NO_SHOW])
def test_a_past_or_cancelled_booking_offers_no_reassign_form(supervisor_client, agent, status):
    booking = factories.BookingFactory(agent=agent, status=status)
    other = factories.AgentFactory()
    factories.AgentStateFactory(agent=other)

    for response in [
        supervisor_client.get(reverse("operations:reassign", args=[booking.reference])),
        supervisor_client.post(reverse("operations:reassign", args=[booking.reference]), {"agent": other.pk}),
    ]:
        page = response.content.decode()
        assert "Only upcoming interviews can be given to another agent." in page
        assert 'name="agent"' not in page
    assert Booking.objects.get(pk=booking.pk).agent == agent


def test_an_interview_already_under_way_offers_no_reassign_form(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent, starts_at=timezone.now())
    session = interview_services.session_for_booking(booking=booking)
    InterviewSession.objects.filter(pk=session.pk).update(state=InterviewSession.State.LIVE)

    page = supervisor_client.get(reverse("operations:reassign", args=[booking.reference])).content.decode()

    assert "Only upcoming interviews can be given to another agent." in page
    assert 'name="agent"' not in page


@pytest.mark.parametrize("reference", ["\x00", "AB\x00-DEF", ""])
def test_finding_a_booking_with_a_reference_no_booking_can_have_shows_the_empty_search(supervisor_client, reference):
    factories.BookingFactory()

    response = supervisor_client.get(reverse("operations:reassign_find"), {"reference": reference})

    assert response.status_code == 200
    assert 'name="reference"' in response.content.decode()
    assert said(response) == []


def test_reassign_page_with_a_nul_character_in_the_reference_is_not_found(supervisor_client):
    assert supervisor_client.get("/supervisor/reassign/AB%00-DEF/").status_code == 404


@time_machine.travel(datetime(2026, 6, 10, 12, 0, tzinfo=UTC), tick=False)  # an hour ago is the same day
def test_reports_per_day_and_agent_and_as_csv(supervisor_client, supervisor, agent):
    today = timezone.now().astimezone(timezone.get_current_timezone()).date()
    booking = factories.BookingFactory(
        agent=agent, starts_at=timezone.now() - timedelta(hours=1), status=Booking.Status.COMPLETED
    )
    InterviewSession.objects.create(
        booking=booking,
        state=InterviewSession.State.COMPLETED,
        taxpayer_came=True,
        wait_seconds=90,
        admitted_at=booking.starts_at + timedelta(seconds=90),
        ended_at=booking.starts_at + timedelta(minutes=16, seconds=30),
    )
    supervisor.time_zone = "UTC"
    supervisor.save()
    query = {"start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()}

    page = supervisor_client.get(reverse("operations:reports"), query).content.decode()
    assert "Per day" in page and "Per agent" in page and agent.full_name in page

    response = supervisor_client.get(reverse("operations:reports"), query | {"format": "csv"})
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:5] == ["scope", "name", "completed", "decided", "verified_share"]
    assert [row[:3] for row in rows[1:]] == [
        ["day", query["start"], "0"],
        ["day", query["end"], "1"],
        ["agent", agent.full_name, "1"],
        ["total", f"{query['start']}..{query['end']}", "1"],
    ]
    assert rows[-1][8] == "90" and rows[-1][10] == "900"


def test_a_report_range_that_ends_before_it_starts_is_refused(supervisor_client):
    response = supervisor_client.get(reverse("operations:reports"), {"start": "2026-11-20", "end": "2026-11-19"})
    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.content.decode()


OUT_OF_RANGE = ["Choose a date from 2000 to 2099."]
NOT_A_DATE = ["Enter a valid date."]


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("9999-12-25", "9999-12-31", {"start": OUT_OF_RANGE, "end": OUT_OF_RANGE}),
        ("2026-11-20", "9999-12-31", {"end": OUT_OF_RANGE}),
        ("0001-01-01", "0001-01-01", {"start": OUT_OF_RANGE, "end": OUT_OF_RANGE}),
        ("1999-12-31", "2000-01-01", {"start": OUT_OF_RANGE}),
        ("2026-02-30", "2026-03-01", {"start": NOT_A_DATE}),
        ("abc", "2026-03-01", {"start": NOT_A_DATE}),
        ("2026-03-01", "-1", {"end": NOT_A_DATE}),
    ],
)
@pytest.mark.parametrize("csv_format", [False, True])
def test_report_dates_out_of_range_or_malformed_are_refused_with_a_field_error(
    supervisor_client, supervisor, start, end, errors, csv_format
):
    supervisor.time_zone = "Pacific/Pago_Pago"  # furthest behind UTC: the first day's start is the latest in UTC
    supervisor.save()
    query = {"start": start, "end": end} | ({"format": "csv"} if csv_format else {})

    response = supervisor_client.get(reverse("operations:reports"), query)

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert "days" not in response.context


def test_reports_cover_the_first_and_last_days_allowed(supervisor_client, supervisor):
    supervisor.time_zone = "Pacific/Guam"
    supervisor.save()

    first = supervisor_client.get(reverse("operations:reports"), {"start": "2000-01-01", "end": "2000-01-02"})
    last = supervisor_client.get(reverse("operations:reports"), {"start": "2099-12-30", "end": "2099-12-31"})

    assert (first.status_code, last.status_code) == (200, 200)
    assert [day.isoformat() for day, _figures in last.context["days"]] == ["2099-12-30", "2099-12-31"]


def test_the_capacity_page_lists_fourteen_days(supervisor_client):
    page = supervisor_client.get(reverse("operations:capacity")).content.decode()
    assert page.count("<meter") == 14


def test_monitoring_is_offered_only_for_a_live_call(supervisor_client, agent):
    booking = factories.BookingFactory(agent=agent, starts_at=timezone.now())
    session = interview_services.session_for_booking(booking=booking)
    not_live = supervisor_client.get(reverse("operations:monitor", args=[session.pk]))
    assert (not_live.status_code, not_live.url) == (302, reverse("operations:dashboard"))
    assert supervisor_client.get(reverse("operations:monitor", args=[987654])).status_code == 404
    InterviewSession.objects.filter(pk=session.pk).update(state=InterviewSession.State.LIVE)
    page = supervisor_client.get(reverse("operations:monitor", args=[session.pk])).content.decode()
    assert "They cannot see or hear you" in page
    assert staff_client(agent).get(reverse("operations:monitor", args=[session.pk])).status_code == 403


def test_report_dates_come_back_in_the_date_fields_in_spanish_too(supervisor_client, supervisor):
    supervisor.preferred_language = "es"
    supervisor.save()

    page = supervisor_client.get(reverse("operations:reports"), {"start": "2026-11-20", "end": "2026-11-26"})

    assert 'value="2026-11-20"' in page.content.decode() and 'value="2026-11-26"' in page.content.decode()
