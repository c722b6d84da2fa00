"""`make run` as printed by a dry run (make -n) in an empty directory: nothing is executed."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_commands(tmp_path: Path, *arguments: str, environment: dict[str, str]) -> list[str]:
    """The commands `make run` would run, without the install steps it depends on."""
    if shutil.which("make") is None:
        pytest.fail("GNU make is missing")
    result = subprocess.run(
        ["make", "--dry-run", "--old-file=install", "-f", str(ROOT / "Makefile"), "run", *arguments],
        cwd=tmp_path,
        env={name: value for name, value in os.environ.items() if name != "SITE_URL"} | environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout.splitlines()


def commands_with(commands: list[str], word: str) -> list[str]:
    return [command for command in commands if word in command]


def test_make_run_on_another_port_links_mails_to_that_port(tmp_path):
    commands = run_commands(tmp_path, "HOST=127.0.0.2", "PORT=8101", environment={})

    assert commands_with(commands, "load_demo") == [
        "SITE_URL='http://127.0.0.2:8101' .venv/bin/python manage.py load_demo"
    ]
    assert commands_with(commands, "uvicorn") == [
        "SITE_URL='http://127.0.0.2:8101' .venv/bin/uvicorn config.asgi:application --host 127.0.0.2 --port 8101 "
        "--ws-per-message-deflate false --log-level warning"
    ]


def test_make_run_keeps_a_site_url_set_in_the_environment(tmp_path):
    commands = run_commands(tmp_path, "PORT=8101", environment={"SITE_URL": "https://demo.example.org"})

    assert commands_with(commands, "SITE_URL=") == [
        "SITE_URL='https://demo.example.org' .venv/bin/python manage.py load_demo",
        "SITE_URL='https://demo.example.org' .venv/bin/uvicorn config.asgi:application --host 127.0.0.1 --port 8101 "
        "--ws-per-message-deflate false --log-level warning",
    ]
