"""The ledger is append-only: triggers refuse UPDATE and DELETE on its tables, on SQLite and on PostgreSQL.

A correction is a reversal entry. (TRUNCATE needs the table's owner; the application's database role should not
own its tables in production. The test suite's flush between transactional tests truncates on PostgreSQL.)"""

from django.db import migrations

TABLES = ["creditbank_ledgerentry", "creditbank_transcript"]


def forwards(apps, schema_editor):
    """Create (or re-create) the triggers. Idempotent: a later migration that rebuilds one of these tables on SQLite
    (SQLite alters a table by copying it, which drops its triggers) runs this again."""
    triggers_create(schema_editor.connection, TABLES)


def triggers_create(conn, tables: list[str]) -> None:
    """The append-only triggers on `tables` (and, on PostgreSQL, the function they call). Idempotent."""
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute("""
                CREATE OR REPLACE FUNCTION learncity_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION 'learncity: % on % refused: the ledger is append-only (a correction is a reversal)',
                        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
                END $$ LANGUAGE plpgsql""")
            for table in tables:
                cur.execute(f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                            f"FOR EACH ROW EXECUTE FUNCTION learncity_append_only()")
        else:
            for table in tables:
                for op in ("UPDATE", "DELETE"):
                    cur.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                                f"SELECT RAISE(ABORT, 'learncity: {op} on {table} refused: the ledger is append-only "
                                f"(a correction is a reversal)'); END")


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        for table in TABLES:
            if conn.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            else:
                for op in ("update", "delete"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        if conn.vendor == "postgresql":
            cur.execute("DROP FUNCTION IF EXISTS learncity_append_only()")


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
