"""A bounded fuzz run of the two readers of uploaded files — `core.tabular.read_table` (the imports) and the intake
pipeline's parse step (`open_source`, `check_headers`, every row) — with random and mutated CSV, xlsx (its bytes,
and its XML) and JSON Lines. The only outcomes allowed: a table read, or a `FileRejected` with a message. Any other
exception is a reader letting a hostile file through to a 500 or a failed job.

Derandomized (the same examples every run) and bounded, so it runs in seconds, not minutes."""

import io
import re
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from learncity.core.errors import FileRejected
from learncity.core.tabular import read_table
from learncity.intake import pipeline
from tests.security.xlsx_parts import rows_xml, xlsx

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])

HEADERS = [c.header for c in pipeline.COLUMNS]
ROW = ["示例-0001", "350102198005170123", "林小明", "课程结业", "", "社区教育", "智能手机应用入门", "16", "", "2026-06-30"]


def both_readers(data: bytes, name: str, fmt: str) -> None:
    """Feed the bytes to both readers; fail on anything but a read or a FileRejected with a message."""
    try:
        read_table(data, name)
        event("read_table: read")
    except FileRejected as exc:
        assert exc.summary.strip(), "a refusal must say what is wrong"
        event("read_table: refused: " + exc.summary[:25])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{fmt}"
        path.write_bytes(data)
        try:
            source = pipeline.open_source(path, fmt, name=name)
            try:
                pipeline.check_headers(source)
            except FileRejected as exc:
                assert exc.summary.strip()
            for _row in source.rows():
                pass
            event("intake: read")
        except FileRejected as exc:
            assert exc.summary.strip(), "a refusal must say what is wrong"
            event("intake: refused")


def mutate(base: bytes, edits: list[tuple[int, str, int]]) -> bytes:
    data = bytearray(base)
    for where, op, value in edits:
        at = where % (len(data) + 1)
        if op == "flip" and at < len(data):
            data[at] ^= 1 << (value % 8)
        elif op == "set" and at < len(data):
            data[at] = value
        elif op == "insert":
            data[at:at] = bytes([value]) * (1 + value % 4)
        elif op == "delete":
            del data[at:at + 1 + value % 16]
        elif op == "truncate":
            del data[at:]
    return bytes(data)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 20), st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
                           st.integers(0, 255)), min_size=1, max_size=6)


