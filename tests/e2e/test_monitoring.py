"""Monitoring in a real browser, on a phone: the city administrator opens the overview from the main navigation,
reads every indicator for this quarter, drills down from the city to a district and on to a street, switches the
time series and the breakdown (HTMX), and downloads the quarterly report; the workbook's numbers are the page's
(every indicator, and every district's figure of the drill-down)."""

import datetime
import io
import re
from decimal import Decimal

from openpyxl import load_workbook

from tests.e2e.conftest import nav_to, sign_in


def number(text: str):
    """A value as the page prints it ("35.2%", "1,234", "无数据") in the workbook's terms."""
    text = text.strip()
    if text in ("无数据", "no data"):
        return "无数据"
    return Decimal(text.rstrip("%").replace(",", ""))


def cell(value):
    return value if isinstance(value, str) else Decimal(str(value))


def table(sheet) -> tuple[list, list[tuple]]:
    """A report sheet's headers (row 4) and its rows, down to the blank row before the notes."""
    header = [c.value for c in sheet[4]]
    rows = []
    for row in sheet.iter_rows(min_row=5, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return header, rows


def test_overview_drill_down_and_quarterly_report(demo_server, page, shot, tmp_path):
    sign_in(page, demo_server, "city_admin")

    # 1. The overview, from the main navigation, for the current quarter
    nav_to(page, "监测")
    page.wait_for_url(demo_server + "/monitor/")
    assert "福州市" in page.inner_text("[data-testid=overview-title]")
    today = datetime.date.today()
    quarter_key = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    page.select_option("#m-period", quarter_key)
    page.wait_for_url(re.compile(rf".*period={quarter_key}.*"))
    page.wait_for_selector(".chart[data-drawn]")  # ECharts drew the attainment chart from the vendored file
    cards = page.locator("[data-testid=indicator-card]")
    on_page = {c.get_attribute("data-code"): number(c.locator("[data-testid=actual]").inner_text())
               for c in cards.all()}
    assert len(on_page) >= 10 and "CE-PART" in on_page
    shot(page, "monitoring-overview")

    # 2. Drill down: the person-times of non-academic education, city → a district → a street
    page.click("[data-testid=indicator-card][data-code=NONACAD-PT] h3 a")
    page.wait_for_selector("[data-testid=children-table]")
    assert number(page.inner_text("[data-testid=headline] [data-testid=actual]")) == on_page["NONACAD-PT"]
    districts = {r.get_attribute("data-code"): number(r.locator("[data-testid=child-actual]").inner_text())
                 for r in page.locator("[data-testid=child-row]").all()}
    assert len(districts) >= 5 and sum(districts.values()) == on_page["NONACAD-PT"] > 0
    gulou = page.locator("[data-testid=child-row][data-code='350102']")
    gulou.locator("[data-testid=drill]").click()
    page.wait_for_selector("[data-testid=crumbs] strong:has-text('鼓楼区')")
    street_row = page.locator("[data-testid=child-row]").first
    street_name = street_row.locator("[data-testid=drill]").inner_text()
    street_row.locator("[data-testid=drill]").click()
    page.wait_for_selector(f"[data-testid=crumbs] strong:has-text('{street_name}')")
    assert "鼓楼区" in page.inner_text("[data-testid=crumbs]") and "福州市" in page.inner_text("[data-testid=crumbs]")
    assert page.locator("[data-testid=child-row]").count() > 0  # the street's communities
    # the time series by quarter and the breakdown by age band, swapped in by HTMX
    page.click("[data-testid=series] .tabs a:has-text('按季度')")
    page.wait_for_function("document.querySelectorAll('[data-testid=series-table] tbody tr').length === 4")
    page.click("[data-testid=breakdown] .tabs a:has-text('年龄段')")
    page.wait_for_selector("[data-testid=breakdown-table] td:text-is('60-69')")
    shot(page, "monitoring-street")

    # 3. The quarterly report for the city and that quarter, as xlsx
    page.click("[data-testid=nav-reports]")
    form = page.locator("[data-testid=report-quarterly]")
    form.locator("select[name=period]").select_option(quarter_key)
    with page.expect_download() as download:
        form.locator("[data-testid=download-quarterly-xlsx]").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx" and quarter_key in path.name

    # 4. The workbook's numbers are the page's: every indicator, and the person-times of every district
    book = load_workbook(io.BytesIO(path.read_bytes()))
    header, rows = table(book["主要指标"])
    code_at, actual_at = header.index("代码"), header.index("实际")
    assert {row[code_at]: cell(row[actual_at]) for row in rows} == on_page
    header, rows = table(book["分区域"])
    column = next(i for i, h in enumerate(header) if h.startswith("非学历教育培训人次"))
    assert {row[0]: cell(row[column]) for row in rows} == districts
