import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('interviews', '0008_moved_to_audit_and_verification'),
        ('scheduling', '0002_bookings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables were made by interviews 0005 and 0007 (and keep their names): only the models move here.
    # The tables were made by interviews 0005 and 0007 and keep their names: only the models move here.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.SeparateDatabaseAndState(
                    database_operations=[],
                    state_operations=[
                        migrations.CreateModel(
                            name='Verification',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('stayed_in_view', models.BooleanField(default=False, verbose_name='applicant stayed in view throughout')),
                                ('details_match', models.BooleanField(default=False, verbose_name='name, date of birth and address match the documents')),
                                ('fraud_flag', models.BooleanField(default=False, verbose_name='suspected fraud')),
                                ('fraud_reason', models.CharField(blank=True, max_length=500, verbose_name='why fraud is suspected')),
                                ('notes', models.TextField(blank=True, max_length=2000, verbose_name='notes')),
                                ('updated_at', models.DateTimeField(auto_now=True)),
                                ('session', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='verification', to='interviews.interviewsession')),
                            ],
                            options={
                                'db_table': 'interviews_verification',
                            },
                        ),
                        migrations.CreateModel(
                            name='OneTimeCode',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'Text message')], max_length=5)),
                                ('code_hash', models.CharField(max_length=64)),
                                ('created_at', models.DateTimeField()),
                                ('expires_at', models.DateTimeField()),
                                ('attempts', models.PositiveSmallIntegerField(default=0)),
                                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                                ('spent', models.BooleanField(default=False)),
                                ('verification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='codes', to='verification.verification')),
                            ],
                            options={
                                'db_table': 'interviews_onetimecode',
                                'ordering': ['created_at', 'pk'],
                            },
                        ),
                        migrations.CreateModel(
                            name='EvidenceItem',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('document_type', models.CharField(choices=[('passport', 'Passport'), ('passport_card', 'U.S. passport card'), ('permanent_resident_card', 'Permanent resident card'), ('drivers_license', "Driver's license"), ('state_id', 'State ID card'), ('military_id', 'Military ID card'), ('tribal_id', 'Tribal ID card'), ('birth_certificate', 'Birth certificate'), ('social_security_card', 'Social Security card'), ('other', 'Other government document')], max_length=30, verbose_name='document')),
                                ('issuer', models.CharField(max_length=100, verbose_name='issued by')),
                                ('unexpired', models.BooleanField(verbose_name='not expired')),
                                ('security_features_checked', models.BooleanField(verbose_name='security features checked')),
                                ('photo_matches', models.BooleanField(verbose_name='photo matches the person on camera')),
                                ('added_at', models.DateTimeField(auto_now_add=True)),
                                ('verification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='verification.verification')),
                            ],
                            options={
                                'db_table': 'interviews_evidenceitem',
                                'ordering': ['added_at', 'pk'],
                            },
                        ),
                        migrations.CreateModel(
                            name='ChallengePrompt',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('kind', models.CharField(max_length=30)),
                                ('digits', models.CharField(blank=True, max_length=6)),
                                ('result', models.CharField(choices=[('pending', 'Waiting for the agent'), ('passed', 'Passed'), ('failed', 'Failed')], default='pending', max_length=10)),
                                ('issued_at', models.DateTimeField()),
                                ('decided_at', models.DateTimeField(blank=True, null=True)),
                                ('verification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='challenges', to='verification.verification')),
                            ],
                            options={
                                'db_table': 'interviews_challengeprompt',
                                'ordering': ['issued_at', 'pk'],
                            },
                        ),
                        migrations.CreateModel(
                            name='VerificationOutcome',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('result', models.CharField(choices=[('verified', 'Verified'), ('not_verified', 'Not verified'), ('inconclusive', 'Inconclusive')], max_length=12, verbose_name='result')),
                                ('reasons', models.JSONField(blank=True, default=list, verbose_name='reasons')),
                                ('follow_up', models.CharField(blank=True, max_length=500, verbose_name='what to bring next time')),
                                ('method', models.CharField(choices=[('live_video', 'Live video interview'), ('live_audio', 'Live audio-only interview')], max_length=12, verbose_name='method')),
                                ('assurance_level', models.CharField(blank=True, choices=[('IAL2', 'Identity assurance level 2'), ('IAL1', 'Identity assurance level 1'), ('', 'None')], max_length=4, verbose_name='assurance level')),
                                ('steps', models.JSONField(default=dict)),
                                ('decided_at', models.DateTimeField()),
                                ('notified_at', models.DateTimeField(blank=True, null=True)),
                                ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                                ('follow_up_booking', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='follows_up', to='scheduling.booking')),
                                ('session', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='outcome', to='interviews.interviewsession')),
                                ('taxpayer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='outcomes', to=settings.AUTH_USER_MODEL)),
                            ],
                            options={
                                'db_table': 'interviews_verificationoutcome',
                                'ordering': ['-decided_at'],
                            },
                        ),
                        migrations.CreateModel(
                            name='ProofingReport',
                            fields=[
                                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                                ('details', models.TextField(max_length=2000, verbose_name='what happened')),
                                ('reported_at', models.DateTimeField(auto_now_add=True)),
                                ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                                ('outcome', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='verification.verificationoutcome')),
                            ],
                            options={
                                'db_table': 'interviews_proofingreport',
                                'ordering': ['-reported_at'],
                            },
                        ),
                        migrations.AddIndex(
                            model_name='verificationoutcome',
                            index=models.Index(fields=['taxpayer', 'decided_at'], name='interviews__taxpaye_0de11a_idx'),
                        ),
                        migrations.AddConstraint(
                            model_name='verificationoutcome',
                            constraint=models.CheckConstraint(condition=models.Q(('result__in', ['verified', 'not_verified', 'inconclusive'])), name='interviews_outcome_result_valid'),
                        ),
                        migrations.AddConstraint(
                            model_name='verificationoutcome',
                            constraint=models.CheckConstraint(condition=models.Q(models.Q(('result', 'verified'), _negated=True), models.Q(('assurance_level', ''), _negated=True), _connector='OR'), name='interviews_outcome_verified_has_level'),
                        ),
                    ],
                ),
            ],
        ),
    ]
