"""Outcomes recorded before chain version 2 become covered too: a checkpoint at the head of each chain.

Migration 0007 left every entry written before it at chain version 1, which covers no outcome (issued transcripts
name those entries' hashes as their heads: no re-chaining). Here every account whose version 1 entries record
outcomes gets one version 2 entry appended, a chain upgrade checkpoint (`EntryReason.CHAIN_UPGRADE`: amount 0, no
outcome, balances unchanged), whose `outcome_hash` is `ledger.checkpoint_hash` of those outcomes' hashes in `seq`
order; `ledger verify` recomputes it from the outcomes as they are now, so a forged or deleted outcome recorded
before the upgrade is a break at the checkpoint. The amount check lets a checkpoint's 0 through (on SQLite that
rebuilds the entries' table, which drops its triggers: they are made again). Appended entries cannot be taken back
(the ledger is append-only): irreversible."""

import importlib

from django.db import migrations, models

_append_only = importlib.import_module("learncity.creditbank.migrations.0002_ledger_append_only")


def forwards(apps, schema_editor):
    """The triggers again, then the checkpoints (`ledger.chains_upgrade`: a batch of accounts a few statements;
    run twice, it appends nothing the second time)."""
    from learncity.creditbank.ledger import chains_upgrade

    _append_only.triggers_create(schema_editor.connection, ["creditbank_ledgerentry", "creditbank_outcome"])
    chains_upgrade()


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0007_ledger_covers_outcomes")]

    operations = [
        migrations.RemoveConstraint(model_name="ledgerentry", name="ledger_entry_amount_not_zero"),
        migrations.AlterField(
            model_name="ledgerentry", name="reason",
            field=models.CharField(choices=[("recognition", "认定"), ("conversion", "转换"), ("reversal", "冲正"),
                                            ("expiry", "过期"), ("upgrade", "账本升级：此前记录的学习成果纳入校验")],
                                   max_length=12),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(condition=~models.Q(amount=0) | models.Q(reason="upgrade"),
                                              name="ledger_entry_amount_not_zero"),
        ),
        migrations.RunPython(forwards),
    ]
