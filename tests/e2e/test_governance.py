"""The committee's year in a real browser (Chromium), as the people who run it: the city office imports a year's
work points from the published document, deciding every name the committee does not know, and reads the plan, also
on a phone in English and in large-text mode; it opens a reporting round, which the member unit's reporter fills on
a phone (a bad cell refused by its name), the office returns with a comment and, once resubmitted, accepts; a
district's return filled before the deadline is refused after it; the office opens the round's consolidated report
back (.docx and PDF); the demo's inspector scores a community school on a phone (a score over a criterion's points
refused by its name) and the office sends the finding to rectification, a task of the school's district."""

import calendar
import datetime
import json
import re
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import docx

from learncity.demo.governance_builder import bar_chart_png
from tests.e2e.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
DAZHOU_2014 = ROOT / "src" / "learncity" / "demo" / "seeds" / "dazhou_2014_work_points.txt"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
INSPECTOR = "inspector"  # the demo's inspector, sent over the whole city
STANDARD_TITLE = "社区学校示范校评估标准"
DISTRICT_COMMITTEE = re.compile(r"\S+区终身教育促进委员会")
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}


def _server_today() -> datetime.date:
    """The server's today (settings.TIME_ZONE), which dates typed into its forms are checked against."""
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _local_now() -> datetime.datetime:
    """The server's wall clock (settings.TIME_ZONE), as its datetime-local inputs are read."""
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def _free_year(page) -> int:
    """The first year from 2027 on for which the governance home lists no plan (the demo has 2026's)."""
    taken = {int(y) for y in re.findall(r"(\d{4}) 年度", page.inner_text("[data-testid=plans]"))}
    year = 2027
    while year in taken:
        year += 1
    return year


def test_the_office_imports_a_years_work_points_deciding_every_unknown_name(demo_server, browser, shot):
    ctx = browser.new_context(**DESKTOP)
    office = ctx.new_page()
    office.set_default_timeout(30_000)

    # Given the city office on the governance home, with the committee's import among the office's actions
    sign_in(office, demo_server, "city_admin")
    office.goto(demo_server + "/governance/")
    year = _free_year(office)
    shot(office, "governance-home-office")
    office.locator("[data-testid=office] [data-testid^=import-]").first.click()
    office.wait_for_url(re.compile(r"/governance/committees/\d+/import/$"))

    # When it pastes the Dazhou 2014 document for a year the demo has no plan for, and previews it
    office.fill("#im-text", DAZHOU_2014.read_text(encoding="utf-8"))
    office.fill("#im-year", str(year))
    office.click("[data-testid=preview-button]")
    office.wait_for_selector("[data-testid=preview]")
    assert office.inner_text("[data-testid=preview-year]").strip() == str(year)
    assert "2014年继续教育工作要点" in office.inner_text("[data-testid=preview-title]")
    decisions = office.locator("[data-testid=unknown] select[name=decision]")
    unknown = decisions.count()
    assert unknown > 0, "the Dazhou document names units a Fuzhou committee does not carry"

    # Then importing before every name is decided is refused, and nothing is imported
    office.click("[data-testid=import]")
    assert office.locator("[data-testid=form-errors]").count() == 1
    assert office.locator("[data-testid=preview]").count() == 1
    shot(office, "governance-import-undecided")

    # When it decides each name: the first becomes a new member unit, the others are left out of the tasks
    labels = [office.locator("[data-testid=unknown] label").nth(i).inner_text().strip() for i in range(unknown)]
    for i in range(unknown):
        office.locator("[data-testid=unknown] select[name=decision]").nth(i).select_option(
            label="新增为成员单位" if i == 0 else "不列入任务")
    shot(office, "governance-import-decided")
    office.click("[data-testid=import]")

    # Then the plan page shows the year's items and their tasks, the new member unit among a task's units
    office.wait_for_url(re.compile(r"/governance/plans/\d+/$"))
    assert "已导入" in office.inner_text("body")
    assert f"{year} 年度" in office.inner_text("main")
    items = office.locator("[data-testid^=item-]")
    tasks = office.locator("[data-testid^=item-] li[data-testid^=task-]")
    tasks_n = tasks.count()
    assert items.count() >= 5 and tasks_n >= items.count()
    assert tasks.locator(".badge", has_text="未启动").count() == tasks.count()
    assert labels[0] in office.inner_text("main") or unknown == 1
    shot(office, "governance-plan-imported")
    plan_url = office.url
    ctx.close()

    # And the plan reads on a phone in English, and in large-text mode
    _plan_on_a_phone(browser, demo_server, shot, plan_url, tasks_n)


