"""The text of the mail a taxpayer gets after their identity interview."""

import re

import pytest
from django.core import mail

from tests.interviews.test_verification import _record, live_session

pytestmark = pytest.mark.django_db


def test_the_proofing_mail_names_the_time_zone_without_nested_brackets(django_capture_on_commit_callbacks):
    session = live_session()
    taxpayer = session.booking.taxpayer
    taxpayer.time_zone = "America/Los_Angeles"
    taxpayer.save()

    with django_capture_on_commit_callbacks(execute=True):
        _record(session, "inconclusive", follow_up="A passport")

    body = mail.outbox[-1].body
    sentence = re.search(r"An identity check was completed .*", body).group(0)
    assert re.fullmatch(r".* on \w+day, \w+ \d+, \d{4} at [^()]+ Pacific Time \(Los Angeles\)\.", sentence)
    assert "((" not in body and "))" not in body
