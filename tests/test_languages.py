"""A language is added by listing it in settings.LANGUAGES and translating: no migration, no code edit."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.forms import ProfileForm, SignupForm, StaffForm
from accounts.models import AgentLanguage, User
from operations.forms import QueueJoinForm, QueueOpenForm, QueueSettingsForm
from operations.models import QueueEntry
from scheduling.forms import BookingForm, InterviewSettingsForm, LanguageFilterForm
from scheduling.models import Booking

ROOT = Path(__file__).resolve().parent.parent
CODES = [code for code, _name in settings.LANGUAGES]
MORE_LANGUAGES = [*settings.LANGUAGES, ("zu", "Zulu")]


def test_languages_added_to_settings_need_no_migration(tmp_path):
    # A process of its own, whose models are built under the longer list: a field that copied the
    # list when its module was imported would differ from its migration there, and only there.
    (tmp_path / "more_languages.py").write_text(
        'from config.settings import *  # noqa: F403\nLANGUAGES = [*LANGUAGES, ("zu", "Zulu")]  # noqa: F405\n'
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "more_languages", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.parametrize(
    ("form", "name"),
    [
        (SignupForm, "preferred_language"),
        (ProfileForm, "preferred_language"),
        (StaffForm, "languages"),
        (BookingForm, "language"),
        (LanguageFilterForm, "language"),
        (InterviewSettingsForm, "languages_offered"),
        (QueueJoinForm, "language"),
        (QueueOpenForm, "language"),
        (QueueSettingsForm, "open_languages"),
    ],
)
def test_every_language_form_field_offers_the_languages_in_settings(form, name):
    with override_settings(LANGUAGES=MORE_LANGUAGES):
        assert [code for code, _name in form.base_fields[name].choices] == [*CODES, "zu"]
    assert [code for code, _name in form.base_fields[name].choices] == CODES


@pytest.mark.parametrize(
    ("model", "name"),
    [(User, "preferred_language"), (AgentLanguage, "language"), (Booking, "language"), (QueueEntry, "language")],
)
def test_every_language_model_field_offers_the_languages_in_settings(model, name):
    with override_settings(LANGUAGES=MORE_LANGUAGES):
        assert [code for code, _name in model._meta.get_field(name).flatchoices] == [*CODES, "zu"]
