"""An outcome's learning record is the records app's now (state only: no constraint in the database to move)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('creditbank', '0008_chain_upgrade_checkpoints'),
        ('records', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='outcome',
                name='learning_record',
                field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='outcome', to='records.learningrecord'),
            ),
        ]),
    ]
