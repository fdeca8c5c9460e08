"""The committee's year in a real browser: the city office imports a year's work points from the published
document, deciding every name the committee does not know, and reads its plan's items and tasks."""

import datetime
import re
import uuid
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

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


# --- 7, 8: an inspection visit scored on a phone; its finding sent to rectification ------------------------------

def _server_today() -> datetime.date:
    """The server's today (settings.TIME_ZONE), which dates typed into its forms are checked against."""
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


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
