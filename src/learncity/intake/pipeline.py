"""The intake pipeline's steps: a provider's file of learning records, streamed from disk into the staging table,
checked row by row, then checked, deduplicated, written and recognised set-based.

1. `open_source`: the file's header row, read without reading the rest (xlsx: its active, visible sheet through
   `core.tabular`'s streaming reader, after `core.uploads` has checked what it expands to; CSV and JSON Lines in the
   encoding `core.tabular.detect_encoding` finds — a byte-order mark, UTF-16 without one, UTF-8 by a strict pass,
   else GB18030, never GBK read as UTF-8; JSON Lines, one object a line keyed by the column codes; no line longer
   than MAX_LINE). `check_headers` refuses missing or extra columns.
2. `stage`: the rows, streamed; per row in Python only what needs Python (the ID number's check digit and its
   keyed hash, cached per number; name, kind, numbers and dates, cached per distinct text); each chunk of rows
   goes into `StagedRow` with COPY (PostgreSQL) or executemany (SQLite) in its own short transaction, with the
   job's progress and heartbeat. A spreadsheet's formulas and merged cells refuse the whole file.
3. `commit`, in the one transaction that also marks the job finished: one SQL statement per check against the
   reference tables (resident, name, birth date, course), duplicates inside the file; all-or-nothing stops there;
   then dedup against what the provider sent before (same record id: duplicate, or changed — reported, never
   overwritten), the new rows inserted into LearningRecord with INSERT … SELECT under ids reserved in one range,
   and that range recognised by the credit bank's bulk path.
"""

import contextlib
import csv
import datetime
import io
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from operator import itemgetter
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from learncity.catalog.models import Course, CourseKind, LearningRecord, RecordKind, RecordSource
from learncity.core import tabular, uploads
from learncity.core.bulk import analyze, next_ids
from learncity.core.errors import CellError, DomainError, FileRejected
from learncity.creditbank import bulk
from learncity.intake.models import ImportJob, StagedRow
from learncity.people import idcard
from learncity.people.models import LearnerProfile
from learncity.people.services import id_number_hash

CHUNK_ROWS = 50_000  # rows a staging transaction holds (and the progress moves by)
MAX_HOURS = Decimal("2000")
MAX_LINE = 1 << 20  # characters (JSON Lines: bytes) a line of a CSV or JSON Lines file may have
EXAMPLE_PREFIX = "示例"  # the template's example row: its record id starts so, and it is skipped


@dataclass(frozen=True)
class Column:
    code: str  # the JSON Lines key, and the column's name in the code
    header: str  # the Chinese header of templates and reports
    required: bool
    example: str
    hint: str


