"""Reading uploaded tables (xlsx and CSV) for imports, with the encoding found and said.

Chinese offices save CSV from Excel in GBK more often than in UTF-8. A GBK file is never read as UTF-8
silently: UTF-8 is tried strictly first (it almost never decodes GBK bytes by accident), then GB18030,
the superset of GBK; the encoding used is reported back to the uploader.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from learncity.core.errors import CellError, FileRejected

MAX_ROWS = 200_000


@dataclass
class Table:
    format: str  # "xlsx" or "csv"
    encoding: str | None  # for CSV: "UTF-8", "UTF-8 (BOM)", "GBK/GB18030", "UTF-16"
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)  # (spreadsheet row number, cells)

    def column_letter(self, index: int) -> str:
        return get_column_letter(index + 1)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes; returns (text, encoding label). Raises FileRejected naming what was tried."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8", errors="strict"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030", errors="strict"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030（第 {exc.start} 字节处）。"
            "请在 Excel 中另存为「CSV UTF-8」或 xlsx 后重新上传。"
        ) from exc


def read_table(data: bytes, filename: str, *, max_rows: int = MAX_ROWS) -> Table:
    suffix = PurePath(filename or "").suffix.lower()
    if not data or not data.strip():
        raise FileRejected(f"文件「{filename}」是空的 (the file is empty)")
    if suffix == ".xlsx" or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, filename, max_rows)
    if suffix in {".csv", ".txt", ""}:
        return _read_csv(data, max_rows)
    raise FileRejected(f"不支持的文件类型「{suffix}」：请上传 xlsx 或 CSV 文件 (unsupported file type)")


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
    try:
        headers = [_clean_header(h) for h in next(reader)]
    except StopIteration:
        raise FileRejected("文件没有表头行 (no header row)", encoding=encoding) from None
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= max_rows:
            raise FileRejected(f"文件超过 {max_rows} 行的上限 (too many rows)", encoding=encoding)
        rows.append((number, [c.strip() for c in cells]))
    return Table(format="csv", encoding=encoding, headers=headers, rows=rows)


def _read_xlsx(data: bytes, filename: str, max_rows: int) -> Table:
    try:
        wb = load_workbook(io.BytesIO(data), data_only=False, read_only=False)
    except Exception as exc:
        raise FileRejected(f"「{filename}」不是有效的 xlsx 文件：{exc.__class__.__name__} (not a valid xlsx file)") from exc
    ws = wb.worksheets[0]
    problems: list[CellError] = []
    for merged in ws.merged_cells.ranges:
        problems.append(CellError(merged.min_row, merged.coord, "合并单元格：请取消合并后再上传 (merged cells)"))
    iterator = ws.iter_rows()
    try:
        header_cells = next(iterator)
    except StopIteration:
        raise FileRejected("工作表是空的 (the sheet is empty)") from None
    headers = [_clean_header(c.value) for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for cells in iterator:
        values = []
        for cell in cells[: max(len(headers), 1) + 20]:
            if cell.data_type == "f":
                problems.append(
                    CellError(cell.row, cell.coordinate, f"公式 {cell.value}：请粘贴为数值后再上传 (formula)")
                )
            values.append(cell.value)
        if not any(v not in (None, "") for v in values):
            continue
        if len(rows) >= max_rows:
            raise FileRejected(f"文件超过 {max_rows} 行的上限 (too many rows)")
        rows.append((cells[0].row, [v.strip() if isinstance(v, str) else v for v in values]))
    if problems:
        raise FileRejected("文件含有合并单元格或公式，未导入任何数据。", problems)
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
                unknown.append(f"第 {table.column_letter(i)} 列（无表头）")
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
        problems.append("缺少列 (missing columns): " + "、".join(missing))
    if unknown:
        problems.append("无法识别的列 (unknown columns): " + "、".join(unknown))
    if repeated:
        problems.append("重复的列 (repeated columns): " + "、".join(repeated))
    if problems:
        expected = "、".join(names[0] for names in required.values())
        raise FileRejected("表头不正确，未导入任何数据。" + "；".join(problems) + f"。应有的列：{expected}", encoding=table.encoding)
    return mapping