def _plan_on_a_phone(browser, demo_server, shot, plan_url: str, tasks_n: int) -> None:
    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    sign_in(phone, demo_server, "city_admin")
    phone_ctx.add_cookies([{"name": "django_language", "value": "en", "url": demo_server}])
    phone.goto(plan_url)
    assert phone.get_attribute("html", "lang") == "en"
    assert phone.locator("main a", has_text="Work tasks").count() >= 1
    assert phone.locator("li[data-testid^=task-] .badge", has_text="Not started").count() == tasks_n
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "governance-plan-phone-en")
    phone_ctx.add_cookies([{"name": "django_language", "value": "zh-hans", "url": demo_server},
                           {"name": "lc_large", "value": "1", "url": demo_server}])
    phone.goto(plan_url)
    assert "large-text" in (phone.get_attribute("html", "class") or "")
    assert phone.locator("li[data-testid^=task-] .badge", has_text="未启动").count() == tasks_n
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "governance-plan-phone-large")
    phone_ctx.close()


# --- 2 to 6: a reporting round, a return filled on a phone, returned and resubmitted, the lock, the report -------

QUARTERLY = ROOT / "src" / "learncity" / "governance" / "forms" / "quarterly.json"
ANSWERS = {"courses": "12", "activities": "8", "participants": "640", "staff_trained": "120", "funds_total": "35.50",
           "funds_by_source.budget.amount": "20.00", "funds_by_source.unit_own.amount": "10.50",
           "funds_by_source.social.amount": "5.00", "summary": "本季度开展职业技能公益课程和社区讲座，覆盖各县（市）区。"}


