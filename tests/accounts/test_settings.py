"""The one settings module, loaded fresh in a subprocess, and the environment readers it uses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from channels_redis.utils import create_pool
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]
# Every variable config/settings.py reads; the subprocess starts without them unless a test sets them,
# so that the outer environment (for instance the PostgreSQL run) cannot change the outcome.
PROJECT_VARIABLES = {
    "ALLOWED_HOSTS",
    "BEHIND_TLS_PROXY",
    "CELERY_TASK_ALWAYS_EAGER",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DB_CONN_MAX_AGE",
    "DEBUG",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_HOST_USER",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "LOGIN_COOLOFF_MINUTES",
    "LOGIN_FAILURE_LIMIT",
    "LOG_LEVEL",
    "OTP_TOTP_ISSUER",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_AGE",
    "SITE_URL",
}
GOOD_KEY = "a-random-looking-production-secret-key-of-48-chars"
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "verify.example.gov"}
SHOW = """
from django.conf import settings
names = {names!r}
print(json.dumps({{name: eval("settings." + name) for name in names}}, default=str))
"""


def django_setup(variables: dict[str, str], show: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run django.setup() in a new interpreter with these variables, printing the named settings as JSON."""
    environment = {name: value for name, value in os.environ.items() if name not in PROJECT_VARIABLES}
    environment.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    code = "import json, django; django.setup()\n" + (SHOW.format(names=show) if show else "")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def shown(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refusal(result: subprocess.CompletedProcess) -> str:
    """The last line of the traceback, which names the exception and its message."""
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


# Starting up refuses malformed or unsafe configuration


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"DEBUG": "false"},
            "DEBUG is off: set SECRET_KEY to a random string of at least 32 characters.",
        ),
        (
            {"DEBUG": "false", "SECRET_KEY": "x" * 31, "ALLOWED_HOSTS": "verify.example.gov"},
            "DEBUG is off: set SECRET_KEY to a random string of at least 32 characters.",
        ),
        (
            {"DEBUG": "false", "SECRET_KEY": GOOD_KEY},
            "DEBUG is off: set ALLOWED_HOSTS to the host names LiveVerify is served on.",
        ),
        ({"DEBUG": "maybe"}, "DEBUG must be one of true/false/1/0/yes/no/on/off, not 'maybe'."),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with one of postgres://, postgresql://"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must start with one of redis://, rediss://"),
        ({"ALLOWED_HOSTS": "a.example,,b.example"}, "ALLOWED_HOSTS must be a comma-separated list without "),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be at least 1, not 0."),
        ({"SESSION_COOKIE_AGE": "8h"}, "SESSION_COOKIE_AGE must be a whole number, not '8h'."),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'."),
        ({**PRODUCTION, "SITE_URL": "verify.example.gov"}, "SITE_URL must start with one of http://, https://"),
    ],
    ids=[
        "debug-off-without-secret-key",
        "debug-off-with-short-secret-key",
        "debug-off-without-allowed-hosts",
        "debug-not-a-boolean",
        "database-url-not-postgres",
        "redis-url-not-redis",
        "allowed-hosts-with-empty-item",
        "login-failure-limit-below-one",
        "session-cookie-age-not-a-number",
        "log-level-unknown",
        "site-url-without-scheme",
    ],
)
def test_startup_is_refused_with_a_message_naming_the_variable(variables, message):
    line = refusal(django_setup(variables))

    assert line.startswith(f"django.core.exceptions.ImproperlyConfigured: {message}")


# What the variables select


def test_production_mode_makes_cookies_secure_and_redirects_to_https():
    settings = shown(
        django_setup(
            PRODUCTION,
            show=[
                "DEBUG",
                "SESSION_COOKIE_SECURE",
                "CSRF_COOKIE_SECURE",
                "LANGUAGE_COOKIE_SECURE",
                "SECURE_SSL_REDIRECT",
                "SECURE_HSTS_SECONDS",
                "ALLOWED_HOSTS",
            ],
        )
    )

    assert settings == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "ALLOWED_HOSTS": ["verify.example.gov"],
    }


