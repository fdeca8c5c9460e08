"""The intake pipeline: a provider's file of learning records, streamed from disk into the staging table, checked
row by row, then checked, deduplicated, written and recognised set-based. One module a step:

1. `read`: the file's header row, read without reading the rest, and its rows one at a time (xlsx, CSV in the
   encoding it was saved in, JSON Lines); `check_headers` refuses missing or extra columns. `columns` is the
   file's format.
2. `stage`: the rows, streamed into `StagedRow` a chunk a transaction (`rows`; a CSV column-wise, `columnar`),
   each checked for what needs no database (`check`).
3. `commit`, in the one transaction that also sets the job's counts: the checks against the reference tables,
   duplicates inside the file, dedup against what the provider sent before, the new records written.
4. `recognise`: the records recognised into the ledger, batch by batch (side by side on PostgreSQL).

What PostgreSQL and SQLite write differently sits behind one seam, `sql` (`pipeline_sql()`).
"""

from learncity.intake.pipeline.check import MAX_HOURS, MAX_SCORE, RowChecker, cell_text
from learncity.intake.pipeline.columns import (
    CODES,
    COLUMNS,
    COURSE_KIND_LABELS,
    ENCODING_LABELS,
    EXAMPLE_PREFIX,
    HEADERS,
    KIND_LABELS,
    STAGE_COLUMNS,
    Column,
)
from learncity.intake.pipeline.commit import (
    commit_settings,
    commit_unflushed,
    dedup,
    lock_records,
    validate,
    write,
)
from learncity.intake.pipeline.read import MAX_LINE, Source, check_headers, detect_encoding, open_source
from learncity.intake.pipeline.recognise import recognise
from learncity.intake.pipeline.rows import StageResult, staged_delete
from learncity.intake.pipeline.stage import stage

__all__ = [
    "CODES", "COLUMNS", "COURSE_KIND_LABELS", "ENCODING_LABELS", "EXAMPLE_PREFIX", "HEADERS", "KIND_LABELS",
    "MAX_HOURS", "MAX_LINE", "MAX_SCORE", "STAGE_COLUMNS", "Column", "RowChecker", "Source", "StageResult",
    "cell_text", "check_headers", "commit_settings", "commit_unflushed", "dedup", "detect_encoding", "lock_records",
    "open_source", "recognise", "stage", "staged_delete", "validate", "write",
]
