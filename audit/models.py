import json

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    """One append-only entry of the audit trail. Each carries the hash of the one before, so
    editing, deleting or inserting a record breaks the chain where it happened."""

    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    details = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "interviews_auditrecord"  # the table it had when the trail lived in interviews
        ordering = ["pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="interviews__object__92e589_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    @property
    def details_text(self) -> str:
        return json.dumps(self.details, sort_keys=True, ensure_ascii=False)
