"""Step 2, staging: the file's rows streamed into `StagedRow`, a chunk a transaction, with the job's progress and
heartbeat; per row in Python only what needs Python (`check.RowChecker`). A CSV is read and checked column-wise
(`columnar`), any other file, or a CSV the column-wise reader cannot take, row by row (`rows`). A spreadsheet's
formulas and merged cells refuse the whole file."""

from collections.abc import Callable, Iterator
from itertools import islice

from django.utils.translation import gettext as _

from learncity.core.bulk import analyze
from learncity.core.errors import FileRejected
from learncity.intake.models import ImportJob, StagedRow
from learncity.intake.pipeline import columnar
from learncity.intake.pipeline.read import Source
from learncity.intake.pipeline.rows import (
    StageResult,
    row_stager,
    stage_rows,
    staged_delete,
    staging_transaction,
)

CHUNK_ROWS = 50_000  # rows a staging transaction holds (and the progress moves by)
COLUMNAR = True  # CSV read and checked column-wise with pyarrow (False: row by row, as JSON Lines and xlsx are)


def stage(job: ImportJob, source: Source, positions: list[int], *,
          on_chunk: Callable[[int], None], chunk_rows: int | None = None) -> StageResult:
    """Stream the rows into StagedRow, a chunk a transaction; `on_chunk(rows so far)` runs inside each chunk's
    transaction (the job's progress and heartbeat). A CSV is read and checked column-wise (`columnar.stage_columns`);
    when a row is not the header's width (a ragged row) or its reader stops, what it staged is deleted and the
    file is read again row by row, so such a file gets exactly the row-by-row reader's answer."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    result = StageResult()
    done = False
    if source.format == "csv" and source.path is not None and COLUMNAR:
        try:
            columnar.stage_columns(job.pk, source, positions, result, on_chunk, chunk_rows)
            done = True
        except columnar.Irregular:
            staged_delete(job.pk)
            result = StageResult()
    if not done:
        checked = _checked(job.pk, source, positions, result)
        while True:
            with staging_transaction():
                n = stage_rows(islice(checked, chunk_rows))
                if n:
                    on_chunk(result.rows)
            if n < chunk_rows:
                break
    if result.rows > 10_000:
        analyze(StagedRow)  # the checks' plans need to know the staging table has grown
    if source.problems:
        raise FileRejected(_("文件含有公式或合并单元格，整个文件未导入。请改为纯数值、取消合并后重新上传。"),
                           source.problems)
    return result


def _checked(job_id: int, source: Source, positions: list[int], result: StageResult) -> Iterator[tuple]:
    """The file's rows as staged rows (STAGE_COLUMNS order), checked; counts them into `result`."""
    row = row_stager(job_id, positions, result, typed=source.typed)
    for row_no, cells in source.rows():
        staged = row(row_no, cells)
        if staged is not None:
            yield staged
