"""Step 1, reading: the file's header row, read without reading the rest (xlsx: its active, visible sheet through
`core.tabular`'s streaming reader, after `core.uploads` has checked what it expands to; CSV and JSON Lines in the
encoding `core.tabular.detect_encoding` finds — a byte-order mark, UTF-16 without one, UTF-8 by a strict pass, else
GB18030, never GBK read as UTF-8; JSON Lines, one object a line keyed by the column codes; no line longer than
MAX_LINE), and its rows one at a time. `check_headers` refuses missing or extra columns."""

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from learncity.core import tabular, uploads
from learncity.core.errors import CellError, FileRejected
from learncity.intake.pipeline.columns import CODES, COLUMNS, ENCODING_LABELS, key_codes

MAX_LINE = 1 << 20  # characters (JSON Lines: bytes) a line of a CSV or JSON Lines file may have


@dataclass
class Source:
    """A file opened for streaming: its header row, and its rows one at a time."""

    format: str
    headers: list[str]
    rows: Callable[[], Iterator[tuple[int, Sequence]]]  # (row number as the user sees it, cells)
    estimate: int = 0  # rows expected, for the progress bar (exact once read)
    encoding: str = ""
    problems: list[CellError] = field(default_factory=list)  # merged cells and formulas, found while reading
    typed: bool = False  # cells may be numbers and dates (xlsx, JSON), not only text
    path: Path | None = None  # (CSV) the file, for the column-wise reader
    delimiter: str = ","  # (CSV)


def open_source(path: Path, file_format: str, *, name: str = "") -> Source:
    """The file at `path` opened for streaming; `name` is the file's name as the uploader knows it (for messages)."""
    if file_format == "xlsx":
        return _open_xlsx(path, name or path.name)
    if file_format == "jsonl":
        return _open_jsonl(path)
    return _open_csv(path)


def _count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            n += block.count(b"\n")
    return n


def detect_encoding(path: Path) -> str:
    """The encoding of a CSV or JSON Lines file (`core.tabular.detect_encoding`: the one detection the imports and
    the intake share). Refuses what it cannot tell."""
    return tabular.detect_encoding(path)


def _lines(f, line_no: int = 0):
    """The lines of an open file, each read with a bound: a line longer than MAX_LINE refuses the file (one line of
    hundreds of MB would otherwise be held whole, then split into as many fields)."""
    while line := f.readline(MAX_LINE + 1):
        line_no += 1
        if len(line) > MAX_LINE:
            raise FileRejected(_("第 %(n)s 行超过 %(max)s 个字符，未导入：文件的每一行应是一条记录（是不是换行符丢了？）")
                               % {"n": line_no, "max": f"{MAX_LINE:,}"})
        yield line


def _open_csv(path: Path) -> Source:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as f:
        first = next(_lines(f), "").lstrip("\ufeff")
    delimiter = max(",\t;", key=first.count) if first.strip() else ","

    def read(reader):
        try:
            yield from reader
        except csv.Error as exc:
            raise tabular.csv_refused(reader.line_num, exc, encoding=str(ENCODING_LABELS.get(encoding, encoding))) from None

    with open(path, encoding=encoding, newline="") as f:
        headers = next(read(csv.reader(_lines(f), delimiter=delimiter)), [])

    def rows():
        with open(path, encoding=encoding, newline="") as f:
            reader = read(csv.reader(_lines(f), delimiter=delimiter))
            next(reader, None)
            yield from enumerate(reader, start=2)

    return Source(format="csv", headers=headers, rows=rows, estimate=max(0, _count_lines(path) - 1),
                  encoding=encoding, path=path, delimiter=delimiter)


def _open_jsonl(path: Path) -> Source:
    """One JSON object a line, keyed by the column codes (or the Chinese headers); a key may be left out where
    the column is optional. The "header" checked is the first object's keys; every row's cells come in COLUMNS
    order. A line that is not an object, or has keys no column has, is a row with that error."""
    encoding = detect_encoding(path)
    utf8 = encoding in ("utf-8", "utf-8-sig")

    def opened():  # UTF-8 as bytes (orjson reads them as they are); another encoding decoded to text first
        return open(path, "rb") if utf8 else open(path, encoding=encoding, newline="")

    def unmarked(n: int, line):
        return line.removeprefix(b"\xef\xbb\xbf" if utf8 else "\ufeff") if n == 1 else line

    first_line_no, first = 0, None
    with opened() as f:
        for n, line in enumerate(_lines(f), start=1):
            line = unmarked(n, line)
            if line.strip():
                first_line_no = n
                try:
                    first = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise FileRejected(_("第 %(n)s 行不是有效的 JSON：%(e)s") % {"n": n, "e": exc}) from None
                break
    if first is None:
        return Source(format="jsonl", headers=[], rows=lambda: iter(()), encoding=encoding)
    if not isinstance(first, dict):
        raise FileRejected(_("第 %(n)s 行不是 JSON 对象：JSON Lines 文件每行应是一个以列代码为键的对象")
                           % {"n": first_line_no})
    names = key_codes()

    def rows():
        with opened() as f:
            for n, line in enumerate(_lines(f), start=1):
                line = unmarked(n, line)
                if line.strip():
                    yield n, _jsonl_cells(line, names)

    return Source(format="jsonl", headers=[str(k) for k in first], rows=rows, estimate=_count_lines(path),
                  encoding=encoding, typed=True)


