"""Benchmark: hostile upload files (decompression bombs) against the readers — peak RSS and time to the answer.

Each file is written to a temporary folder (streamed: small on disk, never held whole here), then read in a fresh
process by the reader a route hands it to, and that process's peak RSS and wall time are printed with its outcome
(read, or refused and why):

- `tabular`: `core.tabular.read_table` — what the targets, population, communities and bulk-accounts imports call
  (after the upload guard, `core.uploads`, which the routes call first; read_table calls it too).
- `intake`: the intake pipeline's parse step — `open_source`, `check_headers`, every row — what the background
  worker runs on a provider's file (the submit refuses a bomb before a job exists; the reader checks again).

The files: a shared-strings bomb (--expanded MiB of sharedStrings.xml behind a few hundred KB), a million empty
rows (a few MB), an XML entity bomb ("billion laughs") in the shared strings, an entry whose central directory
lies about its expanded size, an honest ratio with too many strings (--strings MiB of short distinct shared strings,
compressed about 8x as a real sheet is: the ratio check lets it through), and an honest spreadsheet of --rows rows
written by openpyxl (to show its compression ratio and that it is read). Goal: every bomb refused (or read) under 300 MB peak RSS and in under 2 s.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import say

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
HEADERS = ("记录编号", "身份证号码", "姓名", "学习类型", "课程代码", "课程类别", "学习内容", "学时", "成绩", "学习日期")


def _header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    return f'<row r="1">{cells}</row>'


def _package(path: str, sheet_parts, shared_parts, *, level: int = 9) -> None:
    """An xlsx whose sheet and shared strings are written from the given iterables of text, streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, parts in (("xl/worksheets/sheet1.xml", sheet_parts), ("xl/sharedStrings.xml", shared_parts)):
            with z.open(name, "w", force_zip64=True) as f:
                for part in parts:
                    f.write(part.encode())


def shared_strings_bomb(path: str, mib: int) -> None:
    one = "<si><t>" + "A" * 1000 + "</t></si>"
    count = mib * 1024 * 1024 // len(one)

    def shared():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">'
        block = one * 1000
        for _ in range(count // 1000):
            yield block
        yield "</sst>"

    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r}</v></c></row>' for r in range(2, 12))
    _package(path, [SHEET_HEAD, _header_row(), rows, SHEET_TAIL], shared())


def empty_rows_bomb(path: str, rows: int) -> None:
    def sheet():
        yield SHEET_HEAD + _header_row()
        for start in range(2, rows + 2, 10_000):
            yield "".join(f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(start, min(start + 10_000, rows + 2)))
        yield SHEET_TAIL

    _package(path, sheet(), ['<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'], level=6)


def entity_bomb(path: str) -> None:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    shared = (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
              '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&a9;</t></si></sst>')
    rows = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    _package(path, [SHEET_HEAD, _header_row(), rows, SHEET_TAIL], [shared])


def lying_entry(path: str, mib: int) -> None:
    """The shared-strings bomb, its central directory then rewritten to say each entry expands to what it takes."""
    shared_strings_bomb(path, mib)
    with open(path, "r+b") as f:
        data = f.read()
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
        for info in infos:
            if info.filename != "xl/sharedStrings.xml":
                continue
            # The central directory record: signature PK\x01\x02, the compressed size at +20, uncompressed at +24
            # (zip64: the sizes are in the extra field; write them there too).
            at = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/sharedStrings.xml") + 1)
            lie = max(info.compress_size, 1)
            f.seek(at + 24)
            f.write(lie.to_bytes(4, "little"))
            extra_at = at + 46 + len(info.filename.encode())
            extra = data[extra_at:extra_at + 4]
            if extra[:2] == b"\x01\x00":
                f.seek(extra_at + 4)
                f.write(lie.to_bytes(8, "little"))
                f.seek(at + 24)
                f.write((0xFFFFFFFF).to_bytes(4, "little"))


def many_shared_strings(path: str, mib: float) -> None:
    """An honest ratio, too many strings: `mib` MiB of short distinct shared strings (<si><t>2000001</t></si>, as
    a column of record numbers or ID numbers saved as text makes), compressed about 8x like a real sheet's, so the
    compression ratio does not stop it; the sheet's ten rows show the first ten."""
    count = int(mib * 1024 * 1024) // len("<si><t>2000001</t></si>")

    def shared():
        yield (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
               f'2006/main" count="{count}" uniqueCount="{count}">')
        for start in range(0, count, 10_000):
            yield "".join(f"<si><t>{2_000_000 + i}</t></si>" for i in range(start, min(start + 10_000, count)))
        yield "</sst>"

    rows = "".join(f'<row r="{i + 2}"><c r="A{i + 2}" t="s"><v>{i}</v></c></row>' for i in range(10))
    _package(path, [SHEET_HEAD, _header_row(), rows, SHEET_TAIL], shared(), level=6)


