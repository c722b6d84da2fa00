"""Every string a person reads is translated into each language in settings, and the catalogues are current."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import to_locale

ROOT = Path(__file__).resolve().parent.parent
# Every language but the one the code is written in.
TRANSLATED = [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
SOURCES = [
    "core",
    "audit",
    "accounts",
    "config",
    "scheduling",
    "interviews",
    "verification",
    "operations",
    "templates",
    "locale",
    "manage.py",
]


def _statistics(po_file: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(locale):
    statistics = _statistics(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in statistics
    assert "fuzzy" not in statistics


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_contains_every_string_in_the_code(tmp_path, locale):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", locale, "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
    )
    statistics = _statistics(tmp_path / "locale" / locale / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in statistics, f"run makemessages and translate: {statistics}"
    assert "fuzzy" not in statistics, f"run makemessages and translate: {statistics}"