def _chinese_labels(choices) -> dict[str, str]:
    """code → Chinese label of a TextChoices: the labels a file may use are its format, whatever the language."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


KIND_LABELS = _chinese_labels(RecordKind)
COURSE_KIND_LABELS = _chinese_labels(CourseKind)

COLUMNS: tuple[Column, ...] = (
    Column("external_id", "记录编号", True, "示例-0001",
           "贵机构系统中这条记录的唯一编号（不超过 64 个字符）；同一编号重复报送不会重复入账"),
    Column("id_number", "身份证号码", True, idcard.make("350102", datetime.date(1980, 5, 17), 123),
           "18 位居民身份证号码（请把这一列设为文本格式）"),
    Column("name", "姓名", True, "林小明", "与身份证一致的姓名"),
    Column("kind", "学习类型", True, KIND_LABELS[RecordKind.COMPLETION],
           "、".join(KIND_LABELS.values()) + " 之一（也可以写代码：" + "、".join(KIND_LABELS) + "）"),
    Column("course_code", "课程代码", False, "",
           "本机构在平台上发布的课程代码，可空；填写后课程类别以课程为准"),
    Column("course_kind", "课程类别", False, COURSE_KIND_LABELS[CourseKind.COMMUNITY],
           "、".join(COURSE_KIND_LABELS.values()) + " 之一，可空"),
    Column("title", "学习内容", True, "智能手机应用入门（示例）", "课程或活动名称，不超过 200 个字"),
    Column("hours", "学时", True, "16", "大于 0、不超过 2000，最多一位小数"),
    Column("score", "成绩", False, "", "0–100，最多一位小数，可空"),
    Column("date", "学习日期", True, "2026-06-30", "YYYY-MM-DD，不能晚于今天，不能早于出生日期"),
)
CODES = tuple(c.code for c in COLUMNS)
HEADERS = {c.code: c.header for c in COLUMNS}

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（带 BOM）", "gb18030": "GBK/GB18030", "utf-16": "UTF-16",
                   "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}

# The staging table's columns, in the order the rows are written.
STAGE_COLUMNS = ("job_id", "row_no", "external_id", "id_hash", "id_masked", "name", "kind", "course_code", "title",
                 "hours", "score", "date", "course_kind", "raw", "errors", "outcome")
_TEXT_COLUMNS = ("external_id", "id_hash", "id_masked", "name", "kind", "course_code", "title", "course_kind", "raw",
                 "errors", "outcome")


# --- reading -------------------------------------------------------------------------------------------------------

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
            raise tabular.csv_refused(reader.line_num, exc, encoding=ENCODING_LABELS.get(encoding, encoding)) from None

    with open(path, encoding=encoding, newline="") as f:
        headers = next(read(csv.reader(_lines(f), delimiter=delimiter)), [])

    def rows():
        with open(path, encoding=encoding, newline="") as f:
            reader = read(csv.reader(_lines(f), delimiter=delimiter))
            next(reader, None)
            yield from enumerate(reader, start=2)

    return Source(format="csv", headers=headers, rows=rows, estimate=max(0, _count_lines(path) - 1),
                  encoding=encoding, path=path, delimiter=delimiter)


def _key_codes() -> dict[str, str]:
    """The accepted spellings of each column: its code (any case) and its Chinese header."""
    names = {}
    for c in COLUMNS:
        names[c.header] = c.code
        names[c.code] = c.code
    return names


def _open_jsonl(path: Path) -> Source:
    """One JSON object a line, keyed by the column codes (or the Chinese headers); a key may be left out where
    the column is optional. The "header" checked is the first object's keys; every row's cells come in COLUMNS
    order. A line that is not an object, or has keys no column has, is a row with that error."""
    import orjson

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
    names = _key_codes()

    def rows():
        with opened() as f:
            for n, line in enumerate(_lines(f), start=1):
                line = unmarked(n, line)
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    yield n, _JsonProblem(_("这一行不是有效的 JSON"))
                    continue
                if not isinstance(obj, dict):
                    yield n, _JsonProblem(_("这一行不是 JSON 对象"))
                    continue
                by_code = {}
                for k, v in obj.items():
                    code = names.get(k) or names.get(str(k).lower())
                    if code is None:
                        break
                    by_code[code] = v
                else:
                    yield n, [by_code.get(code) for code in CODES]
                    continue
                extra = [str(k) for k in obj if (names.get(k) or names.get(str(k).lower())) is None]
                yield n, _JsonProblem(_("多出的键：%(keys)s") % {"keys": "、".join(extra)})

    return Source(format="jsonl", headers=[str(k) for k in first], rows=rows, estimate=_count_lines(path),
                  encoding=encoding, typed=True)


class _JsonProblem(str):
    """A JSON Lines row that is not an object of the file's keys: staged as a row with this error."""


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
    by_name = _key_codes()
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


# --- checking a row ------------------------------------------------------------------------------------------------

_KINDS = {**{v: v for v in KIND_LABELS}, **{label: v for v, label in KIND_LABELS.items()}}
_COURSE_KINDS = {**{v: v for v in COURSE_KIND_LABELS}, **{label: v for v, label in COURSE_KIND_LABELS.items()}}
_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z·. \-]{1,64}")
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "｡": "·"})
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?|(\d{4})(\d\d)(\d\d)")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")
_ONE_PLACE = Decimal("0.1")
_HUNDRED = Decimal(100)
_CACHE_LIMIT = 100_000


