from datetime import date, time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import AgentLanguage, TaxpayerProfile, User
from scheduling.models import WeeklyHours

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
        self._print_logins()

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
