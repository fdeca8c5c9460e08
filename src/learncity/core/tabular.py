"""Reading uploaded tables (xlsx and CSV) for imports, with the encoding found and said: the one reader of
uploaded spreadsheets and CSV, here for the imports (`read_table`) and used by the intake pipeline too
(`detect_encoding`, `xlsx_open`).

Chinese offices save CSV from Excel in GBK more often than in UTF-8. A GBK file is never read as UTF-8
silently: a byte-order mark says; else UTF-16 without one is recognised by its zero bytes (every ASCII
character, the commas and line ends among them, has one at the same side); else UTF-8 is tried strictly
(it almost never decodes GBK bytes by accident), then GB18030, the superset of GBK; the encoding used is
reported back to the uploader.

An xlsx is streamed (openpyxl's read-only parser, one row at a time), after `core.uploads` has checked what
it expands to; its shared strings (the text of every cell, held while the rows are read) are read into one compact
table (`SharedStrings`: their UTF-8 bytes end to end and where each ends, not a Python string and a list slot
each, which took 6.5 MB a MiB of short strings) from a part of at most LEARNCITY_MAX_SHARED_STRINGS_BYTES; its
active sheet, only when visible (a hidden sheet is never read silently); formulas and merged cells are collected
as problems (merged ranges are listed after the rows in the sheet's XML, so they are known once the rows are
read); a run of more than MAX_EMPTY_RUN empty rows is refused rather than walked.
"""

import array
import codecs
import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.utils.translation import gettext
from django.utils.translation import gettext as _
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from learncity.core import uploads
from learncity.core.errors import CellError, FileRejected

MAX_ROWS = 200_000
MAX_EMPTY_RUN = 10_000  # empty rows in a row that an xlsx may have; a million of them took minutes to walk
MAX_CELL_PROBLEMS = 200  # merged cells / formulas listed before giving up on listing
SNIFF_BYTES = 64 * 1024  # what the UTF-16 test looks at

# The encodings `detect_encoding` answers, as the imports' pages say them.
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "gb18030": "GBK/GB18030", "utf-16": "UTF-16",
                   "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}


@dataclass
class Table:
    format: str  # "xlsx" or "csv"
    encoding: str | None  # for CSV: "UTF-8", "UTF-8 (BOM)", "GBK/GB18030", "UTF-16", "UTF-16LE", "UTF-16BE"
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)  # (spreadsheet row number, cells)

    def column_letter(self, index: int) -> str:
        return get_column_letter(index + 1)


# --- encodings -------------------------------------------------------------------------------------------

def _blocks(source: bytes | Path, size: int = 1 << 22) -> Iterator[bytes]:
    if isinstance(source, Path):
        with open(source, "rb") as f:
            while block := f.read(size):
                yield block
    else:
        view = memoryview(source)
        for i in range(0, len(view), size):
            yield bytes(view[i:i + size])


