"""Headings of the taxpayer's device check, alone and on the interview page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from interviews import services
from tests import factories

pytestmark = pytest.mark.django_db


def headings(page: str) -> list[tuple[str, str]]:
    return [
        (level, re.sub(r"<[^>]+>", "", text).strip()) for level, text in re.findall(r"<(h[1-3])[^>]*>(.*?)</\1>", page)
    ]


def test_the_device_check_page_has_one_title_and_names_its_section(taxpayer_client):
    page = taxpayer_client.get(reverse("interviews:device_check")).content.decode()

    assert headings(page)[:4] == [
        ("h1", "Check your camera and microphone"),
        ("h2", "Your picture, sound and connection"),
        ("h3", "Your camera"),
        ("h3", "What we receive"),
    ]
    assert 'aria-labelledby="check-heading"' in page and '<h2 id="check-heading">' in page


def test_the_interview_page_keeps_the_check_heading_under_its_own_title(taxpayer_client, taxpayer):
    booking = factories.BookingFactory(taxpayer=taxpayer, starts_at=timezone.now())
    services.session_for_booking(booking=booking)

    page = taxpayer_client.get(reverse("interviews:join")).content.decode()

    assert headings(page)[:2] == [("h1", "Your interview"), ("h2", "Check your camera and microphone")]