def test_no_variables_run_the_embedded_default():
    settings = shown(
        django_setup(
            {},
            show=[
                "DEBUG",
                "DATABASES['default']['ENGINE']",
                "CHANNEL_LAYERS['default']['BACKEND']",
                "CELERY_BROKER_URL",
                "CELERY_TASK_ALWAYS_EAGER",
                "EMAIL_BACKEND",
                "SESSION_COOKIE_SECURE",
                "CSRF_COOKIE_SECURE",
            ],
        )
    )

    assert settings.pop("CELERY_BROKER_URL").startswith("memory://")
    assert settings == {
        "DEBUG": True,
        "DATABASES['default']['ENGINE']": "django.db.backends.sqlite3",
        "CHANNEL_LAYERS['default']['BACKEND']": "channels.layers.InMemoryChannelLayer",
        "CELERY_TASK_ALWAYS_EAGER": True,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_database_and_redis_urls_select_postgresql_redis_and_a_real_celery_broker():
    settings = shown(
        django_setup(
            {
                "DATABASE_URL": "postgresql://lv@db.internal:5432/liveverify",
                "REDIS_URL": "rediss://cache.internal:6380/2",
            },
            show=[
                "DATABASES['default']['ENGINE']",
                "DATABASES['default']['NAME']",
                "CHANNEL_LAYERS['default']['BACKEND']",
                "CACHES['default']['BACKEND']",
                "CELERY_BROKER_URL",
                "CELERY_TASK_ALWAYS_EAGER",
            ],
        )
    )

    assert settings == {
        "DATABASES['default']['ENGINE']": "django.db.backends.postgresql",
        "DATABASES['default']['NAME']": "liveverify",
        "CHANNEL_LAYERS['default']['BACKEND']": "channels_redis.core.RedisChannelLayer",
        "CACHES['default']['BACKEND']": "django.core.cache.backends.redis.RedisCache",
        "CELERY_BROKER_URL": "rediss://cache.internal:6380/2",
        "CELERY_TASK_ALWAYS_EAGER": False,
    }


def test_the_redis_channel_layer_reads_without_a_timeout_so_its_blocking_receive_survives():
    # channels-redis waits for messages in 5 s BZPOPMIN calls; a read timeout of 5 s (redis-py 8's default)
    # cuts the wait off and ends the consumer.
    name = "CHANNEL_LAYERS['default']['CONFIG']['hosts']"
    hosts = shown(django_setup({"REDIS_URL": "redis://cache.internal:6379/2"}, show=[name]))[name]

    assert [create_pool(host).make_connection().socket_timeout for host in hosts] == [None]


# config/env.py readers


def test_env_str_is_trimmed_and_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("LV_TEST_STR", "  value  ")
    monkeypatch.delenv("LV_TEST_MISSING", raising=False)

    assert env_str("LV_TEST_STR") == "value"
    assert env_str("LV_TEST_MISSING") == ""
    assert env_str("LV_TEST_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "On"])
def test_env_bool_reads_true_words(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_BOOL", raw)

    assert env_bool("LV_TEST_BOOL", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", " no ", "OFF"])
def test_env_bool_reads_false_words(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_BOOL", raw)

    assert env_bool("LV_TEST_BOOL", True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_blank_gives_the_default(monkeypatch, default):
    monkeypatch.delenv("LV_TEST_BOOL", raising=False)
    assert env_bool("LV_TEST_BOOL", default) is default

    monkeypatch.setenv("LV_TEST_BOOL", "   ")
    assert env_bool("LV_TEST_BOOL", default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_env_bool_refuses_other_words(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_BOOL", raw)

    with pytest.raises(ImproperlyConfigured) as error:
        env_bool("LV_TEST_BOOL", True)

    assert str(error.value) == f"LV_TEST_BOOL must be one of true/false/1/0/yes/no/on/off, not {raw!r}."


def test_env_int_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("LV_TEST_INT", " 42 ")

    assert env_int("LV_TEST_INT", 7) == 42


def test_env_int_unset_or_blank_gives_the_default(monkeypatch):
    monkeypatch.delenv("LV_TEST_INT", raising=False)
    assert env_int("LV_TEST_INT", 7) == 7

    monkeypatch.setenv("LV_TEST_INT", "")
    assert env_int("LV_TEST_INT", 7) == 7


@pytest.mark.parametrize("raw", ["4.5", "ten", "0x10"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_INT", raw)

    with pytest.raises(ImproperlyConfigured) as error:
        env_int("LV_TEST_INT", 7)

    assert str(error.value) == f"LV_TEST_INT must be a whole number, not {raw!r}."


def test_env_int_enforces_the_minimum(monkeypatch):
    monkeypatch.setenv("LV_TEST_INT", "4")
    with pytest.raises(ImproperlyConfigured) as error:
        env_int("LV_TEST_INT", 7, minimum=5)
    assert str(error.value) == "LV_TEST_INT must be at least 5, not 4."

    monkeypatch.setenv("LV_TEST_INT", "5")
    assert env_int("LV_TEST_INT", 7, minimum=5) == 5


def test_env_list_splits_on_commas_and_trims(monkeypatch):
    monkeypatch.setenv("LV_TEST_LIST", " a.example , b.example,c.example ")

    assert env_list("LV_TEST_LIST", []) == ["a.example", "b.example", "c.example"]


def test_env_list_unset_gives_a_copy_of_the_default(monkeypatch):
    monkeypatch.delenv("LV_TEST_LIST", raising=False)
    default = ["localhost"]

    value = env_list("LV_TEST_LIST", default)
    value.append("changed")

    assert default == ["localhost"]
    assert env_list("LV_TEST_LIST", default) == ["localhost"]


@pytest.mark.parametrize("raw", ["a.example,", ",a.example", "a.example, ,b.example"])
def test_env_list_refuses_empty_items(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_LIST", raw)

    with pytest.raises(ImproperlyConfigured) as error:
        env_list("LV_TEST_LIST", [])

    assert str(error.value) == f"LV_TEST_LIST must be a comma-separated list without empty items, not {raw!r}."


def test_env_choice_reads_one_of_the_choices_and_defaults(monkeypatch):
    monkeypatch.setenv("LV_TEST_CHOICE", " WARNING ")
    assert env_choice("LV_TEST_CHOICE", "INFO", ("INFO", "WARNING")) == "WARNING"

    monkeypatch.delenv("LV_TEST_CHOICE")
    assert env_choice("LV_TEST_CHOICE", "INFO", ("INFO", "WARNING")) == "INFO"


def test_env_choice_refuses_other_values(monkeypatch):
    monkeypatch.setenv("LV_TEST_CHOICE", "warning")

    with pytest.raises(ImproperlyConfigured) as error:
        env_choice("LV_TEST_CHOICE", "INFO", ("INFO", "WARNING"))

    assert str(error.value) == "LV_TEST_CHOICE must be one of INFO, WARNING, not 'warning'."


@pytest.mark.parametrize("raw", ["postgres://u@h/db", "postgresql://u@h/db", " postgres://u@h/db "])
def test_env_url_accepts_the_listed_schemes(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_URL", raw)

    assert env_url("LV_TEST_URL", ("postgres", "postgresql")) == raw.strip()


def test_env_url_unset_is_empty(monkeypatch):
    monkeypatch.delenv("LV_TEST_URL", raising=False)

    assert env_url("LV_TEST_URL", ("redis",)) == ""


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "postgres:/u@h/db", "u@h/db", "redis://h"])
def test_env_url_refuses_other_schemes(monkeypatch, raw):
    monkeypatch.setenv("LV_TEST_URL", raw)

    with pytest.raises(ImproperlyConfigured) as error:
        env_url("LV_TEST_URL", ("postgres", "postgresql"))

    assert str(error.value) == "LV_TEST_URL must start with one of postgres://, postgresql://"