def _strict_decode_offset(source: bytes | Path, encoding: str) -> int | None:
    """None when the whole source decodes strictly, else the byte offset of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    done = 0  # bytes handed to the decoder so far; it may hold the last few back, undecoded
    for block in itertools.chain(_blocks(source), [b""]):
        held = len(decoder.getstate()[0])
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:  # (its offsets count from the bytes held back)
            return done - held + exc.start
        done += len(block)
    return None


def _utf16_side(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the zero bytes of `head` sit (nearly) all on one side of its byte pairs,
    as in UTF-16 text with ASCII in it (a CSV's commas and line ends); None when there are none (UTF-8 and
    GB18030 text has no zero bytes)."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if even + odd < 2:
        return None
    if odd >= 9 * even:
        return "utf-16-le"
    if even >= 9 * odd:
        return "utf-16-be"
    return None


def detect_encoding(source: bytes | Path) -> str:
    """The encoding of CSV (or JSON Lines) bytes, or of a file: a byte-order mark says (UTF-8, UTF-16); else
    UTF-16 without one is known by its zero bytes; else the whole must decode strictly as UTF-8, else strictly
    as GB18030 (the superset of GBK that Excel on Chinese Windows saves). Refuses anything else, saying what
    was tried and where it failed. Returns a Python codec name (a key of ENCODING_LABELS)."""
    if isinstance(source, Path):
        with open(source, "rb") as f:
            head = f.read(SNIFF_BYTES)
    else:
        head = bytes(source[:SNIFF_BYTES])
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            offset = _strict_decode_offset(source, encoding)
            if offset is None:
                return encoding
            raise FileRejected(_("文件以 %(e)s 的字节顺序标记开头，却不是有效的 %(e)s 文本（第 %(n)s 字节处）。"
                                 "请在 Excel 中另存为「CSV UTF-8」或 xlsx 后重新上传。")
                               % {"e": "UTF-8" if encoding == "utf-8-sig" else "UTF-16", "n": offset})
    side = _utf16_side(head)
    if side is not None:
        offset = _strict_decode_offset(source, side)
        if offset is None:
            return side
        raise FileRejected(_("文件像是没有字节顺序标记的 UTF-16 文本（%(e)s），却无法按它解码（第 %(n)s 字节处）。"
                             "请在 Excel 中另存为「CSV UTF-8」或 xlsx 后重新上传。")
                           % {"e": ENCODING_LABELS[side], "n": offset})
    offset = _strict_decode_offset(source, "utf-8")
    if offset is None:
        return "utf-8"
    if _strict_decode_offset(source, "gb18030") is None:
        return "gb18030"
    raise FileRejected(_("无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030（第 %(n)s 字节处）。"
                         "请在 Excel 中另存为「CSV UTF-8」或 xlsx 后重新上传。") % {"n": offset})


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes; returns (text, encoding label). Raises FileRejected naming what was tried."""
    encoding = detect_encoding(data)
    return data.decode(encoding), ENCODING_LABELS[encoding]


# --- xlsx, streamed --------------------------------------------------------------------------------------

def _sheet_size(ws) -> None:
    """openpyxl's ReadOnlyWorksheet._get_size, which every sheet of a workbook runs as it is loaded, bounded: it
    looks for the sheet's <dimension> and stops at its data, but waits for the data's *end* tag, so a sheet
    without one was parsed whole at load (a million empty rows: 10 s, before a row was read). This stops at the
    data's start tag. Installed for the process when this module is imported."""
    with ws._get_source() as src:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == f"{{{SHEET_MAIN_NS}}}dimension":
                bounds = SheetDimension.from_tree(element).boundaries
                if bounds is not None:
                    ws._min_column, ws._min_row, ws._max_column, ws._max_row = bounds
                return
            if element.tag == f"{{{SHEET_MAIN_NS}}}sheetData":
                return


def _install_sheet_size() -> None:
    ReadOnlyWorksheet._get_size = _sheet_size


_install_sheet_size()


class SharedStrings(Sequence):
    """A workbook's shared strings, compactly: their UTF-8 bytes end to end in one buffer, and where each ends (4
    bytes a string); a string is decoded when a cell asks for it. openpyxl's list of Python strings took about 6.5
    MB a MiB of short distinct strings (a 42 MB part: 275 MB); this takes at most the part's size and 4 bytes a
    string (see `learncity bench uploads`)."""

    def __init__(self):
        self._text = bytearray()
        self._ends = array.array("I")

    def append(self, text: str) -> None:
        self._text += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._text))  # OverflowError past 4 GiB: the part's cap keeps it far below

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index):
        if not isinstance(index, int) or not 0 <= index < len(self._ends):
            raise IndexError(f"shared string {index} of {len(self._ends)}")  # a cell naming one the file lacks
        start = self._ends[index - 1] if index else 0
        return self._text[start:self._ends[index]].decode("utf-8", "surrogatepass")


MAX_SHARED_STRINGS_DEPTH = 32  # elements open at once in the shared strings: sst/si/r/t is 4


