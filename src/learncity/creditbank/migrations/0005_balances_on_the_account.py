"""Each account's cached balances move from a table of their own (a row per account and class) onto the account's
row, so appending an entry changes one row: the head and the balance together. The balances are carried over."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models

CLASSES = ("academic", "vocational", "training", "culture")


def carry_over(apps, schema_editor):
    """One pass over the balances, pivoted per account (the table's unique index is already gone here)."""
    sums = ", ".join(f"SUM(CASE WHEN credit_class = '{c}' THEN amount ELSE 0 END) AS s_{c}" for c in CLASSES)
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"UPDATE creditbank_learningaccount SET {', '.join(f'balance_{c} = b.s_{c}' for c in CLASSES)} "
                    f"FROM (SELECT account_id, {sums} FROM creditbank_accountbalance GROUP BY account_id) b "
                    f"WHERE creditbank_learningaccount.id = b.account_id")


def carry_back(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        for c in CLASSES:
            cur.execute(f"INSERT INTO creditbank_accountbalance (account_id, credit_class, amount) "
                        f"SELECT id, %s, balance_{c} FROM creditbank_learningaccount WHERE balance_{c} <> 0", [c])


class Migration(migrations.Migration):

    dependencies = [
        ('creditbank', '0004_hot_tables_without_foreign_key_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='accountbalance',
            name='balance_once_per_class',
        ),
        migrations.AddField(
            model_name='learningaccount',
            name='balance_academic',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=12),
        ),
        migrations.AddField(
            model_name='learningaccount',
            name='balance_culture',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=12),
        ),
        migrations.AddField(
            model_name='learningaccount',
            name='balance_training',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=12),
        ),
        migrations.AddField(
            model_name='learningaccount',
            name='balance_vocational',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=12),
        ),
        migrations.RunPython(carry_over, carry_back),
        migrations.AddConstraint(
            model_name='learningaccount',
            constraint=models.CheckConstraint(condition=models.Q(('balance_academic__gte', 0)), name='account_academic_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='learningaccount',
            constraint=models.CheckConstraint(condition=models.Q(('balance_vocational__gte', 0)), name='account_vocational_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='learningaccount',
            constraint=models.CheckConstraint(condition=models.Q(('balance_training__gte', 0)), name='account_training_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='learningaccount',
            constraint=models.CheckConstraint(condition=models.Q(('balance_culture__gte', 0)), name='account_culture_not_negative'),
        ),
        migrations.DeleteModel(
            name='AccountBalance',
        ),
    ]
