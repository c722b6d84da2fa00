from django.db import migrations, models


def record_service_facts(apps, schema_editor):
    """Fill the facts in for sessions that exist: whether the taxpayer came, and their wait."""
    InterviewSession = apps.get_model("interviews", "InterviewSession")
    QueueEntry = apps.get_model("operations", "QueueEntry")
    joined_queue = dict(QueueEntry.objects.filter(booking__isnull=False).values_list("booking_id", "joined_at"))
    for session in InterviewSession.objects.select_related("booking").iterator():
        booking = session.booking
        session.taxpayer_came = bool(booking.taxpayer_joined_at or session.waiting_since or session.admitted_at)
        if session.admitted_at is not None:
            started = joined_queue.get(booking.pk) or max(
                booking.taxpayer_joined_at or booking.starts_at, booking.starts_at
            )
            session.wait_seconds = max(0, round((session.admitted_at - started).total_seconds()))
        session.save(update_fields=["taxpayer_came", "wait_seconds"])


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0005_verification"),
        ("operations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="interviewsession",
            name="taxpayer_came",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="interviewsession",
            name="wait_seconds",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(record_service_facts, migrations.RunPython.noop),
    ]
