import random
from datetime import date, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import AgentLanguage, TaxpayerProfile, User
from interviews.models import InterviewSession
from operations.models import AgentState, QueueEntry
from operations.selectors import queue_settings_get
from scheduling.models import Booking, WeeklyHours

DEMO_PASSWORD = "demo-password-2026"
DEMO_DOMAIN = "demo.liveverify.test"
WEEKDAYS = range(0, 5)

STAFF = [
    # email, name, role, languages, time zone, daily ranges
    ("chen", "Mei Chen", User.Role.SUPERVISOR, ["en"], "America/New_York", []),
    (
        "okafor",
        "Daniel Okafor",
        User.Role.AGENT,
        ["en"],
        "America/New_York",
        [(time(9), time(12)), (time(13), time(17))],
    ),
    ("rivera", "Lucía Rivera", User.Role.AGENT, ["en", "es"], "America/Puerto_Rico", [(time(8), time(16))]),
    (
        "nguyen",
        "Linh Nguyen",
        User.Role.AGENT,
        ["en"],
        "America/Los_Angeles",
        [(time(7), time(11)), (time(12), time(15))],
    ),
    ("garcia", "Jorge García", User.Role.AGENT, ["es"], "America/Chicago", [(time(10), time(18))]),
]
TAXPAYERS = [
    (
        "marisol",
        "Marisol Ortiz",
        "es",
        "America/New_York",
        {
            "phone": "+12025550143",
            "date_of_birth": date(1988, 4, 12),
            "street_address": "415 Calle Luna",
            "city": "Orlando",
            "state": "FL",
            "postal_code": "32801",
        },
    ),
    (
        "john",
        "John Smith",
        "en",
        "America/Los_Angeles",
        {
            "needs_captions": True,
            "date_of_birth": date(1975, 9, 30),
            "street_address": "12 Oak Avenue",
            "city": "Fresno",
            "state": "CA",
            "postal_code": "93701",
        },
    ),
]


class Command(BaseCommand):
    help = "Create the demo accounts (one supervisor, four agents, two taxpayers); safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        now = timezone.now()
        for key, name, role, languages, zone, ranges in STAFF:
            user = self._user(key, name, role, languages[0], zone, now)
            for language in languages:
                AgentLanguage.objects.get_or_create(agent=user, language=language)
            if not user.weekly_hours.exists():
                WeeklyHours.objects.bulk_create(
                    WeeklyHours(agent=user, weekday=day, start=start, end=end)
                    for day in WEEKDAYS
                    for start, end in ranges
                )
        for key, name, language, zone, needs in TAXPAYERS:
            user = self._user(key, name, User.Role.TAXPAYER, language, zone, now)
            TaxpayerProfile.objects.get_or_create(user=user, defaults=needs)
        self._operations(now)
        self._print_logins()

    def _operations(self, now) -> None:
        """The talk-now queue open in English and Spanish, agents on duty, and a week of history."""
        rules = queue_settings_get()
        if not rules.open_languages:
            rules.open_languages = ["en", "es"]
            rules.save(update_fields=["open_languages"])
        for key, state in (("okafor", "available"), ("rivera", "available"), ("nguyen", "break")):
            AgentState.objects.get_or_create(
                agent=User.objects.get(email=f"{key}@{DEMO_DOMAIN}"), defaults={"state": state, "since": now}
            )
        if Booking.objects.filter(reference__startswith="H").exists():
            return
        agents = list(User.objects.filter(role=User.Role.AGENT, email__endswith=DEMO_DOMAIN).order_by("email"))
        taxpayers = list(User.objects.filter(role=User.Role.TAXPAYER, email__endswith=DEMO_DOMAIN))
        chance = random.Random(2026)  # the same history on every machine  # noqa: S311
        number = 0
        for days_ago in range(1, 8):
            day = (now - timedelta(days=days_ago)).replace(hour=14, minute=0, second=0, microsecond=0)
            for slot in range(8):
                number += 1
                agent, taxpayer = agents[slot % len(agents)], taxpayers[slot % len(taxpayers)]
                starts_at = day + timedelta(minutes=40 * (slot // len(agents)), seconds=slot)
                joined = starts_at - timedelta(minutes=chance.randint(0, 6))
                kind = "no_show" if slot == 7 else "completed"
                booking = Booking.objects.create(
                    reference=f"H{number:02d}-{days_ago:03d}",
                    taxpayer=taxpayer,
                    agent=agent,
                    language="es" if agent.preferred_language == "es" else "en",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=20),
                    blocked_until=starts_at + timedelta(minutes=30),
                    status=kind,
                    confirmed_at=starts_at - timedelta(days=2),
                    taxpayer_joined_at=None if kind == "no_show" else joined,
                )
                if kind == "no_show":
                    continue
                admitted = starts_at + timedelta(seconds=chance.randint(20, 420))
                InterviewSession.objects.create(
                    booking=booking,
                    state="completed",
                    waiting_since=joined,
                    admitted_at=admitted,
                    taxpayer_came=True,
                    wait_seconds=round((admitted - starts_at).total_seconds()),
                    ended_at=admitted + timedelta(seconds=chance.randint(9 * 60, 22 * 60)),
                )
            QueueEntry.objects.create(
                taxpayer=taxpayers[0],
                language="en",
                status=QueueEntry.Status.LEFT,
                joined_at=day + timedelta(hours=2),
                ended_at=day + timedelta(hours=2, minutes=chance.randint(3, 15)),
                estimate_low_seconds=300,
                estimate_high_seconds=900,
            )

    def _user(self, key: str, name: str, role: str, language: str, zone: str, now) -> User:
        user, created = User.objects.get_or_create(
            email=f"{key}@{DEMO_DOMAIN}",
            defaults={
                "full_name": name,
                "role": role,
                "preferred_language": language,
                "time_zone": zone,
                "email_verified_at": now,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for key, name, role, *_rest in STAFF:
            self.stdout.write(f"  {role:<10} {key + '@' + DEMO_DOMAIN:<32} {name}")
        for key, name, *_rest in TAXPAYERS:
            self.stdout.write(f"  {'taxpayer':<10} {key + '@' + DEMO_DOMAIN:<32} {name}")
        self.stdout.write(
            "  Staff set up an authenticator app at their first login (scan the QR code or type the key).\n"
            "  Without a phone: python manage.py demo_totp_code EMAIL prints the current code (demo accounts only)."
        )
