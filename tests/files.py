"""Real spreadsheet and CSV files for upload tests, made in memory."""

import csv
import io

from openpyxl import Workbook


def xlsx(rows, *, merge: str | None = None) -> bytes:
    """An xlsx workbook whose first sheet holds `rows` (formulas as "=…" strings), optionally a merged range."""
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    if merge:
        wb.active.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)