def shared_strings_read(src, *, name: str, entry: str, size: int) -> SharedStrings:
    """Read the shared-strings part (`src`, the entry `entry` of `size` bytes uncompressed, as its zip directory
    says) into a `SharedStrings`, refusing a part over LEARNCITY_MAX_SHARED_STRINGS_BYTES before it is parsed (zipfile reads an
    entry no further than that size, so it cannot bring more). The text of each string is what openpyxl reads: its
    <t>, then the <t> of each rich-text run (not the phonetic <rPh> runs), with Excel's escape "x005F_" dropped.
    Every element is taken off the tree as it ends (the tree holds the open ones only, at most
    MAX_SHARED_STRINGS_DEPTH deep), so memory is the strings' text, whatever the XML around it."""
    uploads.shared_strings_check(size, name=name, entry=entry)
    si, t, r = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = SharedStrings()
    stack: list = []
    plain, runs = None, []
    for event, element in iterparse(src, events=("start", "end")):
        if event == "start":
            stack.append(element)
            if len(stack) > MAX_SHARED_STRINGS_DEPTH:
                raise uploads.not_xlsx(name, _("共享字符串的元素嵌套超过 %(n)s 层") % {"n": MAX_SHARED_STRINGS_DEPTH})
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if element.tag == t and parent is not None:
            if parent.tag == si:
                plain = element.text or ""
            elif parent.tag == r and len(stack) > 1 and stack[-2].tag == si:
                runs.append(element.text or "")
        elif element.tag == si:
            strings.append(((plain or "") + "".join(runs)).replace("x005F_", ""))
            plain, runs = None, []
        if parent is not None:
            parent.remove(element)  # its only child: every earlier one is gone already
    return strings


class _Reader(ExcelReader):
    """openpyxl's ExcelReader with its shared strings read by `shared_strings_read`."""

    upload_name = "upload"

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            path = part.PartName[1:]
            with self.archive.open(path) as src:
                self.shared_strings = shared_strings_read(src, name=self.upload_name, entry=path,
                                                          size=self.archive.getinfo(path).file_size)


def _workbook_load(source, *, name: str):
    """openpyxl's load_workbook(read_only=True, data_only=False), its shared strings read by
    `shared_strings_read`."""
    reader = _Reader(source, read_only=True, data_only=False)
    reader.upload_name = name
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        raise
    return reader.wb


def _state(state: str) -> str:
    return {"visible": _("可见"), "hidden": _("隐藏"), "veryHidden": _("深度隐藏")}.get(state, state)


@dataclass
class XlsxSheet:
    """The active sheet of an xlsx, opened for streaming. `rows()` yields (row number, {column number: value})
    for each row of the sheet's XML (empty ones too), formulas left out and listed in `problems` with the merged
    ranges (those once the last row is read); it refuses, as FileRejected, a file its parser cannot read and a
    run of more than MAX_EMPTY_RUN empty rows. The workbook is closed when the rows end."""

    title: str
    estimate: int  # rows by the sheet's own dimension (0 when it has none)
    rows: Iterator[tuple[int, dict[int, object]]]
    problems: list[CellError] = field(default_factory=list)


def _sheet_list(wb) -> str:
    return gettext("、").join(gettext("「%(name)s」（%(state)s）") % {"name": name, "state": _state(wb[name].sheet_state)}
                              for name in wb.sheetnames)


def _workbook_open(source: bytes | Path, *, name: str):
    """The workbook, read-only; refused as FileRejected when its parser cannot read it."""
    try:
        return _workbook_load(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source, name=name)
    except FileRejected:
        raise
    except Exception as exc:  # whatever a broken or hostile file makes the parser raise (openpyxl wraps some)
        raise uploads.not_xlsx(name, (exc.__cause__ or exc).__class__.__name__) from None


def _active_sheet(wb, *, name: str):
    """(active sheet, its row estimate), refusing a hidden sheet or one that is not a worksheet, naming the
    sheets; the workbook is closed when it refuses."""
    try:
        ws = wb.active
        if ws is None or not isinstance(ws, ReadOnlyWorksheet) or ws.sheet_state != "visible":
            what = ws.title if ws is not None else ""
            raise FileRejected(_("要导入的是选中的工作表，而选中的工作表「%(sheet)s」是隐藏的或不是数据表，未导入。"
                                 "请在 Excel 或 WPS 中选中要导入的（可见的）工作表、保存后重新上传。"
                                 "工作簿中的工作表：%(sheets)s") % {"sheet": what, "sheets": _sheet_list(wb)})
        return ws, max(0, ws.max_row or 0)
    except FileRejected:
        wb.close()
        raise
    except Exception as exc:
        wb.close()
        raise uploads.not_xlsx(name, exc.__class__.__name__) from None


