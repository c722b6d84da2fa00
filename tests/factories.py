from datetime import UTC, date, time, timedelta

import factory
from django.apps import apps
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AgentLanguage, AgentProfile, TaxpayerProfile, User
from scheduling.models import Booking, DateException, WeeklyHours

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = User.Role.TAXPAYER
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TaxpayerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxpayerProfile

    user = factory.SubFactory(UserFactory)


# Identity details a taxpayer gives on their profile, for `TaxpayerFactory(**claimed_identity())`.
CLAIMED_IDENTITY = {
    "date_of_birth": date(1980, 2, 29),
    "street_address": "1 Main St",
    "city": "Austin",
    "state": "TX",
    "postal_code": "78701",
}


def claimed_identity() -> dict:
    return {f"profile__{field}": value for field, value in CLAIMED_IDENTITY.items()}


class TaxpayerFactory(UserFactory):
    role = User.Role.TAXPAYER
    profile = factory.RelatedFactory(TaxpayerProfileFactory, factory_related_name="user")


class AgentLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentLanguage

    agent = factory.SubFactory(UserFactory, role=User.Role.AGENT)
    language = "en"


class AgentFactory(UserFactory):
    role = User.Role.AGENT
    english = factory.RelatedFactory(AgentLanguageFactory, factory_related_name="agent", language="en")


class SupervisorFactory(UserFactory):
    role = User.Role.SUPERVISOR


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(AgentFactory)
    name = "Authenticator app"
    confirmed = True


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyHours

    agent = factory.SubFactory(AgentFactory)
    weekday = 0
    start = time(9)
    end = time(17)


class AgentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentProfile

    user = factory.SubFactory(AgentFactory)
    takes_audio_only = True


class DateExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DateException

    agent = factory.SubFactory(AgentFactory)
    kind = DateException.Kind.TIME_OFF
    date = factory.LazyFunction(lambda: timezone.now().date() + timedelta(days=1))
    start = None
    end = None


class BookingFactory(factory.django.DjangoModelFactory):
    """An active 20-minute booking with a 10-minute buffer, made straight in the database (no service rules)."""

    class Meta:
        model = Booking

    reference = factory.Sequence(lambda n: f"{n % 1000:03d}-{n // 1000 % 1000:03d}")
    taxpayer = factory.SubFactory(TaxpayerFactory)
    agent = factory.SubFactory(AgentFactory)
    language = "en"
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    )
    ends_at = factory.LazyAttribute(lambda booking: booking.starts_at + timedelta(minutes=20))
    blocked_until = factory.LazyAttribute(lambda booking: booking.ends_at + timedelta(minutes=10))
    confirmed_at = factory.LazyFunction(timezone.now)


class QueueEntryFactory(factory.django.DjangoModelFactory):
    """A taxpayer waiting in the talk-now queue, present on the page."""

    class Meta:
        model = "operations.QueueEntry"

    taxpayer = factory.SubFactory(TaxpayerFactory)
    language = "en"
    joined_at = factory.LazyFunction(timezone.now)


class AgentStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "operations.AgentState"

    agent = factory.SubFactory(AgentFactory)
    state = "available"
    since = factory.LazyFunction(timezone.now)


class VerifiedOutcomeFactory(factory.django.DjangoModelFactory):
    """A verified outcome of a completed video interview, made straight in the database."""

    class Meta:
        model = "verification.VerificationOutcome"

    session = factory.LazyAttribute(
        lambda outcome: apps.get_model("interviews", "InterviewSession").objects.create(
            booking=BookingFactory(taxpayer=outcome.taxpayer, status=Booking.Status.COMPLETED), state="completed"
        )
    )
    taxpayer = factory.SubFactory(TaxpayerFactory)
    result = "verified"
    method = "live_video"
    assurance_level = "IAL2"
    decided_by = factory.LazyAttribute(lambda outcome: outcome.session.booking.agent)
    decided_at = factory.LazyFunction(timezone.now)
