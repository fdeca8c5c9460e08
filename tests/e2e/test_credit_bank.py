"""The credit bank in a real browser, on a phone: the demo learner reads their learning account, declares a
certificate with evidence (refused without it), an expert recognises it, the staff member's school approves the
learner's pending conversion, and the learner issues a transcript PDF that anyone can verify without signing in."""

import re
import uuid
from decimal import Decimal
from pathlib import Path

from tests.e2e.conftest import nav_to, sign_in

PHONE = {"viewport": {"width": 412, "height": 915}, "locale": "zh-CN"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_account_declaration_review_conversion_and_verified_transcript(demo_server, browser, shot, tmp_path):  # noqa: PLR0915 (a journey is one script of steps)
    learner_ctx, expert_ctx, staff_ctx, anon_ctx = (browser.new_context(**PHONE) for _ in range(4))
    learner, expert, staff, anon = (ctx.new_page() for ctx in (learner_ctx, expert_ctx, staff_ctx, anon_ctx))
    for pg in (learner, expert, staff, anon):
        pg.set_default_timeout(20_000)
    title = f"全国计算机等级考试二级证书 E2E-{uuid.uuid4().hex[:6]}"

    # The learner's own name and full ID number, as only the learner may see them
    sign_in(learner, demo_server, "learner")
    learner.goto(demo_server + "/people/me/")
    name = learner.inner_text("dl.facts dd").strip()
    learner.click("[data-testid=reveal]")
    id_number = learner.inner_text("[data-testid=id-revealed]").strip()
    assert re.fullmatch(r"\d{17}[\dX]", id_number)

    # 1. My learning account, from the main navigation: number, balances, points and star thresholds, outcomes
    nav_to(learner, "我的学习账户")
    learner.wait_for_url(demo_server + "/credits/")
    number = learner.inner_text("[data-testid=account-number]").strip()
    assert re.fullmatch(r"LA\d{10}", number)
    assert Decimal(learner.inner_text("[data-testid=total-credits]")) > 0
    vocational_before = vocational_balance(learner)
    assert Decimal(learner.inner_text("[data-testid=points]")) > 0
    for key in ("points", "hours_year", "credits"):
        assert re.search(r"\d+(\.\d+)?\s*/\s*\d+", learner.inner_text(f"[data-testid=threshold-{key}]"))
    assert "全国计算机等级考试一级证书" in learner.inner_text("[data-testid=outcomes-vocational]")
    assert "智能手机应用（结业）" in learner.inner_text("main")
    shot(learner, "credit-account")

    # 2. Declare an NCRE-2 certificate: without evidence it is refused beside the evidence field, and not added
    learner.goto(demo_server + "/credits/declarations/")
    declarations_before = learner.locator("[data-testid^=declaration-]").count()
    learner.select_option("#id_standard", "NCRE-2")
    learner.select_option("#id_kind", "certificate")
    learner.fill("#id_title", title)
    learner.fill("#id_issuer", "教育部教育考试院")
    learner.fill("#id_date", "2025-03-15")
    learner.fill("#id_hours", "40")
    learner.fill("#id_score", "88")
    learner.click("[data-testid=declare]")
    assert "至少一份证明材料" in learner.inner_text("[data-testid=error-evidence]")
    assert learner.locator("[data-testid^=declaration-]").count() == declarations_before
    assert learner.locator(f"text={title}").count() == 0
    assert learner.input_value("#id_title") == title  # what was typed is kept

    evidence = tmp_path / "计算机二级证书.pdf"
    evidence.write_bytes(PDF)
    learner.set_input_files("#id_evidence", str(evidence))
    learner.click("[data-testid=declare]")
    learner.wait_for_selector(f"text=已提交申报「{title}」")
    card = learner.locator("[data-testid^=declaration-]", has_text=title)
    assert learner.locator("[data-testid^=declaration-]").count() == declarations_before + 1
    assert "待审核" in card.inner_text() and "计算机二级证书.pdf" in card.inner_text()

    # 3. The expert finds it in the review queue and recognises it, with a reason the learner reads
    sign_in(expert, demo_server, "expert")
    expert.goto(demo_server + "/credits/review/")
    pending = expert.locator("[data-testid=declaration]", has_text=title)
    assert number in pending.inner_text() and "计算机二级证书.pdf" in pending.inner_text()
    reason = "证书编号经考试院查询一致，符合 NCRE-2 认定标准"
    pending.locator("textarea[name=reason]").fill(reason)
    pending.locator("button[name=decision][value=approve]").click()
    decided = expert.locator("[data-testid=declaration]", has_text=title)
    decided.locator(".badge:has-text('已认定')").wait_for()
    assert reason in decided.locator("[data-testid=reason]").inner_text()

    learner.reload()
    card = learner.locator("[data-testid^=declaration-]", has_text=title)
    assert "已认定" in card.locator(".badge").inner_text()
    assert reason in card.locator("[data-testid=reason]").inner_text()
    learner.goto(demo_server + "/credits/")
    assert vocational_balance(learner) == vocational_before + Decimal("6")
    assert title in learner.inner_text("[data-testid=outcomes-vocational]")

    # 4. The staff member's school approves the learner's pending conversion (rule R-CE-CERT)
    sign_in(staff, demo_server, "staff")
    staff.goto(demo_server + "/credits/inbox/")
    application = staff.locator("[data-testid=conversion]", has_text=number).filter(has_text="R-CE-CERT")
    assert application.count() == 1
    approval = "学习成果真实，符合社区教育结业证书的转换条件"
    application.locator("textarea[name=reason]").fill(approval)
    application.locator("button[name=decision][value=approve]").click()
    decided = staff.locator("#" + application.get_attribute("id"))
    decided.locator(".badge:has-text('已转换')").wait_for()
    assert approval in decided.locator("[data-testid=reason]").inner_text()

    learner.goto(demo_server + "/credits/conversions/")
    row = learner.locator("[data-testid^=application-]", has_text="R-CE-CERT")
    assert row.count() == 1
    assert "已转换" in row.locator(".badge").inner_text() and approval in row.inner_text()

    # 5. A transcript is issued as a PDF; its verification page, opened by anyone, says it holds
    learner.goto(demo_server + "/credits/transcript/")
    issued_before = learner.locator("[data-testid=issued] tbody tr").count()
    with learner.expect_download() as caught:
        learner.click("[data-testid=issue-transcript]")
    download = caught.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    learner.reload()
    rows = learner.locator("[data-testid=issued] tbody tr")
    assert rows.count() == issued_before + 1
    verify_url = demo_server + rows.first.locator("a:has-text('核验')").get_attribute("href")
    token = rows.first.locator("td.mono").inner_text().strip()
    assert verify_url.endswith(f"/credits/verify/{token}/")

    anon.goto(verify_url)
    assert anon.locator("[data-testid=verdict]").get_attribute("data-valid") == "1"
    assert "有效" in anon.inner_text("[data-testid=verdict]")
    assert anon.inner_text("[data-testid=token]").strip() == token
    assert anon.inner_text("[data-testid=holder-name]").strip() == name
    masked = id_number[:6] + "*" * 8 + id_number[-4:]
    assert anon.inner_text("[data-testid=holder-id]").strip() == masked
    assert id_number not in anon.content()
    assert title in anon.inner_text("main")
    assert "R-CE-CERT" in anon.inner_text("main")  # the approved conversion is stated
    assert anon.locator("a:has-text('我的学习账户')").count() == 0  # nobody is signed in
    shot(anon, "credit-transcript-verified")

    for ctx in (learner_ctx, expert_ctx, staff_ctx, anon_ctx):
        ctx.close()


def vocational_balance(page) -> Decimal:
    card = page.locator("[data-testid=balances] .card", has_text="职业资格与技能")
    return Decimal(card.locator(".stat").inner_text())
