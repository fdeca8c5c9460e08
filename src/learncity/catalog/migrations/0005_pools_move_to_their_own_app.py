"""The pools (teachers, textbooks, experts, volunteers and their service hours) leave catalog for the pools app
(pools/0001): in Django's state only, their tables and rows stay where they are. Courses' teachers and textbooks
now point at the pools' models, over the same tables (catalog_course_teachers, catalog_course_textbooks)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_learning_records_move_to_their_own_app"),
        ("pools", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.AlterField(
                model_name="course", name="teachers",
                field=models.ManyToManyField(blank=True, related_name="courses", to="pools.teacher",
                                             verbose_name="教师")),
            migrations.AlterField(
                model_name="course", name="textbooks",
                field=models.ManyToManyField(blank=True, related_name="courses", to="pools.textbook",
                                             verbose_name="教材")),
            migrations.DeleteModel(name="VolunteerService"),
            migrations.DeleteModel(name="Volunteer"),
            migrations.DeleteModel(name="Expert"),
            migrations.DeleteModel(name="Teacher"),
            migrations.DeleteModel(name="Textbook"),
        ]),
    ]
