"""Provider intake in a real browser, on a phone: a community school's staff member downloads the xlsx template,
fills it in with six learning records of a real demo resident, two of them wrong (a future date, negative hours),
uploads it all-or-nothing and sees it rejected, reads the error report (each error beside its row), fixes the two
rows, uploads it again and sees six new records, uploads the same file once more and sees six duplicates; the
learner then finds the six records recognised in their learning account under CE-COURSE."""

import datetime
import re
import uuid
from pathlib import Path

from openpyxl import load_workbook

from tests.e2e.conftest import nav_to, sign_in

PHONE = {"viewport": {"width": 412, "height": 915}, "locale": "zh-CN"}
HEADERS = ["记录编号", "身份证号码", "姓名", "学习类型", "课程代码", "课程类别", "学习内容", "学时", "成绩", "学习日期"]
FINISHED = "[data-testid=job-progress]:not([data-status=queued]):not([data-status=running])"
FIRST_ROW = 3  # the template's header is row 1 and its example row 2 (kept: the example is skipped on import)


def test_template_bad_rows_error_report_fix_reupload_and_recognised_outcomes(demo_server, browser, shot, tmp_path):  # noqa: PLR0915 (a journey is one script of steps)
    learner_ctx, staff_ctx = (browser.new_context(**PHONE) for _ in range(2))
    learner, staff = learner_ctx.new_page(), staff_ctx.new_page()
    for pg in (learner, staff):
        pg.set_default_timeout(20_000)
    tag = uuid.uuid4().hex[:8].upper()

    # The learner's own name and full ID number, as only the learner may see them (a real demo resident)
    sign_in(learner, demo_server, "learner")
    learner.goto(demo_server + "/people/me/")
    name = learner.inner_text("dl.facts dd").strip()
    learner.click("[data-testid=reveal]")
    id_number = learner.inner_text("[data-testid=id-revealed]").strip()
    assert re.fullmatch(r"\d{17}[\dX]", id_number)

    # 1. The staff member finds the upload page from course management, and downloads the xlsx template
    sign_in(staff, demo_server, "staff")
    nav_to(staff, "课程管理")
    staff.click("[data-testid=intake-link]")
    staff.wait_for_url(demo_server + "/intake/")
    assert "鼓东街道社区学校" in staff.inner_text("[data-testid=upload-form]")
    with staff.expect_download() as caught:
        staff.click("[data-testid=template-xlsx]")
    template = caught.value
    assert template.suggested_filename == "学习记录模板.xlsx"
    shot(staff, "intake-upload")

    template.save_as(tmp_path / template.suggested_filename)
    wb = load_workbook(tmp_path / template.suggested_filename)
    ws = wb.active
    assert ws.title == "学习记录"
    assert [c.value for c in ws[1]] == HEADERS
    assert str(ws.cell(row=2, column=1).value).startswith("示例")

    # 2. Six records of the learner from it, two of them wrong: a date in the future, negative hours
    today = datetime.date.today()
    records = [{"ext": f"E2E-{tag}-{i}", "title": f"社区智能手机课堂第{i}讲 E2E-{tag}", "hours": 4 + 2 * i,
                "date": today - datetime.timedelta(days=30 + 7 * i)} for i in range(1, 7)]
    future, negative = records[1], records[4]
    for i, r in enumerate(records):
        hours = -6 if r is negative else r["hours"]
        day = today + datetime.timedelta(days=30) if r is future else r["date"]
        row = [r["ext"], id_number, name, "课程结业", None, "社区教育", r["title"], hours, 90 if i % 2 else None, day]
        for col, value in enumerate(row, start=1):
            ws.cell(row=FIRST_ROW + i, column=col, value=value)
    upload = tmp_path / f"鼓东街道社区学校学习记录-{tag}.xlsx"
    wb.save(upload)

    # 3. Uploaded all-or-nothing: the whole file is rejected, with the two rows counted invalid
    submit(staff, upload, demo_server)
    assert status(staff) == "rejected"
    assert count(staff, "rows-invalid") == 2
    assert count(staff, "rows-new") == 0 and count(staff, "recognised") == 0
    assert "没有接收任何记录" in staff.inner_text("[data-testid=job-progress]")
    assert "共 6 行，其中 2 行有错误" in staff.inner_text("[data-testid=job-message]")
    shot(staff, "intake-job-rejected")

    # 4. The error report puts each error beside its row (the row number as the file has it)
    with staff.expect_download() as caught:
        staff.click("[data-testid=job-report]")
    report = caught.value
    assert report.suggested_filename.endswith(".xlsx")
    report.save_as(tmp_path / report.suggested_filename)
    sheet = load_workbook(tmp_path / report.suggested_filename).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == ["行号", *HEADERS, "结果", "错误"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {r["ext"] for r in records}
    for i, r in enumerate(records):
        row_no, *_cells, result, error = rows[r["ext"]]
        assert row_no == FIRST_ROW + i
        if r is future:
            assert result == "有错误，未接收" and "学习日期" in error and "在未来" in error and "学时" not in error
        elif r is negative:
            assert result == "有错误，未接收" and "学时" in error and "超出范围" in error and "学习日期" not in error
        else:
            assert result == "正确，但整个文件未接收" and not error

    # 5. The two rows fixed in the same file, uploaded again: done, six new records, all recognised
    for i, r in enumerate(records):
        ws.cell(row=FIRST_ROW + i, column=8, value=r["hours"])
        ws.cell(row=FIRST_ROW + i, column=10, value=r["date"])
    wb.save(upload)
    submit(staff, upload, demo_server)
    assert status(staff) == "done"
    assert (count(staff, "rows-new"), count(staff, "rows-duplicate"), count(staff, "rows-invalid")) == (6, 0, 0)
    assert count(staff, "recognised") == 6
    assert "已跳过模板的示例行 1 行" in staff.inner_text("[data-testid=job-message]")
    shot(staff, "intake-job-done")

    # 6. The same file once more: nothing twice
    submit(staff, upload, demo_server)
    assert status(staff) == "done"
    assert (count(staff, "rows-new"), count(staff, "rows-duplicate"), count(staff, "rows-changed")) == (0, 6, 0)
    assert count(staff, "recognised") == 0
    shot(staff, "intake-job-duplicate")

    staff.click("[data-testid=intake-nav] a:has-text('报送记录')")
    mine = staff.locator("[data-testid=job-row]", has_text=upload.name)
    assert mine.count() == 3

    # 7. The learner sees the six records among their recognised outcomes, under CE-COURSE
    nav_to(learner, "我的学习账户")
    learner.wait_for_url(demo_server + "/credits/")
    outcomes = learner.locator("[data-testid=outcomes-training]")
    for r in records:
        row = outcomes.locator("[data-testid^=outcome-]", has_text=r["title"])
        assert row.count() == 1
        text = row.inner_text()
        assert "CE-COURSE" in text and "鼓东街道社区学校" in text and r["date"].isoformat() in text
    shot(learner, "intake-credits")

    for ctx in (learner_ctx, staff_ctx):
        ctx.close()


def submit(page, path: Path, base: str) -> None:
    """Upload the file all-or-nothing from the upload page, and wait on the job page until the job has finished."""
    page.goto(base + "/intake/")
    page.check("input[name=mode][value=all]")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base) + r"/intake/jobs/\d+/$"))
    assert f"已收到文件「{path.name}」" in page.inner_text("main")
    page.locator(FINISHED).wait_for(timeout=90_000)  # the page polls itself (HTMX) while the worker runs


def status(page) -> str:
    return page.get_attribute("[data-testid=job-progress]", "data-status")


def count(page, testid: str) -> int:
    return int(page.inner_text(f"[data-testid={testid}]"))
