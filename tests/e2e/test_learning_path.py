"""The whole learning path in a real browser: staff publish a course; a learner searches, enrolls and checks in
by the session's QR link; staff mark the learner completed; the learner sees the hours in My learning."""

import datetime
import re

from tests.e2e.conftest import sign_in


def test_search_enroll_check_in_complete_and_see_the_hours(demo_server, browser, shot):  # noqa: PLR0915 (a journey is one script of steps)
    staff_ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")
    learner_ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="zh-CN")
    staff, learner = staff_ctx.new_page(), learner_ctx.new_page()
    for pg in (staff, learner):
        pg.set_default_timeout(20_000)
    today = datetime.date.today()

    # Staff of 鼓东街道社区学校 create a course, give it a session today and publish it
    sign_in(staff, demo_server, "staff")
    staff.goto(demo_server + "/learn/manage/courses/new/")
    staff.fill("#id_code", "E2E-SHUFA-01")
    staff.fill("#id_title", "端到端书法体验课")
    staff.select_option("#id_kind", "culture")
    staff.fill("#id_term", "2026秋")
    staff.fill("#id_hours", "2")
    staff.fill("#id_fee", "0")
    staff.fill("#id_capacity", "30")
    staff.click("button[type=submit]:has-text('保存')")
    staff.wait_for_selector("h1:has-text('端到端书法体验课')")
    course_url = staff.url
    staff.fill("#id_date", today.isoformat())
    staff.fill("#id_start", "09:00")
    staff.fill("#id_end", "11:00")
    staff.fill("#id_venue_id", staff.locator("#venue-options option").first.get_attribute("value"))  # the venue picker
    staff.fill("#id_room", "E2E教室")
    staff.click("button[type=submit]:has-text('添加')")
    staff.wait_for_selector("text=签到与结业")
    staff.click("[data-testid=publish]")
    staff.wait_for_selector("h1 .badge:has-text('已发布')")

    # The learner finds it with a two-character query, and enrolls
    sign_in(learner, demo_server, "learner")
    learner.goto(demo_server + "/learn/")
    learner.fill("#q", "书法")
    learner.click("[data-testid=search-submit]")
    learner.wait_for_selector("[data-testid=result]")
    learner.click("[data-testid=result] a:has-text('端到端书法体验课')")
    learner.wait_for_selector("[data-testid=enroll]")
    shot(learner, "course-page")
    learner.click("[data-testid=enroll]")
    learner.wait_for_selector("text=报名成功")
    assert learner.inner_text("[data-testid=seats]").startswith("1 /")

    # Staff open the session's sheet; the QR code carries a signed check-in link
    staff.goto(course_url)
    staff.click("text=签到与结业")
    staff.wait_for_selector("[data-testid=qr] svg")
    checkin_url = staff.get_attribute("[data-testid=checkin-url]", "href")
    assert re.search(r"/learn/checkin/\?t=", checkin_url)
    shot(staff, "session-sheet-qr")

    # The learner opens the link (as the phone's camera would) and confirms
    learner.goto(checkin_url)
    learner.click("[data-testid=checkin-confirm]")
    learner.wait_for_selector("[data-testid=checked-in]")

    # A forged token is refused
    learner.goto(checkin_url[:-3] + "xyz")
    learner.click("[data-testid=checkin-confirm]")
    assert "签到码无效" in learner.inner_text("[data-testid=checkin-error]")

    # Staff mark the learner completed, with hours and a score
    staff.reload()
    row = staff.locator("tr", has_text=learner_name(learner_ctx, demo_server))
    row.locator("input[name=complete]").check()
    row.locator("input[name^=score_]").fill("92")
    staff.click("[data-testid=complete-submit]")
    staff.wait_for_selector("text=已结业 1 人")

    # The learner sees the hours in My learning
    learner.goto(demo_server + "/learn/me/")
    records = learner.inner_text("[data-testid=records]")
    assert "端到端书法体验课" in records and "课程结业" in records and "92" in records
    shot(learner, "my-learning")
    staff_ctx.close()
    learner_ctx.close()


def learner_name(context, base) -> str:
    page = context.new_page()
    page.goto(base + "/people/me/")
    name = page.inner_text("dl.facts dd")
    page.close()
    return name.strip()