def honest(path: str, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("记录")
    ws.append(list(HEADERS))
    for r in range(rows):
        ws.append([f"R-{r:08d}", f"35010219800517{r % 10000:04d}", f"林小明{r % 97}", "结业", f"C{r % 40:03d}",
                   "社区教育", f"智能手机应用入门第{r % 12}期", 16 + r % 5, 80 + r % 20, f"2026-0{1 + r % 9}-1{r % 10}"])
    wb.save(path)


def _parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--expanded", type=int, default=400, help="MiB of shared strings in the bomb")
    parser.add_argument("--empty-rows", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the honest spreadsheet")
    parser.add_argument("--strings", type=float, default=42, help="MiB of short distinct shared strings in the "
                        "honest-ratio file that has too many of them")
    parser.add_argument("--only", default="", help="comma-separated file names to run (default: all)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds a reader may take before it is stopped")
    return parser


def run(argv: list[str]) -> dict:
    args = _parser("learncity bench uploads").parse_args(argv)
    folder = tempfile.mkdtemp(prefix="learncity-bench-uploads-")
    files = {
        "shared-strings bomb": ("bomb-shared.xlsx", lambda p: shared_strings_bomb(p, args.expanded)),
        "million empty rows": ("bomb-empty-rows.xlsx", lambda p: empty_rows_bomb(p, args.empty_rows)),
        "entity bomb": ("bomb-entities.xlsx", entity_bomb),
        "lying entry": ("bomb-lying.xlsx", lambda p: lying_entry(p, args.expanded)),
        "many shared strings": ("many-strings.xlsx", lambda p: many_shared_strings(p, args.strings)),
        "honest spreadsheet": ("honest.xlsx", lambda p: honest(p, args.rows)),
    }
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    figures: dict = {}
    say(f"uploads · {os.cpu_count()} CPUs · peak RSS of a fresh process reading each file")
    say(f"  {'file':<22}{'on disk':>10}{'expanded':>11}{'ratio':>8}  {'reader':<8}{'peak RSS':>10}{'time':>9}  outcome")
    try:
        for label, (name, make) in files.items():
            if only and label not in only and name not in only:
                continue
            path = os.path.join(folder, name)
            make(path)
            size = os.path.getsize(path)
            with zipfile.ZipFile(path) as z:
                expanded = sum(i.file_size for i in z.infolist())
                compressed = sum(i.compress_size for i in z.infolist())
            for reader in ("tabular", "intake"):
                out = os.path.join(folder, "figures.json")
                env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learncity.settings", "LEARNCITY_DATA_DIR": folder}
                started = time.perf_counter()
                try:
                    subprocess.run([sys.executable, os.path.abspath(__file__), "--read", reader, path, out], env=env,
                                   timeout=args.timeout, check=False)
                    with open(out, encoding="utf-8") as f:
                        result = json.load(f)
                    os.unlink(out)
                except subprocess.TimeoutExpired:
                    result = {"rss_mib": float("nan"), "seconds": time.perf_counter() - started,
                              "outcome": f"stopped after {args.timeout} s"}
                except FileNotFoundError:
                    result = {"rss_mib": float("nan"), "seconds": time.perf_counter() - started,
                              "outcome": "the reader died (killed: out of memory?)"}
                figures[f"{label} · {reader}"] = {"size": size, "expanded": expanded, **result}
                say(f"  {label:<22}{size / 2**20:>8.2f} M{expanded / 2**20:>9.1f} M{expanded / max(compressed, 1):>7.0f}x"
                    f"  {reader:<8}{result['rss_mib']:>8.0f} M{result['seconds']:>8.2f} s  {result['outcome'][:90]}")
            os.unlink(path)
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return figures


def _read(reader: str, path: str, out: str) -> None:
    """In a fresh process: read the file as the route's reader does; write peak RSS, time and the outcome."""
    import django

    django.setup()
    from learncity.core.errors import FileRejected

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    try:
        if reader == "tabular":
            from learncity.core.tabular import read_table

            with open(path, "rb") as f:
                table = read_table(f.read(), os.path.basename(path))
            outcome = f"read: {len(table.rows)} rows"
        else:
            from pathlib import Path

            from learncity.intake import pipeline

            source = pipeline.open_source(Path(path), "xlsx")
            pipeline.check_headers(source)
            n = sum(1 for _ in source.rows())
            outcome = f"read: {n} rows" + (f", {len(source.problems)} problems" if source.problems else "")
    except FileRejected as exc:
        outcome = "refused: " + exc.summary.replace("\n", " ")
    except Exception as exc:  # what the readers should never let out
        outcome = f"ERROR {exc.__class__.__name__}: {exc}"[:200]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"rss_mib": round(peak, 1), "baseline_mib": round(baseline, 1), "seconds": round(seconds, 3),
                   "outcome": outcome}, f, ensure_ascii=False)


if __name__ == "__main__" and len(sys.argv) > 4 and sys.argv[1] == "--read":
    _read(sys.argv[2], sys.argv[3], sys.argv[4])
