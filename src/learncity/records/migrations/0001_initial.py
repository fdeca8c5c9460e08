"""The learning record moves here from catalog, its table and data untouched (catalog_learningrecord): the model
changes app in Django's state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0003_life_cycle_events_english'),
        ('network', '0003_effective_and_end_dates'),
        ('people', '0006_user_restricted_manager'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='LearningRecord',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('attendance', '课程出勤'), ('completion', '课程结业'), ('event', '活动参与'), ('resource', '在线学习'), ('volunteering', '志愿服务')], max_length=16)),
                    ('course_kind', models.CharField(blank=True, choices=[('community', '社区教育'), ('elderly', '老年教育'), ('vocational', '职业技能培训'), ('professional', '专业技术人员继续教育'), ('cadre', '干部培训'), ('academic', '成人学历教育'), ('rural', '农村实用技术'), ('family', '家庭教育与亲子'), ('health', '卫生健康'), ('culture', '文化艺术'), ('digital', '数字技能'), ('law', '法律与公民素养')], max_length=16)),
                    ('title', models.CharField(max_length=200)),
                    ('hours', models.DecimalField(decimal_places=1, max_digits=6)),
                    ('score', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True)),
                    ('date', models.DateField()),
                    ('source', models.CharField(choices=[('page', '页面'), ('api', '接口'), ('qr', '扫码'), ('import', '导入'), ('demo', '演示')], max_length=8)),
                    ('external_id', models.CharField(max_length=64)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('course', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='catalog.course')),
                    ('created_by', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('event', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='catalog.event')),
                    ('learner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='learning_records', to='people.learnerprofile')),
                    ('provider', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='learning_records', to='network.institution')),
                    ('resource', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='catalog.resource')),
                    ('session', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.coursesession')),
                ],
                options={
                    'db_table': 'catalog_learningrecord',
                    'ordering': ['-date', '-id'],
                    'indexes': [models.Index(fields=['learner', 'date'], name='catalog_lea_learner_fbbe2b_idx'), models.Index(condition=models.Q(('course__isnull', False)), fields=['course'], name='learning_record_course'), models.Index(condition=models.Q(('session__isnull', False)), fields=['session'], name='learning_record_session'), models.Index(condition=models.Q(('event__isnull', False)), fields=['event'], name='learning_record_event'), models.Index(condition=models.Q(('resource__isnull', False)), fields=['resource'], name='learning_record_resource')],
                    'constraints': [models.UniqueConstraint(fields=('provider', 'external_id'), name='learning_record_once_per_provider'), models.CheckConstraint(condition=models.Q(('hours__gte', 0)), name='learning_record_hours_not_negative')],
                },
            ),
        ]),
    ]
