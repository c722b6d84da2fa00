from datetime import time

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AgentLanguage, TaxpayerProfile, User
from scheduling.models import WeeklyHours

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
