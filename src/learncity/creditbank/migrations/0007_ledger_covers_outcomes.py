"""The ledger covers the outcomes it records (chain version 2), and outcomes become append-only.

Entries gain `chain` (their chain version) and `outcome_hash`. Every entry written before this migration is
version 1 and keeps the hash it was written with (issued transcripts name those hashes as their heads, and they
are append-only: no re-chaining); every entry written from now on is version 2, whose hash covers "2" and the hash
of its outcome (`ledger.outcome_hash`), and verification checks versions never go down along a chain. Outcomes get
the ledger's triggers: UPDATE and DELETE refused on SQLite and PostgreSQL (a correction is a reversal entry and,
if need be, a new outcome). Adding the columns rebuilds the entries' table on SQLite, which drops its triggers:
they are made again here."""

import importlib

from django.db import migrations, models

_append_only = importlib.import_module("learncity.creditbank.migrations.0002_ledger_append_only")


def forwards(apps, schema_editor):
    _append_only.triggers_create(schema_editor.connection, ["creditbank_ledgerentry", "creditbank_outcome"])


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute("DROP TRIGGER IF EXISTS creditbank_outcome_append_only ON creditbank_outcome")
        else:
            for op in ("update", "delete"):
                cur.execute(f"DROP TRIGGER IF EXISTS creditbank_outcome_no_{op}")


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0006_transcript_withdrawal")]

    operations = [
        # Existing entries are version 1 (the column is added with that default, which PostgreSQL keeps in the
        # catalogue without rewriting the table); the model's default for new ones is version 2.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AddField(
                model_name="ledgerentry", name="chain", field=models.PositiveSmallIntegerField(default=1))],
            state_operations=[migrations.AddField(
                model_name="ledgerentry", name="chain", field=models.PositiveSmallIntegerField(default=2))],
        ),
        migrations.AddField(
            model_name="ledgerentry", name="outcome_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(forwards, backwards),
    ]