def _openpyxl_file(*, problems: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(ROW)
    ws.append([*ROW[:7], 4.5, 88, "2026-01-02"])
    if problems:
        ws["H4"] = "=1+1"
        ws.merge_cells("I5:J5")
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_in_time(buf.getvalue())


def _fixed_in_time(data: bytes) -> bytes:
    """The workbook with the times openpyxl writes (its entries' dates, docProps/core.xml's created and modified)
    set to one instant, so that the derandomized run mutates the same bytes every time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


OPENPYXL_FILES = [_openpyxl_file(problems=False), _openpyxl_file(problems=True)]  # (one with a formula, a merge)
CSV_FILE = (",".join(HEADERS) + "\r\n" + ",".join(ROW) + "\r\n").encode("utf-8")
JSONL_FILE = ('{"external_id": "A-1", "id_number": "350102198005170123", "name": "林小明", "kind": "课程结业", '
              '"title": "书法", "hours": 16, "date": "2026-06-30"}\n{"external_id": "A-2", "hours": "x"}\n').encode()


@FUZZ
@given(base=st.sampled_from(OPENPYXL_FILES), edits=EDITS)
def test_mutated_xlsx_bytes_are_read_or_refused(base, edits):
    both_readers(mutate(base, edits), "记录.xlsx", "xlsx")


# Pieces of XML a sheet or the shared strings may be given: well-formed but wrong (put between two tags), and not
# well-formed (put anywhere).
WELL_FORMED = st.sampled_from([
    '<row r="0"/>', '<row r="-3"><c r="A1"><v>1</v></c></row>', '<row r="x"/>', '<row r="99999999999"/>',
    '<row><c r="A1" t="s"><v>99</v></c></row>', '<row><c r="ZZZZ9" t="n"><v>abc</v></c></row>',
    '<row><c r="A2" t="d"><v>not a date</v></c></row>', '<row><c r="A2" t="b"><v>7</v></c></row>',
    '<row><c r="B2" t="e"><v>#REF!</v></c></row>', '<row><c t="inlineStr"><is></is></c></row>',
    '<row><c r="A3" t="s"><v>-1</v></c></row>', '<row><c r="A3" s="999"><v>1</v></c></row>',
    '<row><c r="A3"><f>SUM(A1:A9)</f><v>3</v></c></row>', '<row><c r="A3" t="str"><f t="shared" si="x"/></c></row>',
    '<row><c r="A3"><v>1e999</v></c></row>', '<row><c r="A3"><v>nan</v></c></row>',
    '<si><t>&#x4E2D;</t></si>', '<si/>', '<si><r></r></si>', "<t>x</t>", '<row r="2"><c r="A2"/></row>'])
MALFORMED = st.sampled_from(['<', '>', '&', '"', '</row>', '<c r="A1">', "\x00", "&#0;", "&#x110000;", "<![CDATA[x",
                             "<!-- -->", '<!DOCTYPE x [<!ENTITY e "e">]>'])


@st.composite
def mutated_text(draw, base: str) -> str:
    text = base
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.integers(0, 4))
        if choice <= 2:  # well-formed, at a tag boundary
            boundaries = [i + 1 for i, ch in enumerate(text) if ch == ">"] or [0]
            at = draw(st.sampled_from(boundaries))
            text = text[:at] + draw(WELL_FORMED) + text[at:]
        elif choice == 3:
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(MALFORMED) + text[at:]
        else:
            at = draw(st.integers(0, len(text)))
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
    return text


SHEET = rows_xml([HEADERS, ROW, [*ROW[:7], 4.5, 88, "2026-01-02"]])
SHARED = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
          'main" count="2"><si><t>记录编号</t></si><si><r><t>林</t></r><r><t>小明</t></r></si></sst>')


@FUZZ
@given(sheet=st.one_of(st.just(SHEET), mutated_text(SHEET)), shared=st.one_of(st.just(SHARED), mutated_text(SHARED)),
       state=st.sampled_from(["visible", "hidden", "veryHidden", "weird"]), active=st.sampled_from([0, 0, 0, 1, -1, 7]))
def test_xlsx_with_mutated_xml_is_read_or_refused(sheet, shared, state, active):
    data = xlsx([("记录", "visible", sheet), ("其他", state, rows_xml([HEADERS]))], active=active, shared=shared)
    both_readers(data, "记录.xlsx", "xlsx")


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be"])


@st.composite
def csv_bytes(draw) -> bytes:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.binary(max_size=2000))
    if kind == 1:
        text = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
        return text.encode(draw(ENCODINGS), errors="replace")
    return mutate(CSV_FILE.decode().encode(draw(ENCODINGS)), draw(EDITS))


@FUZZ
@given(data=csv_bytes())
def test_random_and_mutated_csv_is_read_or_refused(data):
    both_readers(data, "记录.csv", "csv")


@st.composite
def jsonl_bytes(draw) -> bytes:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.binary(max_size=2000))
    if kind == 1:
        values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                              lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                                  st.sampled_from([*pipeline.CODES, *HEADERS, "x", ""]), inner, max_size=5),
                              max_leaves=10)
        import json

        lines = draw(st.lists(values, max_size=5))
        return "\n".join(json.dumps(v, ensure_ascii=draw(st.booleans())) for v in lines).encode(draw(ENCODINGS))
    return mutate(JSONL_FILE, draw(EDITS))


@FUZZ
@given(data=jsonl_bytes())
def test_random_and_mutated_json_lines_are_read_or_refused(data):
    both_readers(data, "记录.jsonl", "jsonl")