def xlsx_open(source: bytes | Path, *, name: str) -> XlsxSheet:
    """Open an xlsx (bytes or a file; its size already checked by `core.uploads.zip_check`) at its active sheet,
    refusing it when that sheet is hidden or not a worksheet, naming the sheets."""
    wb = _workbook_open(source, name=name)
    ws, estimate = _active_sheet(wb, name=name)
    sheet = XlsxSheet(title=ws.title, estimate=estimate, rows=iter(()))
    sheet.rows = _sheet_rows(wb, ws, sheet, name=name)
    return sheet


def _problem(sheet: XlsxSheet, row: int, where: str, message: str) -> None:
    if len(sheet.problems) < MAX_CELL_PROBLEMS:
        sheet.problems.append(CellError(row, where, message))


def _row_values(sheet: XlsxSheet, row_no: int, cells) -> tuple[dict[int, object], bool]:
    """({column: value} of a parsed row's non-empty cells, whether it held a formula); a formula is left out and
    listed as a problem."""
    values = {}
    formula = False
    for cell in cells:
        value = cell["value"]
        if cell["data_type"] == "f":
            formula = True
            _problem(sheet, row_no, f"{get_column_letter(cell['column'])}{row_no}",
                     _("公式 %(f)s：请复制后「选择性粘贴为数值」再上传") % {"f": value})
            value = None
        if value is not None and value != "":
            values[cell["column"]] = value
    return values, formula


def _merged_problems(sheet: XlsxSheet, parser) -> None:
    for merged in (parser.merged_cells.mergeCell if parser.merged_cells else ()):
        first = merged.ref.split(":")[0]
        row = int("".join(ch for ch in first if ch.isdigit()) or 0)
        _problem(sheet, row, merged.ref, _("合并单元格：请取消合并并在每一格填上内容后再上传"))


def _sheet_rows(wb, ws, sheet: XlsxSheet, *, name: str) -> Iterator[tuple[int, dict[int, object]]]:
    """The rows of `sheet` as `XlsxSheet.rows` yields them; closes the workbook when they end."""
    empty_from, empty = 0, 0
    try:
        with ws._get_source() as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=False, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for row_no, cells in parser.parse():
                values, formula = _row_values(sheet, row_no, cells)
                if values or formula:
                    empty = 0
                else:
                    empty_from, empty = (empty_from if empty else row_no), empty + 1
                    if empty > MAX_EMPTY_RUN:
                        raise FileRejected(_("工作表「%(sheet)s」从第 %(row)s 行起有超过 %(n)s 行连续的空行，未导入："
                                             "请删除这些空行（选中后「删除行」）后重新上传。") % {
                            "sheet": ws.title, "row": empty_from, "n": f"{MAX_EMPTY_RUN:,}"})
                yield row_no, values
            _merged_problems(sheet, parser)
    except FileRejected:
        raise
    except Exception as exc:  # a broken or hostile file, found while its rows are read
        raise uploads.not_xlsx(name, exc.__class__.__name__) from None
    finally:
        wb.close()


# --- tables ----------------------------------------------------------------------------------------------

def read_table(data: bytes, filename: str, *, max_rows: int = MAX_ROWS) -> Table:
    suffix = PurePath(filename or "").suffix.lower()
    if not data or not data.strip():
        raise FileRejected(gettext("文件「%(filename)s」是空的 (the file is empty)") % {"filename": filename})
    if suffix == ".xlsx" or data[:4] == uploads.ZIP_SIGNATURE:
        uploads.zip_check(data, name=filename)
        return _read_xlsx(data, filename, max_rows)
    if suffix in {".csv", ".txt", ""}:
        return _read_csv(data, max_rows)
    raise FileRejected(gettext("不支持的文件类型「%(suffix)s」：请上传 xlsx 或 CSV 文件 (unsupported file type)") % {"suffix": suffix})