def _text(value) -> str:
    """A typed cell (xlsx, JSON) as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):  # (an 18-digit ID number in a number cell has lost its last digits: say so)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class RowChecker:
    """The per-row checks that need no database. What repeats in a file (a person's ID number and name, kinds,
    course codes, numbers, dates) is checked once and cached by its text; a row then costs a few dict look-ups.
    Each cached answer is a tuple whose last item is the errors found, as ((column code, message), …)."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.people: dict[tuple, tuple] = {}
        self.kinds: dict[str, tuple] = {}
        self.courses: dict[tuple, tuple] = {}
        self.hours: dict[str, tuple] = {}
        self.scores: dict[str, tuple] = {}
        self.dates: dict[str, tuple] = {}

    @staticmethod
    def _keep(cache: dict, key, value: tuple) -> tuple:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cache[key] = value
        return value

    def person(self, idn: str, name: str) -> tuple:
        """(ID hash, masked ID, name, errors)."""
        number, errors = idn.strip(), []
        id_hash = masked = ""
        if not number:
            errors.append(("id_number", _("身份证号码不能为空")))
        else:
            try:
                rid = idcard.parse(number, today=self.today)
            except DomainError as exc:
                if _SCIENTIFIC.fullmatch(number):
                    errors.append(("id_number", _("身份证号码被存成了数字（%(v)s），末几位已丢失：请把这一列设为文本格式后"
                                                  "重新填写") % {"v": number}))
                else:
                    errors.append(("id_number", " ".join(exc.errors.get("id_number", [str(exc)]))))
            else:
                id_hash, masked = id_number_hash(rid.number), rid.masked
        clean = name.strip()
        if not _NAME.fullmatch(clean):
            clean = clean.translate(_DOTS)
            if not clean:
                errors.append(("name", _("姓名不能为空")))
            elif not _NAME.fullmatch(clean) or "\x00" in clean:
                errors.append(("name", _("姓名「%(v)s」含有数字或符号，或超过 64 个字") % {"v": clean[:70]}))
        return self._keep(self.people, (idn, name), (id_hash, masked, clean[:64], tuple(errors)))

    def kind(self, raw: str) -> tuple:
        """(kind code, errors)."""
        text = raw.strip()
        code = _KINDS.get(text) or _KINDS.get(text.lower())
        errors = () if code else (("kind", _("学习类型「%(v)s」应为 %(choices)s 之一") % {
            "v": text[:30], "choices": "、".join(KIND_LABELS.values())}),)
        return self._keep(self.kinds, raw, (code or "", errors))

    def course(self, code: str, kind: str) -> tuple:
        """(course code, course kind code, errors)."""
        code, kind, errors = code.strip(), kind.strip(), []
        if len(code) > 40 or "\x00" in code:
            errors.append(("course_code", _("课程代码不能超过 40 个字符，也不能含有控制字符")))
        course_kind = ""
        if kind:
            course_kind = _COURSE_KINDS.get(kind) or _COURSE_KINDS.get(kind.lower()) or ""
            if not course_kind:
                errors.append(("course_kind", _("课程类别「%(v)s」不在课程类别表中") % {"v": kind[:30]}))
        return self._keep(self.courses, (code, kind), (code[:40], course_kind, tuple(errors)))

    def number(self, raw: str, cache: dict, *, what: str, maximum: Decimal, strictly_positive: bool) -> tuple:
        """(the value as the database takes it, errors) of the number `raw` in column `what` (a code)."""
        text = raw.strip()
        header = HEADERS[what]  # the column as the file names it (headers are part of the format)
        if not text:
            if strictly_positive:
                return self._keep(cache, raw, (None, ((what, _("%(what)s不能为空") % {"what": header}),)))
            return self._keep(cache, raw, (None, ()))
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        problem = None
        if value is None or not value.is_finite():
            problem = _("%(what)s「%(v)s」不是数字") % {"what": header, "v": text[:30]}
        elif (value <= 0 if strictly_positive else value < 0) or value > maximum:
            problem = _("%(what)s %(v)s 超出范围（%(range)s）") % {
                "what": header, "v": text, "range": f"{'大于 0，不超过' if strictly_positive else '0–'} {maximum}"}
        elif value != value.quantize(_ONE_PLACE):
            problem = _("%(what)s %(v)s 最多保留一位小数") % {"what": header, "v": text}
        if problem:
            return self._keep(cache, raw, (None, ((what, problem),)))
        return self._keep(cache, raw, (str(value.quantize(_ONE_PLACE)), ()))

    def date(self, raw: str) -> tuple:
        """(ISO date, errors)."""
        text = raw.strip()
        if not text:
            return self._keep(self.dates, raw, (None, (("date", _("学习日期不能为空")),)))
        m = _DATE.fullmatch(text)
        day = None
        if m:
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
            try:
                day = datetime.date(int(y), int(mo), int(d))
            except ValueError:
                day = None
        if day is None:
            problem = _("学习日期「%(v)s」不是有效日期（应为 YYYY-MM-DD）") % {"v": text[:30]}
        elif day > self.today:
            problem = _("学习日期 %(d)s 在未来") % {"d": day.isoformat()}
        elif day.year < 1900:
            problem = _("学习日期 %(d)s 不可能") % {"d": day.isoformat()}
        else:
            return self._keep(self.dates, raw, (day.isoformat(), ()))
        return self._keep(self.dates, raw, (None, (("date", problem),)))

    def check(self, values: Sequence[str]) -> tuple[tuple, list[tuple[str, str]]]:
        """The staged values (external_id … course_kind, in STAGE_COLUMNS order from external_id) and the row's
        errors as (column code, message)."""
        ext, idn, name, kind, ccode, ckind, title, hours, score, date = values
        p = self.people.get((idn, name)) or self.person(idn, name)
        k = self.kinds.get(kind) or self.kind(kind)
        c = self.courses.get((ccode, ckind)) or self.course(ccode, ckind)
        h = self.hours.get(hours) or self.number(hours, self.hours, what="hours", maximum=MAX_HOURS,
                                                 strictly_positive=True)
        sc = self.scores.get(score) or self.number(score, self.scores, what="score", maximum=_HUNDRED,
                                                   strictly_positive=False)
        d = self.dates.get(date) or self.date(date)
        ext, title = ext.strip(), title.strip()
        staged = (ext, p[0], p[1], p[2], k[0], c[0], title, h[0], sc[0], d[0], c[1])
        if (not p[3] and not k[1] and not c[2] and not h[1] and not sc[1] and not d[1] and ext and title
                and len(ext) <= 64 and len(title) <= 200 and "\x00" not in ext and "\x00" not in title):
            return staged, []
        errors = []
        if not ext:
            errors.append(("external_id", _("记录编号不能为空")))
        elif len(ext) > 64 or "\x00" in ext:
            errors.append(("external_id", _("记录编号不能超过 64 个字符，也不能含有控制字符")))
        errors += p[3]
        errors += k[1]
        errors += c[2]
        if not title:
            errors.append(("title", _("学习内容不能为空")))
        elif len(title) > 200 or "\x00" in title:
            errors.append(("title", _("学习内容不能超过 200 个字，也不能含有控制字符")))
        errors += h[1]
        errors += sc[1]
        errors += d[1]
        return staged, errors


