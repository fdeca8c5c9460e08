"""The monitoring documents: a document written as xlsx and PDF (numbers as numbers, "无数据", small cells, the
same bytes every time), and the quarterly report and annual statistics built from the selectors for the user's
scope — their numbers are the selectors' numbers, and the same data gives the same document."""

import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.monitoring import reports, selectors, services
from learncity.monitoring.periods import period_parse
from learncity.monitoring.reports import SUPPRESSED, Column, Document, Table
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place

from .factories import officials_make

YEAR = period_parse("2026")
QUARTER = period_parse("2026-Q3")


@pytest.fixture
def officials(db):
    """达州市's own administrators and learner (see factories.officials_make)."""
    return officials_make()


def _sheet_rows(data: bytes, sheet: str) -> tuple[list, list[tuple]]:
    ws = load_workbook(io.BytesIO(data))[sheet]
    header = [c.value for c in ws[reports.HEADER_ROW]]
    rows = []
    for row in ws.iter_rows(min_row=reports.HEADER_ROW + 1, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return header, rows


def _pdf_text(data: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is missing"
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _hand_made() -> Document:
    table = Table(title="总览", key="总览", columns=(Column("指标"), Column("实际", "percent"), Column("人数", "int"),
                                                   Column("学时", "number")),
                  rows=(("社区教育参与率", Decimal("35.20"), 1234, Decimal("12.5")),
                        ("老年教育参与率", None, SUPPRESSED, Decimal("3"))),
                  notes=("比率类指标为百分数。",))
    return Document(title="季度报告", scope="福州市", period="2026年第3季度", as_of=datetime.date(2026, 9, 30),
                    tables=(table,), suppress_below=10, period_key="2026-Q3")


# --- writing a document -----------------------------------------------------------------------------------------


def test_the_workbook_holds_numbers_as_numbers_and_says_no_data_and_small_cells():
    # Given a document with a rate, a count, hours, a missing denominator and a small cell
    data = reports.document_xlsx(_hand_made())

    # Then the sheet states what it covers above the headers, and the values in their kinds
    ws = load_workbook(io.BytesIO(data))["总览"]
    assert ws["A1"].value == "季度报告　总览"
    assert ws["A2"].value == "福州市 · 2026年第3季度"
    assert ws["A3"].value == "数据截至 2026-09-30"
    header, rows = _sheet_rows(data, "总览")
    assert header == ["指标", "实际", "人数", "学时"]
    assert rows == [("社区教育参与率", 35.2, 1234, 12.5), ("老年教育参与率", "无数据", "<10", 3)]
    assert ws["B5"].number_format == '#,##0.00"%"'
    assert ws["C5"].number_format == "#,##0"
    assert ws.freeze_panes == "A5"
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "比率类指标为百分数。" in texts
    assert f"校验码 SHA-256 {_hand_made().digest()}" in texts


def test_the_same_document_is_the_same_file_and_another_is_not():
    doc = _hand_made()
    assert reports.document_xlsx(doc) == reports.document_xlsx(_hand_made())
    assert reports.document_pdf(doc) == reports.document_pdf(_hand_made())
    changed = Document(**{**doc.__dict__, "tables": (Table(**{**doc.tables[0].__dict__, "rows": (
        ("社区教育参与率", Decimal("35.21"), 1234, Decimal("12.5")),)}),)})
    assert changed.digest() != doc.digest()
    assert reports.document_xlsx(changed) != reports.document_xlsx(doc)


def test_the_pdf_prints_the_values_as_the_pages_do(tmp_path):
    text = _pdf_text(reports.document_pdf(_hand_made()), tmp_path)
    assert "季度报告" in text and "福州市 · 2026年第3季度" in text
    assert "35.20%" in text and "1,234" in text and "12.5" in text
    assert "无数据" in text and "<10" in text
    assert _hand_made().digest() in text


def test_a_wide_table_goes_on_landscape_pages_and_the_narrow_ones_stay_portrait(tmp_path):
    # Given a report whose middle table has 16 columns (a place and 15 indicators), like the by-district page
    wide = Table(title="各区县主要指标", columns=(Column("区划"), *[Column(f"指标{i}（%）", "percent") for i in range(15)]),
                 rows=tuple((f"第{r}区", *[Decimal("35.20") + i for i in range(15)]) for r in range(6)))
    narrow = _hand_made().tables[0]
    doc = Document(title="季度报告", scope="福州市", period="2026年第3季度", as_of=datetime.date(2026, 9, 30),
                   tables=(narrow, wide, narrow), suppress_below=10)
    path = tmp_path / "doc.pdf"

    path.write_bytes(reports.document_pdf(doc))

    # Then the wide table has a landscape page of its own, between portrait pages
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9", str(path)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(round(float(w)), round(float(h))) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)",
                                                                     info, re.M)]
    assert sizes == [(595, 842), (842, 595), (595, 842)]
    # and every one of its rows is one line: all 15 values side by side, none wrapped
    page2 = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    lines = [line.split() for line in page2.splitlines() if line.strip().startswith("第")]
    assert [line[0] for line in lines] == [f"第{r}区" for r in range(6)]
    assert all(line[1:] == [f"{Decimal('35.20') + i}%" for i in range(15)] for line in lines), lines


