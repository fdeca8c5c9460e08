"""Hot append-only tables without foreign-key checks, fewer indexes, and room on the account and balance pages.

Foreign-key constraints on outcomes, ledger entries and balances looked up and locked the referenced row for
every inserted row (about 40% of bulk recognition at city scale); their writers take those ids from rows they
have just read or locked, and nothing referenced is ever deleted. The outcome date, provider and recogniser
indexes and the entry actor index served no query; the (account, date) index becomes (account), which
deduplicates to a sixth of its size; the conversion and reversal indexes become partial (most entries have
neither). Accounts (head moved at every entry) and balances (changed
at every entry) get fillfactor 80 on PostgreSQL so those updates stay on their page (HOT: no index writes).
SQLite alters a table by copying it, which drops the ledger's append-only triggers: they are created again.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

append_only = importlib.import_module("learncity.creditbank.migrations.0002_ledger_append_only")

ROOMY = ["creditbank_learningaccount", "creditbank_accountbalance"]


def fillfactor(apps, schema_editor, value=80):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            for table in ROOMY:
                cur.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def fillfactor_default(apps, schema_editor):
    fillfactor(apps, schema_editor, 100)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_hot_records_table'),
        ('creditbank', '0003_framework_levels'),
        ('network', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='outcome',
            name='creditbank__account_052dff_idx',
        ),
        migrations.AlterField(
            model_name='accountbalance',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='balances', to='creditbank.learningaccount'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='creditbank.learningaccount'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='conversion',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='creditbank.conversion'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='outcome',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='creditbank.outcome'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='reverses',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='creditbank.ledgerentry'),
        ),
        migrations.AlterField(
            model_name='outcome',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='outcomes', to='creditbank.learningaccount'),
        ),
        migrations.AlterField(
            model_name='outcome',
            name='date',
            field=models.DateField(),
        ),
        migrations.AlterField(
            model_name='outcome',
            name='learning_record',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='outcome', to='catalog.learningrecord'),
        ),
        migrations.AlterField(
            model_name='outcome',
            name='provider',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='network.institution'),
        ),
        migrations.AlterField(
            model_name='outcome',
            name='recognised_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='outcome',
            name='standard_version',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='outcomes', to='creditbank.standardversion'),
        ),
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(condition=models.Q(('conversion__isnull', False)), fields=['conversion'], name='ledger_entry_conversion'),
        ),
        migrations.AddIndex(
            model_name='outcome',
            index=models.Index(fields=['account'], name='outcome_account'),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.UniqueConstraint(condition=models.Q(('reverses__isnull', False)), fields=('reverses',), name='ledger_entry_reversed_once'),
        ),
        migrations.RunPython(append_only.forwards, migrations.RunPython.noop),
        migrations.RunPython(fillfactor, fillfactor_default),
    ]
