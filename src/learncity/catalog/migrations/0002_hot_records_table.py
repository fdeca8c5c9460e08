"""Learning records, the hot table of bulk intake: no foreign-key checks in the database (the writers take the
ids from rows they read in the same transaction; nothing referenced is deleted — PROTECT in the ORM) and only
the indexes a query needs: the learner and provider indexes were covered by (learner, date) and the unique
(provider, record id), the date index served nothing, and the course, session, event and resource indexes
become partial (most records have none of them)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('network', '0001_initial'),
        ('people', '0002_learner_groups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='learningrecord',
            name='course',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='catalog.course'),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='date',
            field=models.DateField(),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='event',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='catalog.event'),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='learner',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='learning_records', to='people.learnerprofile'),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='provider',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='learning_records', to='network.institution'),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='resource',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='catalog.resource'),
        ),
        migrations.AlterField(
            model_name='learningrecord',
            name='session',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.coursesession'),
        ),
        migrations.AddIndex(
            model_name='learningrecord',
            index=models.Index(condition=models.Q(('course__isnull', False)), fields=['course'], name='learning_record_course'),
        ),
        migrations.AddIndex(
            model_name='learningrecord',
            index=models.Index(condition=models.Q(('session__isnull', False)), fields=['session'], name='learning_record_session'),
        ),
        migrations.AddIndex(
            model_name='learningrecord',
            index=models.Index(condition=models.Q(('event__isnull', False)), fields=['event'], name='learning_record_event'),
        ),
        migrations.AddIndex(
            model_name='learningrecord',
            index=models.Index(condition=models.Q(('resource__isnull', False)), fields=['resource'], name='learning_record_resource'),
        ),
    ]