def _open_round(office, demo_server: str, title: str, deadline: datetime.datetime) -> tuple[str, str]:
    """The city office opens a round of the quarterly form for the demo reporter's member unit and the first
    district's committee, with the given deadline. Returns the round's URL and the member unit's name."""
    office.goto(demo_server + "/governance/reports/")
    form = office.locator("[data-testid^=report-form-]", has_text=json.loads(QUARTERLY.read_text())["title"])
    form.locator("a", has_text="发起报送").click()
    office.wait_for_url(re.compile(r"/governance/report-forms/\d+/rounds/new/$"))
    today = _server_today()
    first_month = 3 * ((today.month - 1) // 3) + 1  # this quarter, in whole months as the monitoring reads them
    quarter_end = datetime.date(today.year, first_month + 2, calendar.monthrange(today.year, first_month + 2)[1])
    office.fill("input[name=title]", title)
    office.fill("input[name=period_start]", datetime.date(today.year, first_month, 1).isoformat())
    office.fill("input[name=period_end]", quarter_end.isoformat())
    office.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    for box in office.locator("input[name=member_unit_ids]").all():
        box.uncheck()
    unit = office.locator("label", has=office.locator("input[name=member_unit_ids]"), has_text="人力资源和社会保障局")
    unit.locator("input").check()
    unit_name = unit.inner_text().strip()
    office.locator("label", has=office.locator("input[name=committee_ids]")).first.locator("input").check()
    office.click("[data-testid=report-round-new] button[type=submit]")
    office.wait_for_url(re.compile(r"/governance/rounds/\d+/$"))
    assert office.locator("[data-testid^=round-return-]").count() == 2
    return office.url, unit_name


def _fill(page, answers: dict[str, str]) -> None:
    for path, value in answers.items():
        field = page.locator(f"[data-testid=return-form] [name='d.{path}']")
        field.fill(value)


def _consolidation_read_back(office, tmp_path: Path, title: str, unit_name: str) -> None:
    """The round's consolidated report downloaded from its page as .docx and as PDF, each opened back: the unit's
    row of figures in the Word tables, its figures and the round's title in the PDF's text."""
    with office.expect_download() as caught:
        office.click("a:has-text('.docx')")
    docx_path = tmp_path / "consolidation.docx"
    caught.value.save_as(docx_path)
    rows = [[c.text.strip() for c in r.cells] for t in docx.Document(str(docx_path)).tables for r in t.rows]
    unit_rows = [r for r in rows if r and r[0] == unit_name]
    assert any({"12", "8", "680", "120", "35.50"} <= set(r) for r in unit_rows), unit_rows
    assert any(r[0] == unit_name and r[1] == "已采纳" for r in rows)  # the status table
    assert any(r[0].endswith("终身教育促进委员会") and r[1] == "未报送" for r in rows)  # the district never submitted
    with office.expect_download() as caught:
        office.click("a:has-text('PDF')")
    pdf_path = tmp_path / "consolidation.pdf"
    caught.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert title in text and "680" in text and "35.50" in text


def test_a_round_a_return_on_a_phone_returned_resubmitted_accepted_the_lock_and_the_report(  # noqa: PLR0915 (a journey is one script of steps)
        demo_server, browser, shot, tmp_path):
    office_ctx, reporter_ctx, district_ctx = (browser.new_context(**DESKTOP), browser.new_context(**PHONE),
                                              browser.new_context(**PHONE))
    office, reporter, district = (ctx.new_page() for ctx in (office_ctx, reporter_ctx, district_ctx))
    for pg in (office, reporter, district):
        pg.set_default_timeout(30_000)
    title = f"{_server_today().year}年季度报送 E2E-{uuid.uuid4().hex[:6]}"
    # The nearest deadline the round's form takes (minutes): time for the unit's first submission before it
    deadline = (_local_now() + datetime.timedelta(seconds=150)).replace(second=0, microsecond=0) \
        + datetime.timedelta(minutes=1)

    # 2. The office opens a round for the reporter's member unit and the first district's committee
    sign_in(office, demo_server, "city_admin")
    round_url, unit_name = _open_round(office, demo_server, title, deadline)
    shot(office, "governance-report-round-opened")

    # 3. The unit's reporter, on a phone, finds the return among their unit's and fills it: a bad cell first
    sign_in(reporter, demo_server, "reporter")
    reporter.goto(demo_server + "/governance/reports/")
    mine = reporter.locator("[data-testid=returns-mine] li", has_text=title)
    assert mine.locator(".badge").inner_text().strip() == "未报送"
    mine.locator("a").click()
    reporter.wait_for_url(re.compile(r"/governance/returns/\d+/$"))
    return_url = reporter.url
    _fill(reporter, ANSWERS | {"funds_by_source.social.amount": "-5"})
    reporter.click("[data-testid=submit]")
    cell = reporter.locator("[data-testid='error-d.funds_by_source.social.amount']")
    assert "经费来源·社会投入·金额" in cell.inner_text() and "-5" in cell.inner_text()
    assert reporter.input_value("[name='d.participants']") == "640"  # what was typed is kept
    assert reporter.evaluate("document.documentElement.scrollWidth") <= 390
    shot(reporter, "governance-return-bad-cell-phone")
    reporter.fill("[name='d.funds_by_source.social.amount']", "5.00")
    with reporter.expect_navigation():
        reporter.click("[data-testid=submit]")
    assert reporter.inner_text("[data-testid=return-state]").strip() == "已报送"
    assert reporter.locator("[data-testid=submit]").count() == 0

    # 4. The office returns it with a comment; the reporter reads 退回修改 and the comment, fixes, resubmits
    comment = "参与人次与活动台账不一致，请核对后重新报送。"
    office.goto(return_url)
    office.fill("[data-testid=decide] textarea[name=comment]", comment)
    with office.expect_navigation():
        office.click("[data-testid=decide] button[value='0']")
    assert office.inner_text("[data-testid=return-state]").strip() == "退回修改"
    reporter.goto(demo_server + "/governance/reports/")
    mine = reporter.locator("[data-testid=returns-mine] li", has_text=title)
    assert "退回修改" in mine.locator(".badge").inner_text() and comment in mine.inner_text()
    mine.locator("a").click()
    assert comment in reporter.inner_text("[data-testid=return-comment]")
    shot(reporter, "governance-return-returned-phone")
    reporter.fill("[name='d.participants']", "680")
    with reporter.expect_navigation():
        reporter.click("[data-testid=submit]")
    assert reporter.inner_text("[data-testid=return-state]").strip() == "已报送"
    office.goto(return_url)
    with office.expect_navigation():
        office.click("[data-testid=decide] button[value='1']")
    assert office.inner_text("[data-testid=return-state]").strip() == "已采纳"
    history = office.inner_text("[data-testid=history]")
    assert history.count("报送") >= 2 and comment in history

    # 5. The district's return, opened and filled before the deadline, is refused once the deadline has passed
    sign_in(district, demo_server, "district_admin")
    district.goto(round_url)
    district.locator("[data-testid^=round-return-]", has_text="终身教育促进委员会").locator("a").click()
    district.wait_for_url(re.compile(r"/governance/returns/\d+/$"))
    late_url = district.url
    _fill(district, ANSWERS)
    wait = (deadline - _local_now()).total_seconds() + 2
    assert wait > 0, "the unit's submissions took longer than the round's deadline allows"
    district.wait_for_timeout(wait * 1000)
    district.click("[data-testid=submit]")
    assert "截止" in district.inner_text("[data-testid=form-errors]")
    district.goto(late_url)
    assert district.locator("[data-testid=locked]").count() == 1
    assert district.locator("[data-testid=submit]").count() == 0
    shot(district, "governance-return-locked-phone")

    # 6. The office downloads the round's consolidated report, and finds the unit's figures in it
    office.goto(round_url)
    assert office.locator("[data-testid^=round-return-] [data-testid=late]").count() == 1  # the district's
    shot(office, "governance-report-round-done")
    _consolidation_read_back(office, tmp_path, title, unit_name)

    for ctx in (office_ctx, reporter_ctx, district_ctx):
        ctx.close()


# --- 7, 8: an inspection visit scored on a phone; its finding sent to rectification ------------------------------

def _open_round_with_a_visit(office, demo_server: str, title: str) -> tuple[str, str]:
    """The city office organises a round under its community-school standard and sends the inspector to the first
    community school it offers (one of the first district's). Returns the round's URL and the school's name."""
    office.goto(demo_server + "/governance/inspections/")
    office.locator("[data-testid=standards] [data-testid^=round-new-]").first.click()
    office.wait_for_url(re.compile(r"/governance/committees/\d+/inspections/new/$"))
    office.select_option("#r-standard", label=STANDARD_TITLE)
    today = _server_today()
    office.fill("#r-title", title)
    office.fill("#r-year", str(today.year))
    office.fill("#r-start", today.isoformat())
    office.fill("#r-end", min(today + datetime.timedelta(days=14), datetime.date(today.year, 12, 31)).isoformat())
    office.click("[data-testid=round-form] button[type=submit]")
    office.wait_for_url(re.compile(r"/governance/inspections/\d+/$"))
    round_url = office.url
    assert office.inner_text("[data-testid=round-state]").strip() == "进行中"
    school = office.locator("#a-target optgroup").nth(1).locator("option").first
    school_name = school.inner_text().rsplit(" (", 1)[0].strip()
    assert "社区学校" in school.inner_text()
    office.select_option("#a-inspector", label=office.locator("#a-inspector option", has_text="督导").first.inner_text())
    office.select_option("#a-target", value=school.get_attribute("value"))
    office.click("[data-testid=assign-form] button[type=submit]")
    office.wait_for_url(round_url)
    assert office.locator("[data-testid^=visit-row-]", has_text=school_name).count() == 1
    return round_url, school_name


def _score_every_criterion(inspector, finding: str) -> int:
    """The inspector scores each criterion on the visit page, one card a time, a photo for those that ask for
    evidence; the first one short of its points, with a finding to rectify. Returns the number of criteria."""
    cards = inspector.locator("[data-testid^=criterion-]")
    n = cards.count()
    for position in range(1, n + 1):
        card = inspector.locator(f"[data-testid=criterion-{position}]")
        points = Decimal(card.locator("input[name=score]").get_attribute("max"))
        card.locator("input[name=score]").fill(str(points - 1 if position == 1 else points))
        if position == 1:
            card.locator("textarea[name=finding]").fill(finding)
            card.locator("input[name=rectify]").check()
        if "佐证材料" in card.locator("p.muted").nth(1).inner_text():
            card.locator("input[name=evidence]").set_input_files(
                files=[{"name": f"现场照片-{position}.png", "mimeType": "image/png", "buffer": bar_chart_png([3, 5, 2])}])
        with inspector.expect_navigation():
            card.locator("button[type=submit]").click()
        inspector.locator(f"[data-testid=mark-{position}]").wait_for()
    return n


def test_an_inspector_scores_a_school_on_a_phone_and_its_finding_goes_to_the_district(demo_server, browser, shot):  # noqa: PLR0915 (a journey is one script of steps)
    office_ctx, inspector_ctx, district_ctx = (browser.new_context(**DESKTOP), browser.new_context(**PHONE),
                                               browser.new_context(**PHONE))
    office, inspector, district = (ctx.new_page() for ctx in (office_ctx, inspector_ctx, district_ctx))
    for pg in (office, inspector, district):
        pg.set_default_timeout(30_000)
    title = f"社区学校示范校复评 E2E-{uuid.uuid4().hex[:6]}"
    finding = "分管领导和专门负责人未见任命文件，职责分工表缺失。"

    # Given the office's round, with the demo's inspector sent to a community school of the first district
    sign_in(office, demo_server, "city_admin")
    round_url, school = _open_round_with_a_visit(office, demo_server, title)
    shot(office, "governance-inspection-round-assigned")

    # When the inspector opens the visit on a phone, from their visits
    sign_in(inspector, demo_server, INSPECTOR)
    inspector.goto(demo_server + "/governance/inspections/")
    visit = inspector.locator("[data-testid=my-visits] li", has_text=title).locator("[data-testid^=visit-]")
    assert visit.inner_text().strip() == school
    visit.click()
    inspector.wait_for_url(re.compile(r"/governance/inspection-visits/\d+/$"))
    assert inspector.evaluate("document.documentElement.scrollWidth") <= 390
    shot(inspector, "governance-inspection-visit-phone")

    # Then a score over the criterion's maximum is refused, naming the criterion, and nothing is scored
    first = inspector.locator("[data-testid=criterion-1]")
    points = Decimal(first.locator("input[name=score]").get_attribute("max"))
    first.locator("input[name=score]").fill(str(points + 1))
    first.locator("button[type=submit]").click()
    errors = inspector.locator("[data-testid=criterion-1] [data-testid=score-errors]")
    assert "第 1 项「" in errors.inner_text() and f"0 到 {points.normalize():f} 之间" in errors.inner_text()
    assert inspector.locator("[data-testid^=mark-]").count() == 0
    shot(inspector, "governance-inspection-score-refused")

    # When they score every criterion (a finding to rectify on the first) and submit
    n = _score_every_criterion(inspector, finding)
    assert inspector.locator("[data-testid^=mark-]").count() == n
    assert "需要整改" in inspector.inner_text("[data-testid=mark-1]")
    with inspector.expect_navigation():
        inspector.click("[data-testid=submit-form] button[type=submit]")
    assert inspector.inner_text("[data-testid=visit-state]").strip() == "已提交"
    assert inspector.locator("[data-testid=submit-form]").count() == 0  # no more changes
    shot(inspector, "governance-inspection-submitted-phone")

    # Then the office sends the finding to rectification, a task led by the school's district committee
    office.goto(round_url)
    row = office.locator("[data-testid^=finding-]", has_text=finding)
    assert school in row.inner_text()
    today = _server_today()
    due = min(today + datetime.timedelta(days=14), datetime.date(today.year, 12, 31)).isoformat()  # the round's year
    row.locator("input[name=due_on]").fill(due)
    with office.expect_navigation():
        row.locator("button[type=submit]").click()
    task_link = office.locator("[data-testid^=finding-]", has_text=finding).locator("[data-testid^=rectification-]")
    task_title = task_link.inner_text().split(":", 1)[1].strip()
    assert task_title.startswith(f"整改：{school}")
    shot(office, "governance-inspection-rectification")
    task_link.click()
    office.wait_for_url(re.compile(r"/governance/tasks/\d+/$"))
    task_url = office.url
    assert finding in office.inner_text("main")
    district_name = DISTRICT_COMMITTEE.search(office.inner_text("main")).group(0)

    # And the district's administrator finds it among their tasks, on their phone
    sign_in(district, demo_server, "district_admin")
    district.goto(demo_server + "/governance/tasks/?mine=1")
    mine = district.locator("li[data-testid^=task-]").filter(
        has=district.locator(f"a[href='{task_url.removeprefix(demo_server)}']"))
    assert mine.count() == 1
    assert task_title in mine.inner_text() and due in mine.inner_text()
    assert district_name in mine.inner_text()
    shot(district, "governance-rectification-district-phone")
    district.goto(task_url)
    assert finding in district.inner_text("main")

    for ctx in (office_ctx, inspector_ctx, district_ctx):
        ctx.close()
