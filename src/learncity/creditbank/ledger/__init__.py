"""The ledger: append under the account's lock, hash chain per account, and verification (walk.py says why a
chain per account and what it detects).

- chain.py: the canonical text of an entry and of its outcome, and the hashes over them;
- append.py: movements appended under the account's lock; the chain upgrade checkpoints;
- walk.py: `ledger_verify`, and the Python walk over every entry;
- in_sql.py: PostgreSQL's verification, the per-entry work in the database;
- report.py: what verification reports.
Vendor SQL lives behind `learncity.creditbank.sql`.
"""

from learncity.creditbank.ledger.append import (
    Movement,
    chains_upgrade,
    check_amount,
    entries_append,
    heads_move,
    lock_account,
)
from learncity.creditbank.ledger.chain import (
    CENT,
    amount_text,
    checkpoint_hash,
    entry_hash,
    entry_hash_sql,
    outcome_hash,
    outcome_hashes,
    outcome_payload,
    outcome_payload_sql,
    time_text,
    version_segment_sql,
)
from learncity.creditbank.ledger.in_sql import _page_sql, _tune
from learncity.creditbank.ledger.report import OUTCOME_ALTERED, Break, VerifyReport
from learncity.creditbank.ledger.walk import ledger_verify
from learncity.creditbank.models import CHAIN, GENESIS
from learncity.creditbank.sql.postgresql import PG_TIME_TEXT

__all__ = [
    "CENT", "CHAIN", "GENESIS", "OUTCOME_ALTERED", "PG_TIME_TEXT", "Break", "Movement", "VerifyReport", "_page_sql",
    "_tune", "amount_text", "chains_upgrade", "check_amount", "checkpoint_hash", "entries_append", "entry_hash",
    "entry_hash_sql", "heads_move", "ledger_verify", "lock_account", "outcome_hash", "outcome_hashes",
    "outcome_payload", "outcome_payload_sql", "time_text", "version_segment_sql",
]