# --- staging -------------------------------------------------------------------------------------------------------

def _errors_text(errors: list[tuple[str, str]]) -> str:
    return "\n".join(f"{code}:{message}" for code, message in errors)


PUSH_ROWS = 2_000  # rows sent to COPY at a time: the database works on them while the next ones are checked


def _stage_rows(rows: Iterator[tuple]) -> int:
    """Write staged rows (STAGE_COLUMNS order). PostgreSQL: one COPY … (FORMAT csv) fed as the rows come, so the
    server stores a block while this process checks the next one (both cores busy); SQLite: executemany."""
    table = connection.ops.quote_name(StagedRow._meta.db_table)
    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            write = csv.writer(buffer, lineterminator="\n").writerow
            forced = ", ".join(_TEXT_COLUMNS)  # an empty text is '', not NULL
            sql = f"COPY {table} ({', '.join(STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({forced}))"
            with cur.cursor.copy(sql) as copy:
                for row in rows:
                    write(row)
                    n += 1
                    if not n % PUSH_ROWS:
                        copy.write(buffer.getvalue())
                        buffer.seek(0)
                        buffer.truncate()
                copy.write(buffer.getvalue())
            return n
        sql = f"INSERT INTO {table} ({', '.join(STAGE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5_000:
                cur.executemany(sql, batch)
                n += len(batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
            n += len(batch)
    return n


@dataclass
class StageResult:
    rows: int = 0
    invalid: int = 0
    examples: int = 0


@contextlib.contextmanager
def _staging_transaction():
    """A chunk's transaction: staged rows are scratch (a crash restarts the job anyway), so on PostgreSQL its
    commit does not wait for the WAL to reach the disk."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
        yield


def stage(job: ImportJob, source: Source, positions: list[int], *,
          on_chunk: Callable[[int], None], chunk_rows: int | None = None) -> StageResult:
    """Stream the rows into StagedRow, a chunk a transaction; `on_chunk(rows so far)` runs inside each chunk's
    transaction (the job's progress and heartbeat). A CSV is read and checked column-wise (`_stage_columns`);
    when a row is not the header's width (a ragged row) or its reader stops, what it staged is deleted and the
    file is read again row by row, so such a file gets exactly the row-by-row reader's answer."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    result = StageResult()
    done = False
    if source.format == "csv" and source.path is not None and COLUMNAR:
        try:
            _stage_columns(job.pk, source, positions, result, on_chunk, chunk_rows)
            done = True
        except _Irregular:
            staged_delete(job.pk)
            result = StageResult()
    if not done:
        checked = _checked(job.pk, source, positions, result)
        while True:
            with _staging_transaction():
                n = _stage_rows(islice(checked, chunk_rows))
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
    row = _row_stager(job_id, positions, result, typed=source.typed)
    for row_no, cells in source.rows():
        staged = row(row_no, cells)
        if staged is not None:
            yield staged


def _row_stager(job_id: int, positions: list[int], result: StageResult, *, typed: bool,
                checker: "RowChecker | None" = None) -> Callable[[int, Sequence], tuple | None]:
    """A function of (row number, cells) → the staged row (STAGE_COLUMNS order), or None for a blank line or the
    template's example row; it counts the rows into `result`."""
    check = (checker or RowChecker(timezone.localdate())).check
    width = max(positions) + 1
    pick = itemgetter(*[p if p >= 0 else width for p in positions])  # an absent (JSON) column reads the padding

    def row(row_no: int, cells) -> tuple | None:
        if isinstance(cells, _JsonProblem):
            result.rows += 1
            result.invalid += 1
            return (job_id, row_no, "", "", "", "", "", "", "", None, None, None, "", "[]", f"external_id:{cells}", "")
        if typed:
            cells = [_text(v) for v in cells]
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


# --- staging column-wise (CSV) -------------------------------------------------------------------------------------

COLUMNAR = True  # CSV read and checked column-wise with pyarrow (False: row by row, as JSON Lines and xlsx are)
ARROW_BLOCK = 1 << 22  # bytes of the file the column-wise reader parses at a time
# Python's str.strip() whitespace, which a cell's record id and title must not start or end with to pass
# column-wise (a cell that does is checked row by row, which strips it).
_WS = r"\s\x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x00"
_TRIMMED = rf"^[^{_WS}]([^\x00]*[^{_WS}])?$"


class _Irregular(Exception):
    """The CSV is not for the column-wise reader: read it row by row."""


def _stage_columns(job_id: int, source: Source, positions: list[int], result: StageResult,
                   on_chunk: Callable[[int], None], chunk_rows: int) -> None:
    """The CSV read by pyarrow a piece at a time (`_pieces`), every cell a string, and checked a column at a time: the checks
    that look at a value (the ID number's check digit and keyed hash with the name, kind, course, hours, score,
    date) run once per distinct value of the chunk with RowChecker's own code, and their answers are spread back
    over the rows by index; the record id's and title's lengths are column operations. The rows that pass every
    check are written to the staging table straight from the Arrow columns (PostgreSQL: COPY of the CSV that
    Arrow writes; SQLite: executemany); any other row (an error, the example row, a blank line, a cell with
    spaces around it, content in a column with no header) goes through the row-by-row path, which gives it the
    same messages as a file read row by row. Its rows are numbered as the row-by-row reader numbers them (records,
    a blank line and a line break inside a quoted cell included). Raises _Irregular when a row is not the header's
    width, or the reader fails."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    width = len(source.headers)
    names = [f"c{i}" for i in range(width)]
    irregular: list = []

    def ragged(row) -> str:
        irregular.append(row)
        return "skip"

    if source.encoding not in ("utf-8", "utf-8-sig", "gb18030"):
        raise _Irregular  # (UTF-16: its line ends are two bytes, which the pieces below would cut in half)
    encoding = "utf8" if source.encoding in ("utf-8", "utf-8-sig") else source.encoding
    options = {
        "parse_options": pacsv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True,
                                            ignore_empty_lines=False, invalid_row_handler=ragged),
        "convert_options": pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False)}
    checker = RowChecker(timezone.localdate())
    slow = _row_stager(job_id, positions, result, typed=False, checker=checker)
    row_no = 2  # the first row after the header
    for k, piece in enumerate(_pieces(source.path, ARROW_BLOCK, source.delimiter)):
        try:
            table = pacsv.read_csv(pa.py_buffer(piece), read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=0 if k else 1, use_threads=False, encoding=encoding), **options)
        except (pa.ArrowException, ValueError, LookupError, UnicodeError):
            raise _Irregular from None
        if irregular:
            raise _Irregular
        del piece
        for batch in table.combine_chunks().to_batches():
            for start in range(0, batch.num_rows, chunk_rows):
                part = batch.slice(start, chunk_rows)
                valid, others = _check_columns(job_id, part, positions, row_no + start, checker)
                rows_before = result.rows
                staged = [r for i, cells in others if (r := slow(row_no + start + i, cells)) is not None]
                with _staging_transaction():
                    result.rows += _stage_arrow(valid)
                    _stage_rows(iter(staged))
                    if result.rows > rows_before:
                        on_chunk(result.rows)
            row_no += batch.num_rows


def _pieces(path: Path, block: int, delimiter: str = ",") -> Iterator[bytes]:
    """The file's bytes in pieces of about `block` bytes, each cut after a line end outside any quoted cell (an
    even number of quote marks before it: a quoted cell's own quotes are doubled), so each piece is whole rows
    and Arrow's memory is a piece's, whatever the file's size. (In UTF-8 and GB18030 no byte of a multi-byte
    character is a line end or a quote.) The parity rule holds only when quotes open and close cells: a quote
    inside an unquoted cell (`5" disk`, `他说"好"`) is a literal character to a CSV reader, so a piece with one
    raises _Irregular (the file is read row by row), as does a quote left open for four blocks and a line.
    Linear in the piece: the quotes are counted once between successive line ends, walking back."""
    rest = b""
    stray = re.compile(rb'[^' + re.escape(delimiter.encode()) + rb'\n"]"[^' + re.escape(delimiter.encode())
                       + rb'\r\n"]')
    with open(path, "rb") as f:
        while data := f.read(block):
            data = rest + data
            if b'"' in data and stray.search(data.replace(b'""', b"")):
                raise _Irregular
            cut = data.rfind(b"\n") + 1
            odd = data.count(b'"', 0, cut) % 2
            while cut and odd:
                previous = data.rfind(b"\n", 0, cut - 1) + 1
                odd ^= data.count(b'"', previous, cut) % 2
                cut = previous
            if not cut:
                if len(data) > 4 * block + 4 * MAX_LINE:
                    raise _Irregular
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
    import pyarrow as pa
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
    import pyarrow as pa
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
        v, c.scores, what="score", maximum=_HUNDRED, strictly_positive=False))
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


def _stage_arrow(table) -> int:
    """Write an Arrow table of staged rows (STAGE_COLUMNS order). PostgreSQL: COPY of the CSV Arrow writes (every
    text quoted, so an empty one is '', and a missing number or date unquoted, so NULL); SQLite: executemany."""
    n = table.num_rows
    if not n:
        return 0
    st = connection.ops.quote_name(StagedRow._meta.db_table)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            import pyarrow as pa
            import pyarrow.csv as pacsv

            out = pa.BufferOutputStream()
            pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, batch_size=8192))
            forced = ", ".join(_TEXT_COLUMNS)
            with cur.cursor.copy(f"COPY {st} ({', '.join(STAGE_COLUMNS)}) FROM STDIN "
                                 f"WITH (FORMAT csv, FORCE_NOT_NULL ({forced}))") as copy:
                copy.write(memoryview(out.getvalue()))
        else:
            columns = [c.to_pylist() for c in table.columns]
            sql = f"INSERT INTO {st} ({', '.join(STAGE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(STAGE_COLUMNS))})"
            for low in range(0, n, 5_000):
                cur.executemany(sql, list(zip(*(c[low:low + 5_000] for c in columns), strict=True)))
    return n


def _masked(values) -> list:
    """The row as given, for the report, with the ID number masked (staged rows outlive the job)."""
    row = list(values)
    number = str(row[1] or "")
    if len(number) > 10:
        row[1] = number[:6] + "*" * (len(number) - 10) + number[-4:]
    return row


def staged_delete(job_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {StagedRow._meta.db_table} WHERE job_id = %s", [job_id])


# --- the commit: checks against the reference tables, dedup, write, recognise ------------------------------------

def validate(job: ImportJob) -> int:
    """The set-based checks, in one pass over the job's rows (each row joined once to its resident and its course)
    that writes only the rows found wrong: their "code:message" lines appended to what the row checks found.
    Returns the invalid rows."""
    st = StagedRow._meta.db_table
    lp = LearnerProfile._meta.db_table
    course = Course._meta.db_table
    j, p = job.pk, job.institution_id

    def line(code: str, message: str) -> list[str]:  # "\ncode:message", split where the row's value goes
        return f"\n{code}:{message}".split("%(v)s")

    checks = [  # (condition, the message's parts, the SQL of the value between them)
        # A resident the city has no profile of.
        ("s.id_hash <> '' AND p.id IS NULL", line("id_number", _("本市没有这位居民的档案，请先登记居民信息")), ""),
        # The name given is not the name registered for that ID number (which is not shown: personal data).
        ("p.name <> s.name", line("name", _("姓名与该身份证号码登记的姓名不一致")), ""),
        # Learning before the learner was born.
        ("s.date < p.birth_date", line("date", _("学习日期早于学习者的出生日期")), ""),
        # A course code nobody has, or another institution's (course codes are unique across the city).
        ("s.course_code <> '' AND c.id IS NULL", line("course_code", _("未知的课程代码「%(v)s」")), "s.course_code"),
        ("c.institution_id <> %s", line("course_code", _("课程代码「%(v)s」是其他机构的课程，只能报送本机构的课程")),
         "s.course_code"),
        # The same record id twice in the file: the later rows are wrong, and say where the first one is.
        ("s.row_no > s.first_row", line("external_id", _("记录编号与第 %(v)s 行重复")), "CAST(s.first_row AS TEXT)"),
    ]
    pieces, params = [], []
    for condition, parts, value_sql in checks:
        text = " || ".join(["%s"] + [f"{value_sql} || %s"] * (len(parts) - 1))
        pieces.append(f"COALESCE(CASE WHEN {condition} THEN {text} END, '')")
        params += ([p] if "%s" in condition else []) + parts
    wrong = " OR ".join(f"({condition})" for condition, _parts, _value in checks)
    columns = "id, row_no, external_id, id_hash, name, date, course_code"
    if connection.vendor == "postgresql":
        # Each record id's first row, for the ids that come more than once: a hash aggregate over the job's rows.
        rows = (f"SELECT s0.{columns.replace(', ', ', s0.')}, d.first_row FROM {st} s0 LEFT JOIN "
                f"(SELECT external_id, MIN(row_no) AS first_row FROM {st} WHERE job_id = %s AND external_id <> '' "
                f"GROUP BY external_id HAVING COUNT(*) > 1) d ON d.external_id = s0.external_id WHERE s0.job_id = %s")
        params += [j, j]
    else:
        # (A window: SQLite has no index on the record id to group and join back on, and would go quadratic.)
        rows = (f"SELECT {columns}, CASE WHEN external_id <> '' THEN MIN(row_no) OVER (PARTITION BY external_id) END "
                f"AS first_row FROM {st} WHERE job_id = %s")
        params += [j]
    params.append(p)  # (the condition on the course's institution, in `wrong`)
    with connection.cursor() as cur:
        # The wrong rows and their messages first (the messages built only for them), then only those rows updated,
        # found by primary key. (A temporary table: the first of the session's, it may be, so the bulk path's room
        # for its own is set first.)
        if connection.vendor == "postgresql":
            bulk.temp_buffers_raise(cur)
        cur.execute("DROP TABLE IF EXISTS _lc_wrong")
        cur.execute(f"CREATE TEMP TABLE _lc_wrong AS SELECT s.id AS sid, {' || '.join(pieces)} AS more "
                    f"FROM ({rows}) s LEFT JOIN {lp} p ON p.id_number_hash = s.id_hash AND s.id_hash <> '' "
                    f"LEFT JOIN {course} c ON c.code = s.course_code AND s.course_code <> '' WHERE {wrong}", params)
        cur.execute(f"UPDATE {st} SET errors = CASE WHEN errors = '' THEN substr(v.more, 2) ELSE errors || v.more END "
                    f"FROM _lc_wrong v WHERE {st}.id = v.sid")
        cur.execute("DROP TABLE _lc_wrong")
        cur.execute(f"SELECT COUNT(*) FROM {st} WHERE job_id = %s AND errors <> ''", [j])
        return cur.fetchone()[0]


def dedup(job: ImportJob) -> tuple[int, int]:
    """Rows whose record id the provider sent before: "duplicate" when the content is the same, else "changed"
    (reported, never overwritten). Returns (duplicate, changed)."""
    st = StagedRow._meta.db_table
    lp = LearnerProfile._meta.db_table
    lr = LearningRecord._meta.db_table
    course = Course._meta.db_table
    j, p = job.pk, job.institution_id
    own_course = f"(SELECT c.{{col}} FROM {course} c WHERE c.code = {st}.course_code AND c.institution_id = %s)"
    same = (f"r.learner_id = p.id AND r.kind = {st}.kind AND r.title = {st}.title AND r.hours = {st}.hours "
            f"AND r.date = {st}.date AND (r.score = {st}.score OR (r.score IS NULL AND {st}.score IS NULL)) "
            f"AND COALESCE(r.course_id, 0) = COALESCE({own_course.format(col='id')}, 0) "
            f"AND r.course_kind = COALESCE({own_course.format(col='kind')}, {st}.course_kind)")
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {st} SET outcome = CASE WHEN {same} THEN 'duplicate' ELSE 'changed' END "
                    f"FROM {lr} r, {lp} p WHERE {st}.job_id = %s AND {st}.errors = '' AND r.provider_id = %s "
                    f"AND r.external_id = {st}.external_id AND p.id_number_hash = {st}.id_hash", [p, p, j, p])
        cur.execute(f"SELECT outcome, COUNT(*) FROM {st} WHERE job_id = %s AND errors = '' AND outcome <> '' "
                    f"GROUP BY outcome", [j])
        counts = dict(cur.fetchall())
    return counts.get("duplicate", 0), counts.get("changed", 0)


def write(job: ImportJob, *, actor_id: int | None, now: datetime.datetime) -> range:
    """The new rows into LearningRecord in one INSERT … SELECT, under ids reserved as one range. Returns it.
    Ids follow the learner (then the date), not the file's order: a learner's records sit together, so each batch
    of the recognition that follows touches (locks, chains, updates) few learning accounts, and the indexes on the
    learner take their rows in order."""
    st = StagedRow._meta.db_table
    lp = LearnerProfile._meta.db_table
    lr = LearningRecord._meta.db_table
    course = Course._meta.db_table
    j, p = job.pk, job.institution_id
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {st} WHERE job_id = %s AND errors = '' AND outcome = ''", [j])
        n = cur.fetchone()[0]
        if not n:
            return range(0)
        ids = next_ids(LearningRecord, n)
        created = connection.ops.adapt_datetimefield_value(now)
        cur.execute(
            f"INSERT INTO {lr} (id, learner_id, provider_id, kind, course_kind, course_id, session_id, event_id, "
            f"resource_id, title, hours, score, date, source, external_id, created_at, created_by_id) "
            f"SELECT %s + ROW_NUMBER() OVER (ORDER BY p.id, s.date, s.row_no), p.id, %s, s.kind, COALESCE(c.kind, s.course_kind), "
            f"c.id, NULL, NULL, NULL, s.title, s.hours, s.score, s.date, %s, s.external_id, %s, %s "
            f"FROM {st} s JOIN {lp} p ON p.id_number_hash = s.id_hash "
            f"LEFT JOIN {course} c ON c.code = s.course_code AND c.institution_id = %s "
            f"WHERE s.job_id = %s AND s.errors = '' AND s.outcome = ''",
            [ids.start - 1, p, RecordSource.IMPORT, created, actor_id, p, j])
        if cur.rowcount != n:
            raise RuntimeError(f"import job {j}: {cur.rowcount} records written for {n} new rows")
    return ids


def commit_settings() -> None:
    """For the commit transaction on PostgreSQL: room for the sorts and hash joins over a whole file's rows, and
    any deferred foreign-key checks (Django makes them deferred) run at the end of each statement rather than all
    at the commit, so the server never queues a file's worth of them in memory. (The hot tables the job fills,
    learning records, outcomes and ledger entries, have no foreign-key constraints: see catalog migration 0002.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def commit_unflushed() -> None:
    """The transaction that writes a job's records commits without waiting for its WAL to reach the disk (on
    PostgreSQL; the server writes it out meanwhile, while the records are recognised). The job is not DONE until a
    commit that does wait, which makes everything committed before it durable; a server crash before that may lose
    this commit, whole — the records with the job's range of them — and the job is then run again from the start
    (its file is kept until it is DONE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")


def lock_records() -> None:
    """Writers of learning records wait while a job deduplicates and writes, so two overlapping uploads (or an
    upload and a one-by-one record) cannot both find a record id new. (next_ids takes the same lock.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {LearningRecord._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


RECOGNISE_BATCH = 50_000  # records a recognition batch holds in this process's memory (SQLite; PostgreSQL keeps a
# batch in the server's temporary tables, and takes the bulk path's larger default)


def recognise(ids: range, *, actor, progress: Callable[[int], None] | None = None, sessions: int = 1) -> int:
    """Recognise the job's records (`ids`, written in learner order), batch by batch, each batch committed on its
    own: resumable, a batch at a time, and idempotent (a record already recognised is skipped). On PostgreSQL with
    `sessions` > 1, and outside any transaction, the range is cut at learners' boundaries into that many parts, each
    recognised in its own database session on its own thread: the parts touch different learners' accounts, so the
    server works on them side by side, a core each. `progress(records recognised so far)` runs on this thread.
    Returns the records recognised."""
    if not ids:
        return 0
    if sessions <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _recognise_part(ids.start, ids.stop - 1, actor, progress)
    parts = _parts(ids, sessions)
    done = [0] * len(parts)
    failed: list[BaseException] = []
    stop = threading.Event()  # set when a part fails: the others stop after the batch they are in
    language = translation.get_language()  # (the outcomes' basis text names the record kind in it)

    def advanced(k: int, n: int) -> None:
        done[k] = n
        if stop.is_set():
            raise _Stopped

    def work(k: int, low: int, high: int) -> None:
        try:
            with translation.override(language):
                done[k] = _recognise_part(low, high, actor, lambda n: advanced(k, n))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the calling thread, which raises it
            failed.append(exc)
            stop.set()
        finally:
            connections.close_all()  # (this thread's own connections)

    threads = [threading.Thread(target=work, args=(k, low, high), name=f"recognise-{k}", daemon=True)
               for k, (low, high) in enumerate(parts)]
    for t in threads:
        t.start()
    reported = -1
    try:
        while alive := [t for t in threads if t.is_alive()]:
            alive[0].join(PROGRESS_EVERY)
            if progress is not None:  # (also the job's heartbeat, when nothing moved: a batch can take a while)
                reported = sum(done)
                progress(reported)
    except BaseException:
        stop.set()
        for t in threads:
            t.join()
        raise
    if failed:
        raise failed[0]
    total = sum(done)
    if progress is not None and total != reported:
        progress(total)
    return total


class _Stopped(Exception):
    """A part stopped because another failed."""


PROGRESS_EVERY = 2.0  # seconds between progress reports while parts are recognised side by side


def _recognise_part(low: int, high: int, actor, progress: Callable[[int], None] | None) -> int:
    """Records low..high recognised in this thread's database session. On PostgreSQL its batches commit without
    waiting for their WAL to reach the disk (synchronous_commit off): a batch lost in a server crash is lost whole,
    with the accounts' heads it moved, and the job, not DONE until a commit that does wait (and so makes durable
    everything committed before it), recognises it again when it is resumed."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    try:
        result = bulk.recognise_records(actor=actor, min_id=low, max_id=high, batch=None if postgres else RECOGNISE_BATCH,
                                        progress=(lambda r: progress(r.recognised)) if progress else None)
    finally:
        if postgres and not connection.needs_rollback:
            with connection.cursor() as cur:
                cur.execute("RESET synchronous_commit")
    return result.recognised


def _parts(ids: range, n: int) -> list[tuple[int, int]]:
    """`ids` cut into up to `n` ranges of about equal length, each cut where one learner's records end and the
    next one's begin (a job writes a learner's records under consecutive ids), so no two parts share an account."""
    lr = LearningRecord._meta.db_table
    cuts = [ids.start]
    with connection.cursor() as cur:
        for k in range(1, n):
            mid = ids.start + len(ids) * k // n
            cur.execute(f"SELECT learner_id FROM {lr} WHERE id >= %s AND id < %s ORDER BY id LIMIT 1",
                        [mid, ids.stop])
            row = cur.fetchone()
            if row is None:
                break
            cur.execute(f"SELECT MIN(id) FROM {lr} WHERE id >= %s AND id < %s AND learner_id <> %s",
                        [mid, ids.stop, row[0]])
            cut = cur.fetchone()[0]
            if cut is not None and cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(ids.stop)
    return [(low, high - 1) for low, high in itertools.pairwise(cuts) if high > low]
