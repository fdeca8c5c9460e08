"""The pools move here from catalog, their tables and rows untouched (catalog_teacher, catalog_teacher_institutions,
catalog_textbook, catalog_expert, catalog_volunteer, catalog_volunteerservice): the models change app in Django's
state only; catalog/0005 then leaves them."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0004_learning_records_move_to_their_own_app'),
        ('network', '0003_effective_and_end_dates'),
        ('people', '0006_user_restricted_manager'),
        ('places', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.CreateModel(
                name='Textbook',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('title', models.CharField(max_length=200, verbose_name='书名')),
                    ('authors', models.CharField(blank=True, max_length=200, verbose_name='作者')),
                    ('publisher', models.CharField(blank=True, max_length=100, verbose_name='出版社')),
                    ('isbn', models.CharField(blank=True, max_length=17, verbose_name='ISBN')),
                    ('topic', models.CharField(blank=True, max_length=64, verbose_name='主题')),
                ],
                options={
                    'db_table': 'catalog_textbook',
                    'ordering': ['id'],
                },
            ),
            migrations.CreateModel(
                name='Expert',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=64, verbose_name='姓名')),
                    ('kind', models.CharField(choices=[('consultancy', '咨询专家'), ('guidance', '指导专家'), ('reviewer', '评审专家')], max_length=16, verbose_name='类别')),
                    ('specialities', models.CharField(blank=True, max_length=200, verbose_name='专长')),
                    ('organisation', models.CharField(blank=True, max_length=128, verbose_name='单位')),
                    ('city', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.place')),
                    ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='expert', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'catalog_expert',
                    'ordering': ['id'],
                },
            ),
            migrations.CreateModel(
                name='Teacher',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=64, verbose_name='姓名')),
                    ('kind', models.CharField(choices=[('full_time', '专职'), ('part_time', '兼职'), ('volunteer', '志愿者')], max_length=16, verbose_name='类别')),
                    ('specialities', models.CharField(blank=True, max_length=200, verbose_name='专长')),
                    ('institutions', models.ManyToManyField(related_name='teachers', to='network.institution', verbose_name='任教机构')),
                    ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='teacher', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'catalog_teacher',
                    'ordering': ['id'],
                },
            ),
            migrations.CreateModel(
                name='Volunteer',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('skills', models.CharField(blank=True, max_length=200, verbose_name='技能')),
                    ('institution', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='volunteers', to='network.institution')),
                    ('learner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='volunteer', to='people.learnerprofile')),
                ],
                options={
                    'db_table': 'catalog_volunteer',
                },
            ),
            migrations.CreateModel(
                name='VolunteerService',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('date', models.DateField(verbose_name='日期')),
                    ('hours', models.DecimalField(decimal_places=1, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.5'))], verbose_name='时长')),
                    ('activity', models.CharField(max_length=200, verbose_name='服务内容')),
                    ('institution', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='network.institution')),
                    ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('volunteer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='services', to='pools.volunteer')),
                ],
                options={
                    'db_table': 'catalog_volunteerservice',
                    'ordering': ['-date', '-id'],
                    'constraints': [models.CheckConstraint(condition=models.Q(('hours__gt', 0)), name='volunteer_service_hours_positive')],
                },
            ),
        ]),
    ]
