from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('interviews', '0007_details_match'),
    ]

    # The audit and verification models now belong to their own apps (audit 0001, verification 0001); their tables stay.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='challengeprompt',
                    name='verification',
                ),
                migrations.RemoveField(
                    model_name='evidenceitem',
                    name='verification',
                ),
                migrations.RemoveField(
                    model_name='onetimecode',
                    name='verification',
                ),
                migrations.RemoveField(
                    model_name='proofingreport',
                    name='outcome',
                ),
                migrations.RemoveField(
                    model_name='proofingreport',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='verification',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='verificationoutcome',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='verificationoutcome',
                    name='follow_up_booking',
                ),
                migrations.RemoveField(
                    model_name='verificationoutcome',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='verificationoutcome',
                    name='taxpayer',
                ),
                migrations.DeleteModel(
                    name='AuditRecord',
                ),
                migrations.DeleteModel(
                    name='ChallengePrompt',
                ),
                migrations.DeleteModel(
                    name='EvidenceItem',
                ),
                migrations.DeleteModel(
                    name='OneTimeCode',
                ),
                migrations.DeleteModel(
                    name='ProofingReport',
                ),
                migrations.DeleteModel(
                    name='Verification',
                ),
                migrations.DeleteModel(
                    name='VerificationOutcome',
                ),
            ],
        ),
    ]
