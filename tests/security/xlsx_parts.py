"""xlsx files written part by part with zipfile, for the hostile-upload tests: hidden and active sheets as the file
says them, shared strings that expand a thousandfold, runs of empty rows — what openpyxl's writer would not make."""

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def rows_xml(rows: list[list], start: int = 1) -> str:
    """Rows of values as sheet XML, from row `start`."""
    out = []
    for r, values in enumerate(rows, start=start):
        cells = "".join(cell(f"{chr(65 + i)}{r}", v) for i, v in enumerate(values))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def xlsx(sheets: list[tuple[str, str, str | Iterable[str]]], *, active: int = 0, shared: str | None = None,
         level: int = 9) -> bytes:
    """An xlsx of `sheets` — (name, state: "visible"/"hidden"/"veryHidden", the sheetData's rows as XML text or
    pieces of it) — whose workbook view says sheet number `active` is the selected one; `shared` is the text of
    xl/sharedStrings.xml, when there is one."""
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, len(sheets) + 1))
    if shared is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
        'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        f'sheet.main+xml"/>{overrides}</Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
                 f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}"{"" if state == "visible" else f" state={chr(34)}{state}{chr(34)}"}'
        f' r:id="rId{i}"/>' for i, (name, state, _rows) in enumerate(sheets, start=1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews>'
                f'<workbookView activeTab="{active}"/></bookViews><sheets>{entries}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    workbook_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">{rels}</Relationships>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, (_name, _state, rows) in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as f:
                f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
                for piece in [rows] if isinstance(rows, str) else rows:
                    f.write(piece.encode())
                f.write(b"</sheetData></worksheet>")
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


def shared_strings_bomb(headers: list[str], mib: int = 2) -> bytes:
    """A workbook whose shared strings are `mib` MiB of one letter (a few KB compressed), behind a header row."""
    one = "<si><t>" + "A" * 1000 + "</t></si>"
    count = mib * 1024 * 1024 // len(one)
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}">{one * count}</sst>'
    data_row = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return xlsx([("Sheet1", "visible", rows_xml([headers]) + data_row)], shared=shared)


def empty_rows(headers: list[str], n: int, then: list | None = None) -> bytes:
    """A header row, `n` empty rows (a styled empty cell each, as a spreadsheet program writes them), then
    optionally one row of values."""

    def pieces():
        yield rows_xml([headers])
        for start in range(2, n + 2, 5_000):
            yield "".join(f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(start, min(start + 5_000, n + 2)))
        if then is not None:
            yield rows_xml([then], start=n + 2)

    return xlsx([("Sheet1", "visible", pieces())], level=6)