def _clean_header(value) -> str:
    return str(value).strip().replace("\n", "") if value is not None else ""


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = decode_csv_bytes(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = []
    try:
        try:
            headers = [_clean_header(h) for h in next(reader)]
        except StopIteration:
            raise FileRejected(gettext("文件没有表头行 (no header row)"), encoding=encoding) from None
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= max_rows:
                raise FileRejected(gettext("文件超过 %(max_rows)s 行的上限 (too many rows)") % {"max_rows": max_rows}, encoding=encoding)
            rows.append((number, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise csv_refused(reader.line_num, exc, encoding=encoding) from None
    return Table(format="csv", encoding=encoding, headers=headers, rows=rows)


def csv_refused(line: int, exc: csv.Error, *, encoding: str | None = None) -> FileRejected:
    """A CSV its reader cannot read on (a field of more than 128 KB, a stray quote at the end…)."""
    return FileRejected(_("CSV 文件第 %(n)s 行无法读取（%(e)s），未导入：请检查这一行的引号与分隔符。")
                        % {"n": line, "e": exc}, encoding=encoding)


def _read_xlsx(data: bytes, filename: str, max_rows: int) -> Table:
    sheet = xlsx_open(data, name=filename)
    headers: list[str] | None = None
    rows = []
    for row_no, values in sheet.rows:
        if headers is None:
            if not values:
                continue
            width = max(values)
            headers = [_clean_header(values.get(i)) for i in range(1, width + 1)]
            while headers and not headers[-1]:
                headers.pop()
            keep = max(len(headers), 1) + 20
            continue
        if not values:
            continue
        if len(rows) >= max_rows:
            sheet.rows.close()
            raise FileRejected(gettext("文件超过 %(max_rows)s 行的上限 (too many rows)") % {"max_rows": max_rows})
        cells = [values.get(i) for i in range(1, min(max(max(values), len(headers)), keep) + 1)]
        if not any(v not in (None, "") for v in cells):
            continue
        rows.append((row_no, [v.strip() if isinstance(v, str) else v for v in cells]))
    if sheet.problems:
        raise FileRejected(gettext("文件含有合并单元格或公式，未导入任何数据。"), sheet.problems)
    if headers is None:
        raise FileRejected(gettext("工作表是空的 (the sheet is empty)"))
    return Table(format="xlsx", encoding=None, headers=headers, rows=rows)


def check_headers(table: Table, *, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]] | None = None):
    """Map the file's headers to field names. `required`/`optional` map a field to its accepted header spellings.

    Refuses a file with missing, unknown or repeated columns, naming each.
    """
    optional = optional or {}
    spelled = {}
    for field_name, names in {**required, **optional}.items():
        for n in names:
            spelled[n.lower()] = field_name
    mapping: dict[str, int] = {}
    unknown, repeated = [], []
    for i, header in enumerate(table.headers):
        if not header:
            if any(len(cells) > i and cells[i] not in (None, "") for _, cells in table.rows):
                unknown.append(gettext("第 %(column)s 列（无表头）") % {"column": table.column_letter(i)})
            continue
        key = spelled.get(header.lower())
        if key is None:
            unknown.append(header)
        elif key in mapping:
            repeated.append(header)
        else:
            mapping[key] = i
    missing = [names[0] for f, names in required.items() if f not in mapping]
    problems = []
    if missing:
        problems.append(gettext("缺少列 (missing columns): ") + gettext("、").join(missing))
    if unknown:
        problems.append(gettext("无法识别的列 (unknown columns): ") + gettext("、").join(unknown))
    if repeated:
        problems.append(gettext("重复的列 (repeated columns): ") + gettext("、").join(repeated))
    if problems:
        expected = "、".join(names[0] for names in required.values())
        raise FileRejected(gettext("表头不正确，未导入任何数据。") + gettext("；").join(problems) + gettext("。应有的列：%(expected)s") % {"expected": expected}, encoding=table.encoding)
    return mapping
