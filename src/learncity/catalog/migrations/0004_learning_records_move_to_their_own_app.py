"""The learning record leaves catalog for the records app (records/0001): in Django's state only, the table
catalog_learningrecord and its rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_life_cycle_events_english"),
        ("records", "0001_initial"),
        ("creditbank", "0009_learning_records_in_their_own_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="LearningRecord")]),
    ]