def test_a_row_that_does_not_fit_the_columns_is_refused_naming_table_and_row():
    with pytest.raises(ValueError, match=r"table '总览': row 2 has 1 cells for 2 columns"):
        Table(title="总览", columns=(Column("a"), Column("b")), rows=(("x", 1), ("y",)))


def test_sheet_names_are_valid_and_distinct():
    doc = Document(title="t", scope="s", period="p", as_of=datetime.date(2026, 1, 1), tables=(
        Table(title="分区域/统计:一", columns=(Column("a"),), rows=(("1",),)),
        Table(title="分区域/统计:一", columns=(Column("a"),), rows=(("2",),))))
    assert load_workbook(io.BytesIO(reports.document_xlsx(doc))).sheetnames == ["分区域统计一", "分区域统计一2"]


# --- the quarterly report ----------------------------------------------------------------------------------------


# The quarterly report and the annual statistics are checked against the demo city's seeded figures (its
# districts, member units and learning organisations): an empty city of the test's own would report blanks.


def test_the_quarterly_report_states_the_overview_and_every_district(users, city):
    admin = users["city_admin"]
    overview = selectors.monitoring_overview(actor=admin, place_id=city.pk, period=QUARTER)

    doc = reports.quarterly_report(actor=admin, place_id=city.pk, period=QUARTER)
    data = reports.document_xlsx(doc)

    assert doc.title == "终身学习城市建设监测季度报告" and doc.scope == "福州市"
    assert doc.period == "2026年第3季度（2026-07-01 至 2026-09-30）"
    assert doc.as_of == datetime.date(2026, 9, 30)
    header, rows = _sheet_rows(data, "主要指标")
    code, actual, target = header.index("代码"), header.index("实际"), header.index("目标")
    expected = [(r.indicator.code, r.actual.value, r.target) for r in overview.rows]
    assert [(row[code], row[actual], row[target]) for row in rows] == [
        (c, "无数据" if v is None else float(v), "无数据" if t is None else float(t)) for c, v, t in expected]
    assert any(r.actual.value is not None and r.actual.value > 0 for r in overview.rows)

    # by district: one row per district, each indicator's value as its drill-down gives it
    header, rows = _sheet_rows(data, "分区域")
    drill = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=city.pk, period=QUARTER)
    column = next(i for i, h in enumerate(header) if h.startswith("社区教育参与率"))
    assert [(row[0], row[1]) for row in rows] == [(c.place.code, c.place.name) for c in drill.children]
    assert [row[column] for row in rows] == [
        "无数据" if c.actual.value is None else float(c.actual.value) for c in drill.children]

    # month by month: the quarter's three months; person-times add up to the quarter's
    header, rows = _sheet_rows(data, "逐月")
    assert [row[0] for row in rows] == ["2026年7月", "2026年8月", "2026年9月"]
    pt = next(i for i, h in enumerate(header) if h.startswith("非学历教育培训人次"))
    quarter_pt = next(r.actual.value for r in overview.rows if r.indicator.code == "NONACAD-PT")
    assert sum(Decimal(str(row[pt])) for row in rows) == quarter_pt


def test_the_same_data_gives_the_same_report_and_a_new_target_changes_it(users, city):
    admin = users["city_admin"]
    first = reports.quarterly_report(actor=admin, place_id=city.pk, period=QUARTER)
    again = reports.quarterly_report(actor=admin, place_id=city.pk, period=QUARTER)
    assert reports.document_xlsx(first) == reports.document_xlsx(again)
    assert first.digest() == again.digest()

    services.target_set(actor=admin, code="ONLINE-PT", place_id=city.pk, period=QUARTER, value=Decimal("12345"))

    changed = reports.quarterly_report(actor=admin, place_id=city.pk, period=QUARTER)
    assert changed.digest() != first.digest()
    header, rows = _sheet_rows(reports.document_xlsx(changed), "主要指标")
    assert next(r for r in rows if r[0] == "ONLINE-PT")[header.index("目标")] == 12345


