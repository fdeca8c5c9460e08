"""Step 2's staged rows: what a row of the file becomes in the staging table (`row_stager`: checked, with its
errors, or skipped), and how a chunk of them is written (through the vendor seam, `sql`), a short transaction a
chunk whose commit need not wait for the disk."""

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.intake.models import StagedRow
from learncity.intake.pipeline.check import RowChecker, cell_text
from learncity.intake.pipeline.columns import EXAMPLE_PREFIX
from learncity.intake.pipeline.read import JsonProblem
from learncity.intake.pipeline.sql import pipeline_sql


@dataclass
class StageResult:
    rows: int = 0
    invalid: int = 0
    examples: int = 0


def _errors_text(errors: list[tuple[str, str]]) -> str:
    return "\n".join(f"{code}:{message}" for code, message in errors)


def _masked(values) -> list:
    """The row as given, for the report, with the ID number masked (staged rows outlive the job)."""
    row = list(values)
    number = str(row[1] or "")
    if len(number) > 10:
        row[1] = number[:6] + "*" * (len(number) - 10) + number[-4:]
    return row


def row_stager(job_id: int, positions: list[int], result: StageResult, *, typed: bool,
               checker: RowChecker | None = None) -> Callable[[int, Sequence], tuple | None]:
    """A function of (row number, cells) → the staged row (STAGE_COLUMNS order), or None for a blank line or the
    template's example row; it counts the rows into `result`."""
    check = (checker or RowChecker(timezone.localdate())).check
    width = max(positions) + 1
    pick = itemgetter(*[p if p >= 0 else width for p in positions])  # an absent (JSON) column reads the padding

    def row(row_no: int, cells) -> tuple | None:
        if isinstance(cells, JsonProblem):
            result.rows += 1
            result.invalid += 1
            return (job_id, row_no, "", "", "", "", "", "", "", None, None, None, "", "[]", f"external_id:{cells}", "")
        if typed:
            cells = [cell_text(v) for v in cells]
        n = len(cells)
        extra = None
        if n > width:
            extra = next((i for i in range(width, n) if cells[i].strip()), None)
            cells = cells[:width]
        elif n < width:
            cells = [*cells, *[""] * (width - n)]
        else:
            cells = list(cells)
        cells.append("")  # what an absent (JSON Lines) column reads
        values = pick(cells)
        if not any(values) and extra is None:
            return None  # a blank line
        if values[0].startswith(EXAMPLE_PREFIX):
            result.examples += 1
            return None
        staged, errors = check(values)
        if extra is not None:
            errors.append(("external_id", _("第 %(n)s 列没有表头，却有内容") % {"n": extra + 1}))
        result.rows += 1
        if errors:
            result.invalid += 1
            return (job_id, row_no, staged[0][:64], staged[1], staged[2], staged[3][:64], staged[4], staged[5][:40],
                    staged[6][:200], staged[7], staged[8], staged[9], staged[10],
                    json.dumps(_masked(values), ensure_ascii=False), _errors_text(errors), "")
        return (job_id, row_no, *staged, "", "", "")

    return row



def _table() -> str:
    return connection.ops.quote_name(StagedRow._meta.db_table)


@contextlib.contextmanager
def staging_transaction():
    """A chunk's transaction: staged rows are scratch (a crash restarts the job anyway), so its commit need not
    wait for the disk (PostgreSQL: the WAL)."""
    with transaction.atomic():
        with connection.cursor() as cur:
            pipeline_sql().scratch_transaction(cur)
        yield


def stage_rows(rows: Iterator[tuple]) -> int:
    """Write staged rows (STAGE_COLUMNS order) as they come (PostgreSQL: one COPY fed as they come, so the server
    stores a block while this process checks the next one; SQLite: executemany). Returns how many."""
    with connection.cursor() as cur:
        return pipeline_sql().stage_rows(cur, _table(), rows)


def stage_arrow(table) -> int:
    """Write an Arrow table of staged rows (STAGE_COLUMNS order). Returns how many."""
    if not table.num_rows:
        return 0
    with connection.cursor() as cur:
        return pipeline_sql().stage_arrow(cur, _table(), table)


def staged_delete(job_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {StagedRow._meta.db_table} WHERE job_id = %s", [job_id])
