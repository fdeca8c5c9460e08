"""The committee's year in a real browser: the city office imports a year's work points from the published
document, deciding every name the committee does not know, and reads its plan's items and tasks."""

import re
from pathlib import Path

from tests.e2e.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
DAZHOU_2014 = ROOT / "src" / "learncity" / "demo" / "seeds" / "dazhou_2014_work_points.txt"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
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
