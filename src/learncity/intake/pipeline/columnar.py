"""Step 2 for a CSV, column-wise: the file read by pyarrow a piece at a time and checked a column at a time, the
rows that pass every check written straight from the Arrow columns, any other row given to the row-by-row path
(`rows.row_stager`), so a file gets exactly the row-by-row reader's answer, faster."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils import timezone

from learncity.intake.pipeline.check import MAX_HOURS, MAX_SCORE, RowChecker
from learncity.intake.pipeline.columns import CODES, EXAMPLE_PREFIX, STAGE_COLUMNS
from learncity.intake.pipeline.read import MAX_LINE, Source
from learncity.intake.pipeline.rows import (
    StageResult,
    row_stager,
    stage_arrow,
    stage_rows,
    staging_transaction,
)

ARROW_BLOCK = 1 << 22  # bytes of the file the column-wise reader parses at a time
# Python's str.strip() whitespace, which a cell's record id and title must not start or end with to pass
# column-wise (a cell that does is checked row by row, which strips it).
_WS = r"\s\x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x00"
_TRIMMED = rf"^[^{_WS}]([^\x00]*[^{_WS}])?$"


class Irregular(Exception):
    """The CSV is not for the column-wise reader: read it row by row."""


def stage_columns(job_id: int, source: Source, positions: list[int], result: StageResult,
                   on_chunk: Callable[[int], None], chunk_rows: int) -> None:
    """The CSV read by pyarrow a piece at a time (`_pieces`), every cell a string, and checked a column at a time: the checks
    that look at a value (the ID number's check digit and keyed hash with the name, kind, course, hours, score,
    date) run once per distinct value of the chunk with RowChecker's own code, and their answers are spread back
    over the rows by index; the record id's and title's lengths are column operations. The rows that pass every
    check are written to the staging table straight from the Arrow columns (PostgreSQL: COPY of the CSV that
    Arrow writes; SQLite: executemany); any other row (an error, the example row, a blank line, a cell with
    spaces around it, content in a column with no header) goes through the row-by-row path, which gives it the
    same messages as a file read row by row. Its rows are numbered as the row-by-row reader numbers them (records,
    a blank line and a line break inside a quoted cell included). Raises Irregular when a row is not the header's
    width, or the reader fails."""
    import pyarrow as pa  # (heavy, and wanted only when a CSV is staged: imported then)
    import pyarrow.csv as pacsv

    width = len(source.headers)
    names = [f"c{i}" for i in range(width)]
    irregular: list = []

    def ragged(row) -> str:
        irregular.append(row)
        return "skip"

    if source.encoding not in ("utf-8", "utf-8-sig", "gb18030"):
        raise Irregular  # (UTF-16: its line ends are two bytes, which the pieces below would cut in half)
    encoding = "utf8" if source.encoding in ("utf-8", "utf-8-sig") else source.encoding
    options = {
        "parse_options": pacsv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True,
                                            ignore_empty_lines=False, invalid_row_handler=ragged),
        "convert_options": pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False)}
    checker = RowChecker(timezone.localdate())
    slow = row_stager(job_id, positions, result, typed=False, checker=checker)
    row_no = 2  # the first row after the header
    for k, piece in enumerate(pieces(source.path, ARROW_BLOCK, source.delimiter)):
        try:
            table = pacsv.read_csv(pa.py_buffer(piece), read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=0 if k else 1, use_threads=False, encoding=encoding), **options)
        except (pa.ArrowException, ValueError, LookupError, UnicodeError):
            raise Irregular from None
        if irregular:
            raise Irregular
        del piece
        for batch in table.combine_chunks().to_batches():
            for start in range(0, batch.num_rows, chunk_rows):
                part = batch.slice(start, chunk_rows)
                valid, others = _check_columns(job_id, part, positions, row_no + start, checker)
                rows_before = result.rows
                staged = [r for i, cells in others if (r := slow(row_no + start + i, cells)) is not None]
                with staging_transaction():
                    result.rows += stage_arrow(valid)
                    stage_rows(iter(staged))
                    if result.rows > rows_before:
                        on_chunk(result.rows)
            row_no += batch.num_rows


def pieces(path: Path, block: int, delimiter: str = ",") -> Iterator[bytes]:
    """The file's bytes in pieces of about `block` bytes, each cut after a line end outside any quoted cell (an
    even number of quote marks before it: a quoted cell's own quotes are doubled), so each piece is whole rows
    and Arrow's memory is a piece's, whatever the file's size. (In UTF-8 and GB18030 no byte of a multi-byte
    character is a line end or a quote.) The parity rule holds only when quotes open and close cells: a quote
    inside an unquoted cell (`5" disk`, `他说"好"`) is a literal character to a CSV reader, so a piece with one
    raises Irregular (the file is read row by row), as does a quote left open for four blocks and a line.
    Linear in the piece: the quotes are counted once between successive line ends, walking back."""
    rest = b""
    stray = re.compile(rb'[^' + re.escape(delimiter.encode()) + rb'\n"]"[^' + re.escape(delimiter.encode())
                       + rb'\r\n"]')
    with open(path, "rb") as f:
        while data := f.read(block):
            data = rest + data
            if b'"' in data and stray.search(data.replace(b'""', b"")):
                raise Irregular
            cut = data.rfind(b"\n") + 1
            odd = data.count(b'"', 0, cut) % 2
            while cut and odd:
                previous = data.rfind(b"\n", 0, cut - 1) + 1
                odd ^= data.count(b'"', previous, cut) % 2
                cut = previous
            if not cut:
                if len(data) > 4 * block + 4 * MAX_LINE:
                    raise Irregular
                rest = data
                continue
            yield data[:cut]
            rest = data[cut:]
    if rest:
        yield rest


def _distinct(columns: list, fn: Callable[..., tuple]) -> list:
    """fn applied once to each distinct combination of the columns' values (fn's answer's last item is its
    errors), spread back over the rows: a list of arrays, one per item of the answer before the errors, and last
    a boolean array, true where there are no errors."""
    import pyarrow as pa  # (heavy: see stage_columns)
    import pyarrow.compute as pc

    encoded = [pc.dictionary_encode(c).combine_chunks() if isinstance(c, pa.ChunkedArray) else pc.dictionary_encode(c)
               for c in columns]
    dictionaries = [e.dictionary.to_pylist() for e in encoded]
    key = encoded[0].indices.cast(pa.int64())
    for e, d in zip(encoded[1:], dictionaries[1:], strict=True):
        key = pc.add(pc.multiply(key, len(d)), e.indices.cast(pa.int64()))
    if len(columns) == 1:
        unique, where = pa.array(range(len(dictionaries[0])), pa.int64()), key
    else:
        unique = pc.unique(key)
        where = pc.index_in(key, value_set=unique)
    answers = []
    for k in unique.to_pylist():
        values = []
        for d in reversed(dictionaries):
            k, i = divmod(k, len(d))
            values.append(d[i])
        answers.append(fn(*reversed(values)))
    items = len(answers[0]) - 1 if answers else 0
    arrays = [pa.array([a[j] for a in answers], pa.string()).take(where) for j in range(items)]
    arrays.append(pa.array([not a[-1] for a in answers], pa.bool_()).take(where))
    return arrays


def _check_columns(job_id: int, part, positions: list[int], first_row: int, checker: RowChecker):
    """The chunk's rows that pass every check, as an Arrow table in STAGE_COLUMNS order, and the others as
    (index in the chunk, cells) for the row-by-row path."""
    import pyarrow as pa  # (heavy: see stage_columns)
    import pyarrow.compute as pc

    col = dict(zip(CODES, (part.column(p) for p in positions), strict=True))
    ext, title = col["external_id"], col["title"]
    c = checker  # (its caches carry over from chunk to chunk: a value is checked once a file, or once in 100,000)
    h, masked, name, ok = _distinct([col["id_number"], col["name"]],
                                    lambda i, n: c.people.get((i, n)) or c.person(i, n))
    kind, ok_kind = _distinct([col["kind"]], lambda v: c.kinds.get(v) or c.kind(v))
    course, course_kind, ok_course = _distinct([col["course_code"], col["course_kind"]],
                                               lambda v, k: c.courses.get((v, k)) or c.course(v, k))
    hours, ok_hours = _distinct([col["hours"]], lambda v: c.hours.get(v) or c.number(
        v, c.hours, what="hours", maximum=MAX_HOURS, strictly_positive=True))
    score, ok_score = _distinct([col["score"]], lambda v: c.scores.get(v) or c.number(
        v, c.scores, what="score", maximum=MAX_SCORE, strictly_positive=False))
    day, ok_date = _distinct([col["date"]], lambda v: c.dates.get(v) or c.date(v))
    ext_length, title_length = pc.utf8_length(ext), pc.utf8_length(title)
    for mask in (ok_kind, ok_course, ok_hours, ok_score, ok_date,
                 pc.less_equal(ext_length, 64), pc.less_equal(title_length, 200),
                 pc.match_substring_regex(ext, _TRIMMED), pc.match_substring_regex(title, _TRIMMED),
                 pc.invert(pc.starts_with(ext, EXAMPLE_PREFIX))):
        ok = pc.and_(ok, mask)
    for i in range(max(positions) + 1, part.num_columns):  # content under no header
        ok = pc.and_(ok, pc.equal(part.column(i), ""))
    good = pc.indices_nonzero(ok)
    bad = pc.indices_nonzero(pc.invert(ok))
    others = []
    if len(bad):
        cells = [c.take(bad).to_pylist() for c in part.columns]
        others = list(zip(bad.to_pylist(), (list(r) for r in zip(*cells, strict=True)), strict=True))
    m = len(good)
    blank = pa.repeat(pa.scalar("", pa.string()), m)
    valid = pa.table([
        pa.repeat(pa.scalar(job_id, pa.int64()), m), pc.add(good.cast(pa.int64()), first_row),
        ext.take(good), h.take(good), masked.take(good), name.take(good), kind.take(good), course.take(good),
        title.take(good), hours.take(good), score.take(good), day.take(good), course_kind.take(good),
        blank, blank, blank], names=list(STAGE_COLUMNS))
    return valid, others
