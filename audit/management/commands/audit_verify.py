from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditRecord
from audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Check the whole audit trail's hash chain and name the first broken record."

    def handle(self, *args, **options) -> None:
        broken = audit_chain_verify()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at record #{broken.pk} ({broken.action} {broken.object_type}:{broken.object_id}, "
                f"{broken.at.isoformat()}): it, or the record before it, was changed, removed or inserted."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {AuditRecord.objects.count()} records."))
