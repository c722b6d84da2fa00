from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.management.commands.load_demo import DEMO_DOMAIN


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo staff account (development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("This command only works with DEBUG on.")
        if not email.lower().endswith(f"@{DEMO_DOMAIN}"):
            raise CommandError(f"Only demo accounts (@{DEMO_DOMAIN}) can have their code printed.")
        device = TOTPDevice.objects.filter(user__email__iexact=email).order_by("-confirmed", "pk").first()
        if device is None:
            raise CommandError("Log in with the password first: the authenticator page creates the key.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