def test_a_district_administrator_reports_on_their_district_only(officials):
    from learncity.places.models import Place

    city, tongchuan, dachuan = place(DAZHOU), place(TONGCHUAN), place(DACHUAN)
    me = officials["district_admin"]

    doc = reports.quarterly_report(actor=me, place_id=None, period=QUARTER)

    assert doc.scope == "通川区"
    _, rows = _sheet_rows(reports.document_xlsx(doc), "分区域")
    assert {row[0] for row in rows} == set(Place.objects.filter(parent=tongchuan).values_list("code", flat=True))
    with pytest.raises(NotFound):
        reports.quarterly_report(actor=me, place_id=dachuan.pk, period=QUARTER)
    with pytest.raises(NotFound):
        reports.annual_statistics(actor=me, place_id=city.pk, period=YEAR)
    with pytest.raises(PermissionDenied):
        reports.quarterly_report(actor=officials["learner"], place_id=None, period=QUARTER)


# --- the annual statistics ----------------------------------------------------------------------------------------


def test_the_annual_statistics_by_industry_and_by_quarter(users, city):
    admin = users["city_admin"]
    doc = reports.annual_statistics(actor=admin, place_id=city.pk, period=YEAR)
    data = reports.document_xlsx(doc)
    assert doc.title == "终身学习城市建设年度统计"
    assert load_workbook(io.BytesIO(data)).sheetnames == ["年度指标", "分区域", "分行业", "分部门", "组织类型", "分季度",
                                                          "指标说明"]

    # by industry (the kinds of the institutions): the breakdown selector's rows
    header, rows = _sheet_rows(data, "分行业")
    column = next(i for i, h in enumerate(header) if h.startswith("非学历教育培训人次"))
    breakdown = selectors.indicator_breakdown(actor=admin, code="NONACAD-PT", by="provider_kind", place_id=city.pk,
                                              period=YEAR)
    assert len(rows) >= 3
    assert {row[0]: row[column] for row in rows if row[column] != "无数据"} == {
        r.label: float(r.value.value) for r in breakdown.rows if r.value.value is not None}
    year_pt = next(r.actual.value for r in selectors.monitoring_overview(actor=admin, period=YEAR).rows
                   if r.indicator.code == "NONACAD-PT")
    assert sum(Decimal(str(row[column])) for row in rows if row[column] != "无数据") == year_pt

    # by department: the learning organisations each member unit recommended, every unit listed
    from learncity.network.models import LearningOrganisation, MemberUnit

    _, rows = _sheet_rows(data, "分部门")
    units = MemberUnit.objects.filter(committee__place=city)
    assert {row[0] for row in rows} >= set(units.values_list("name", flat=True))
    organisations = LearningOrganisation.objects.filter(place__path__startswith=city.path, year__lte=2026).exclude(
        ended_on__lte=datetime.date(2026, 12, 31))  # withdrawn by the end of the year
    assert sum(row[1] for row in rows) == organisations.count() > 0
    for unit in units:
        assert dict((r[0], r[1]) for r in rows)[unit.name] == organisations.filter(member_unit=unit).count()
    _, rows = _sheet_rows(data, "组织类型")
    assert sum(row[1] for row in rows) == organisations.count()

    # by quarter: four rows; the person-times of the quarters add up to the year's
    header, rows = _sheet_rows(data, "分季度")
    assert len(rows) == 4
    pt = next(i for i, h in enumerate(header) if h.startswith("非学历教育培训人次"))
    assert sum(Decimal(str(row[pt])) for row in rows) == year_pt


def test_a_report_for_a_period_it_cannot_count_exactly_is_refused_saying_why(officials):
    # distinct persons are exact for whole months within one year: a range across the new year is refused
    with pytest.raises(DomainError) as exc:
        reports.quarterly_report(actor=officials["city_admin"], place_id=None,
                                 period=period_parse("2025-11-01..2026-02-28"))
    assert "period" in exc.value.errors
    with pytest.raises(DomainError) as exc:
        period_parse("2026-06-30..2026-01-01")
    assert "period" in exc.value.errors


# The query budget is held on the demo city: a whole city's districts, streets, member units and figures.
@pytest.mark.parametrize("who", ["city_admin", "district_admin"])
def test_the_quarterly_report_and_the_annual_statistics_read_in_at_most_50_queries(users, who,
                                                                                 django_assert_max_num_queries):
    actor = users[who]
    home = selectors.monitoring_home_place(actor=actor)
    with django_assert_max_num_queries(50):
        quarterly = reports.quarterly_report(actor=actor, place_id=home.id, period=QUARTER)
    with django_assert_max_num_queries(50):
        annual = reports.annual_statistics(actor=actor, place_id=home.id, period=period_parse("2026"))
    assert len(quarterly.tables) >= 3 and len(annual.tables) >= 4