class JsonProblem(str):
    """A JSON Lines row that is not an object of the file's keys: staged as a row with this error."""


def _jsonl_cells(line, names: dict[str, str]) -> list | JsonProblem:
    """A JSON Lines line's cells in COLUMNS order (None where a key is left out), or the problem with the line."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return JsonProblem(_("这一行不是有效的 JSON"))
    if not isinstance(obj, dict):
        return JsonProblem(_("这一行不是 JSON 对象"))
    by_code = {}
    for k, v in obj.items():
        code = names.get(k) or names.get(str(k).lower())
        if code is None:
            extra = [str(k) for k in obj if (names.get(k) or names.get(str(k).lower())) is None]
            return JsonProblem(_("多出的键：%(keys)s") % {"keys": "、".join(extra)})
        by_code[code] = v
    return [by_code.get(code) for code in CODES]


def _open_xlsx(path: Path, name: str) -> Source:
    """The active sheet (refused when hidden), streamed by `core.tabular.xlsx_open` once `core.uploads` has checked
    what the file expands to. Formulas and merged cells are collected into the source's problems as the rows are
    read (merged ranges once all are)."""
    uploads.zip_check(path, name=name, max_expanded=settings.LEARNCITY_INTAKE_MAX_EXPANDED_BYTES)
    sheet = tabular.xlsx_open(path, name=name)
    source = Source(format="xlsx", headers=[], rows=lambda: iter(()), estimate=max(0, sheet.estimate - 1),
                    problems=sheet.problems, typed=True)
    stream = sheet.rows
    header_values: dict = {}
    for row_no, values in stream:
        if values:
            header_values, header_row = values, row_no
            break
    else:
        header_row = 0
    width = max(header_values, default=0)
    source.headers = ["" if header_values.get(i) is None else str(header_values[i]) for i in range(1, width + 1)]

    def rows():
        for row_no, values in stream:
            if row_no > header_row:
                yield row_no, [values.get(i) for i in range(1, max(width, max(values, default=0)) + 1)]

    source.rows = rows
    return source


def _clean_header(value: str) -> str:
    return str(value).replace("\ufeff", "").replace("\n", "").strip().rstrip("*＊").strip()


def check_headers(source: Source) -> list[int]:
    """The position of each column (in COLUMNS order) in the file's rows; refuses missing, unknown or repeated
    columns, naming each. Headers are the Chinese names (or the codes, as JSON Lines keys are)."""
    by_name = key_codes()
    headers = [_clean_header(h) for h in source.headers]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileRejected(_("文件是空的：没有表头行，也没有数据"), encoding=source.encoding)
    found: dict[str, int] = {}
    unknown, repeated = [], []
    for i, header in enumerate(headers):
        code = by_name.get(header) or by_name.get(header.lower())
        if not header:
            unknown.append(_("第 %(n)s 列（无表头）") % {"n": i + 1})
        elif code is None:
            unknown.append(f"「{header}」")
        elif code in found:
            repeated.append(f"「{header}」")
        else:
            found[code] = i
    optional_may_be_absent = source.format == "jsonl"  # a JSON object may leave out the keys it has no value for
    missing = [f"「{c.header}」" for c in COLUMNS
               if c.code not in found and (c.required or not optional_may_be_absent)]
    problems = []
    if missing:
        problems.append(_("缺少列：%(cols)s") % {"cols": gettext("、").join(missing)})
    if unknown:
        problems.append(_("多出的列：%(cols)s") % {"cols": gettext("、").join(unknown)})
    if repeated:
        problems.append(_("重复的列：%(cols)s") % {"cols": gettext("、").join(repeated)})
    if not problems and source.format == "jsonl":
        return list(range(len(COLUMNS)))  # its rows come in COLUMNS order, whatever keys each line has
    if problems:
        raise FileRejected(_("表头不正确，整个文件未导入。") + gettext("；").join(problems) + gettext("。")
                           + _("应有的列：%(cols)s") % {"cols": gettext("、").join(c.header for c in COLUMNS)},
                           encoding=source.encoding)
    return [found.get(c.code, -1) for c in COLUMNS]
