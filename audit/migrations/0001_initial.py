import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('interviews', '0008_moved_to_audit_and_verification'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The table was made by interviews 0002 (and keeps its name): only the model moves here.
    # The table was made by interviews 0002 and keeps its name: only the model moves here.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.SeparateDatabaseAndState(
                    database_operations=[],
                    state_operations=[
                        migrations.CreateModel(
                            name='AuditRecord',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('at', models.DateTimeField()),
                                ('action', models.CharField(max_length=60)),
                                ('object_type', models.CharField(max_length=40)),
                                ('object_id', models.CharField(max_length=40)),
                                ('details', models.JSONField(default=dict)),
                                ('previous_hash', models.CharField(max_length=64)),
                                ('hash', models.CharField(max_length=64, unique=True)),
                                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                            ],
                            options={
                                'db_table': 'interviews_auditrecord',
                                'ordering': ['pk'],
                                'indexes': [models.Index(fields=['object_type', 'object_id'], name='interviews__object__92e589_idx')],
                            },
                        ),
                    ],
                ),
            ],
        ),
    ]
