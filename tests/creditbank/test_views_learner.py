"""The learner's pages of the credit bank (/credits/...) and the public verification page of a transcript.

The tests state their own world: the 达州 city of tests/portal/world.py, with the credit bank of
tests/creditbank/factories.py (its course standard and conversion rule) and the learner's history there. Each test
makes its own standard (accrediting the world staff's community school) and recognises a learning record of the
world's learner under it through the catalog's `learning_record_create`, so the pages show exactly what the test
made; a resident without an account is a new one of the world's street."""

import datetime
from decimal import Decimal
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learncity.catalog.models import Course, CourseKind, CourseState, Mode
from learncity.catalog.services import learning_record_create
from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Role
from learncity.creditbank import selectors, services
from learncity.creditbank.inputs import DeclarationIn, PolicyIn, RuleIn, StandardIn
from learncity.creditbank.models import (
    Conversion,
    ConversionRule,
    ConversionStatus,
    Declaration,
    DeclarationStatus,
    Evidence,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    StandardVersion,
    Transcript,
    TranscriptWithdrawal,
)
from learncity.people.models import LearnerProfile, RoleAssignment, User
from learncity.people.services import learner_profile_reveal
from tests.creditbank.factories import CONVERSION_RULE, completion, conversion_make, course_world_fixtures
from tests.people.factories import learner_make

_seq = count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _learning_history(world) -> None:
    """What the learner has done before the module's tests, as the demo learner had: a community course of 12 hours
    recognised under the world's course standard (0.75 credits), and an application to convert it by the world's
    rule, pending with the school."""
    conversion_make(world)
    earlier = Outcome.objects.get(learning_record=completion(world.staff, world.learner_profile, hours="12"))
    services.conversion_apply(actor=world.learner, rule=ConversionRule.objects.get(code=CONVERSION_RULE),
                              outcome_ids=[earlier.pk])


world_built, world = course_world_fixtures(then=_learning_history)


def staff_institution(users):
    return RoleAssignment.objects.get(user=users["staff"], role=Role.INSTITUTION_STAFF).institution


def standard_make(users, city, *, name: str, credit_class: str = "training", credits: str = "2") -> StandardVersion:
    """A standard of the city accrediting the staff's institution, made by the city administrator (`users`: the
    world's users by role, world.users)."""
    return services.standard_create(actor=users["city_admin"], city=city, data=StandardIn(
        code=f"LV-{next(_seq):04d}", providers=[staff_institution(users).code], name=name, credit_class=credit_class,
        level=3, credits=credits, min_hours="0", record_kinds=["completion"], effective_from="2020-01-01"))


def outcome_make(users, version: StandardVersion, *, learner: LearnerProfile | None = None, title: str = "社区普法讲堂",
                 hours: str = "12", days_ago: int = 30) -> Outcome:
    """A completion record by the staff for a course that names the standard: recognised at once."""
    institution = staff_institution(users)
    n = next(_seq)
    course = Course.objects.create(institution=institution, code=f"LV-C-{n:05d}", title=title, kind=CourseKind.LAW,
                                   mode=Mode.OFFLINE, hours=Decimal(hours), capacity=30, state=CourseState.PUBLISHED,
                                   term="2030秋", outcome_standard_code=version.standard.code)
    record = learning_record_create(
        actor=users["staff"], learner=learner or users["learner"].learner_profile, provider=institution,
        kind="completion", title=title, hours=hours, date=timezone.localdate() - datetime.timedelta(days=days_ago),
        source="page", external_id=f"LV-R-{n:05d}", course=course, course_kind=CourseKind.LAW)
    return Outcome.objects.get(learning_record=record)


@pytest.fixture
def recognised(world):
    """The world's learner with one outcome under a new standard 社区法律常识课程结业 (training, 2 credits)."""
    version = standard_make(world.users, world.city, name="社区法律常识课程结业")
    outcome = outcome_make(world.users, version)
    return version, outcome


def fresh_learner(world) -> User:
    """A new resident of the world's street without a learning account, signed up as a user."""
    name = "测试居民" + "".join("零一二三四五六七八九"[int(d)] for d in str(next(_seq)))
    profile = learner_make(world.street, account=False, actor=world.admin, name=name)
    user = User.objects.create_user(username=f"lv-resident-{next(_seq)}", password="x")
    RoleAssignment.objects.create(user=user, role=Role.LEARNER)
    profile.user = user
    profile.save(update_fields=["user"])
    return user


@pytest.fixture(autouse=True)
def _cache_of_this_test():
    """Each test starts from an empty cache: the versions roll back with a test's transaction, the cache does not."""
    from django.core.cache import cache

    cache.clear()


def text(response) -> str:
    return response.content.decode()


# --- access ------------------------------------------------------------------------------------------------

LEARNER_PAGES = ["creditbank:me", "creditbank:me_transcript", "creditbank:me_declarations", "creditbank:me_conversions"]


@pytest.mark.parametrize("name", LEARNER_PAGES)
def test_each_learner_page_renders_for_the_learner_with_the_navigation_link(recognised, world, client_as, name):
    version, outcome = recognised

    response = client_as(world.learner).get(reverse(name))

    assert response.status_code == 200
    body = text(response)
    assert f'href="{reverse("creditbank:me")}">我的学习账户</a>' in body
    for tab in ("账户与学分", "学习成果证明", "成果申报", "学分转换", "核验证明"):
        assert tab in body
    if name in ("creditbank:me", "creditbank:me_transcript"):
        assert outcome.title in body and version.name in body
    if name == "creditbank:me_declarations":
        assert f'<option value="{version.standard.code}">{version.standard.code} 社区法律常识课程结业' in body


@pytest.mark.parametrize("url", [
    "/credits/", "/credits/transcript/", "/credits/declarations/", "/credits/conversions/",
    "/credits/transcripts/abcdefgh.pdf", "/credits/declarations/1/evidence/1/",
])
def test_anonymous_visitors_are_sent_to_sign_in(client_as, url):
    response = client_as(None).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next={url}"


def test_anonymous_visitors_cannot_open_an_account_or_issue_a_transcript(client_as):
    accounts, transcripts = LearningAccount.objects.count(), Transcript.objects.count()

    for url in ("/credits/open/", "/credits/transcript/"):
        response = client_as(None).post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))

    assert (LearningAccount.objects.count(), Transcript.objects.count()) == (accounts, transcripts)


def test_the_verification_pages_are_public(client_as):
    assert client_as(None).get("/credits/verify/").status_code == 200


# --- my learning account -----------------------------------------------------------------------------------

def test_a_learner_without_an_account_opens_one(world, client_as):
    user = fresh_learner(world)
    client = client_as(user)

    for url in ("/credits/", "/credits/transcript/", "/credits/conversions/"):
        assert 'data-testid="open-account"' in text(client.get(url)), url
    assert not LearningAccount.objects.filter(learner__user=user).exists()

    response = client.post("/credits/open/", follow=True)

    account = LearningAccount.objects.get(learner__user=user)
    assert (account.opened_via, account.opened_by, account.head_seq) == (OpenedVia.SELF, user, 0)
    body = text(response)
    assert f"学习账户已开设，账号 {account.number}" in body
    assert f'data-testid="account-number">{account.number}<' in body
    assert 'data-testid="open-account"' not in body


def test_a_user_without_a_learner_profile_is_told_why_no_account_can_be_opened(world, client_as):
    body = text(client_as(world.auditor).get("/credits/"))

    assert "还没有关联学习者档案" in body
    assert 'data-testid="open-account"' not in body


def test_the_account_page_shows_balances_points_star_thresholds_outcomes_and_the_ledger(recognised, world,
                                                                                        client_as):
    version, outcome = recognised
    account = outcome.account
    other = outcome_make(world.users, version, title="社区调解员培训", hours="6")
    reversal = services.outcome_reverse(actor=world.city_admin, outcome=other, reason="重复记录")

    body = text(client_as(world.learner).get("/credits/"))

    assert f'data-testid="account-number">{account.number}<' in body
    training = LearningAccount.objects.get(pk=account.pk).balance_training
    assert f'<div class="muted">非学历培训</div><div class="stat">{training}</div>' in body
    for key in ("points", "hours_year", "credits"):
        assert f'data-testid="threshold-{key}"' in body
    assert "学习积分" in body and "终身学习之星" in body and "本年度学时" in body
    # The outcome, under its class and year, with provider, hours, credits, standard and basis.
    assert 'data-testid="outcomes-training"' in body
    assert f"{outcome.date.year}年" in body
    row = body.split(f'data-testid="outcome-{outcome.pk}"')[1].split("</tr>")[0]
    for value in (outcome.title, outcome.provider_name, f"{outcome.date:%Y-%m-%d}",
                  f"{outcome.hours.normalize():f}", f"{outcome.credits.normalize():f}", f"{version.standard.code} v1 社区法律常识课程结业", outcome.basis):
        assert value in row, value
    assert "已冲正" not in row
    reversed_row = body.split(f'data-testid="outcome-{other.pk}"')[0].rsplit("<tr", 1)[1]
    assert 'class="reversed"' in reversed_row
    assert "已冲正" in body.split(f'data-testid="outcome-{other.pk}"')[1].split("</tr>")[0]
    # The ledger: newest first, with seq, reason, class, signed amount and the hash's head.
    ledger = body.split('data-testid="ledger"')[1]
    assert ledger.index(f'data-testid="entry-{reversal.seq}"') < ledger.index(f'data-testid="entry-{reversal.seq - 1}"')
    entry = ledger.split(f'data-testid="entry-{reversal.seq}"')[1].split("</tr>")[0]
    assert "冲正" in entry and "非学历培训" in entry and f"{reversal.amount.normalize():f}" in entry and reversal.amount < 0
    assert f'title="{reversal.hash}">{reversal.hash[:12]}<' in entry


def test_the_account_page_takes_as_many_queries_with_more_outcomes(recognised, world, client_as):
    version, _ = recognised
    client = client_as(world.learner)
    client.get("/credits/")
    with CaptureQueriesContext(connection) as before:
        client.get("/credits/")
    for i in range(3):
        outcome_make(world.users, version, title=f"社区普法讲堂第{i}期")
    with CaptureQueriesContext(connection) as after:
        response = client.get("/credits/")

    assert response.status_code == 200
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]


@pytest.mark.parametrize("name", [*LEARNER_PAGES, "creditbank:verify_form"])
def test_the_pages_follow_the_large_text_mode(recognised, world, client_as, name):
    client = client_as(world.learner)
    client.cookies["lc_large"] = "1"

    body = text(client.get(reverse(name)))

    assert '<html lang="zh-CN" class="large-text">' in body
    assert 'html.large-text .cb-threshold progress' in body


def test_htmx_loads_a_page_of_ledger_entries_without_the_layout(recognised, world, client_as):
    _, outcome = recognised

    response = client_as(world.learner).get("/credits/?page=1", headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and f'data-testid="entry-{outcome.account.head_seq}"' in body


# --- declarations ------------------------------------------------------------------------------------------

def declaration_post(version, **changes) -> dict:
    return {"standard": version.standard.code, "kind": "certificate", "title": "家庭教育指导师（初级）",
            "issuer": "达州市家庭教育研究会", "date": "2024-05-20", "hours": "16", "score": "88", "note": "", **changes}


def test_a_declaration_without_evidence_shows_the_error_beside_the_field_and_writes_nothing(recognised, world,
                                                                                            client_as):
    version, _ = recognised
    counts = (Declaration.objects.count(), Evidence.objects.count(), LearningAccount.objects.count())

    response = client_as(world.learner).post("/credits/declarations/", declaration_post(version, title=""))

    assert response.status_code == 400
    body = text(response)
    evidence = body.split('data-testid="field-evidence"')[1].split('data-testid="field-')[0]
    assert 'data-testid="error-evidence"' in evidence
    assert "申报学习成果必须上传至少一份证明材料（PDF、JPG 或 PNG）" in evidence
    title = body.split('data-testid="field-title"')[1].split('data-testid="field-')[0]
    assert "<li>必填</li>" in title
    assert 'value="达州市家庭教育研究会"' in body  # what was typed stays
    assert (Declaration.objects.count(), Evidence.objects.count(), LearningAccount.objects.count()) == counts


def test_a_declaration_with_a_file_that_is_not_pdf_jpg_or_png_is_refused(recognised, world, client_as):
    version, _ = recognised
    count_before = Declaration.objects.count()
    bad = SimpleUploadedFile("证书.docx", b"PK\x03\x04 not a pdf", content_type="application/pdf")

    response = client_as(world.learner).post("/credits/declarations/", {**declaration_post(version), "evidence": [bad]})

    assert response.status_code == 400
    assert "文件「证书.docx」不是 PDF、JPG 或 PNG" in text(response).split('data-testid="field-evidence"')[1]
    assert Declaration.objects.count() == count_before


def test_a_declaration_with_evidence_is_listed_and_its_files_download_for_its_learner_and_reviewers(
        recognised, world, client_as):
    version, _ = recognised
    files = [SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf"),
             SimpleUploadedFile("照片.png", PNG, content_type="image/png")]
    client = client_as(world.learner)

    response = client.post("/credits/declarations/", {**declaration_post(version), "evidence": files}, follow=True)

    declaration = Declaration.objects.get(account__learner__user=world.learner, title="家庭教育指导师（初级）")
    assert (declaration.standard, declaration.kind, declaration.hours, declaration.score, declaration.status) == (
        version.standard, "certificate", Decimal("16"), Decimal("88"), DeclarationStatus.SUBMITTED)
    assert sorted(declaration.evidence.values_list("name", "content_type", "size")) == [
        ("照片.png", "image/png", len(PNG)), ("证书.pdf", "application/pdf", len(PDF))]
    body = text(response)
    assert "已提交申报「家庭教育指导师（初级）」，请等待审核" in body
    card = body.split(f'data-testid="declaration-{declaration.pk}"')[1].split('class="card"')[0]
    assert "待审核" in card and "证书.pdf" in card and "照片.png" in card

    pdf = declaration.evidence.get(name="证书.pdf")
    url = reverse("creditbank:evidence", args=[declaration.pk, pdf.pk])
    mine = client.get(url)
    assert (mine.status_code, mine["Content-Type"], mine.content) == (200, "application/pdf", PDF)
    assert "attachment" in mine["Content-Disposition"]
    assert client_as(world.expert).get(url).content == PDF
    assert client_as(world.staff).get(url).status_code == 404
    assert client_as(fresh_learner(world)).get(url).status_code == 404
    assert client.get(reverse("creditbank:evidence", args=[declaration.pk, pdf.pk + 1000])).status_code == 404


def test_the_reviewers_reason_is_shown_with_the_declaration(recognised, world, client_as):
    version, _ = recognised
    declaration = services.declaration_submit(actor=world.learner, data=DeclarationIn(
        standard_code=version.standard.code, kind="certificate", title="茶艺师（五级）", issuer="达州市茶叶协会",
        date="2024-03-01", hours="20"), files=[("证书.pdf", PDF)])
    services.declaration_review(actor=world.expert, declaration=declaration, approve=False,
                                reason="证书照片不清晰，请补充原件扫描件")

    body = text(client_as(world.learner).get("/credits/declarations/"))

    card = body.split(f'data-testid="declaration-{declaration.pk}"')[1]
    assert "未通过" in card and "证书照片不清晰，请补充原件扫描件" in card


# --- conversions -------------------------------------------------------------------------------------------

def rule_active(world, version: StandardVersion, *, target_name: str = "社区治理") -> ConversionRule:
    """A rule of the staff's school from the standard to a programme, drafted, submitted and passed by the expert."""
    institution = staff_institution(world.users)
    rule = services.rule_create(actor=world.staff, data=RuleIn(
        code=f"LV-RULE-{next(_seq):04d}", name=f"普法课程转{target_name}专业学分",
        source_codes=[version.standard.code], target_institution_code=institution.code, target_kind="programme",
        target_name=target_name, target_class="training", ratio="0.5", cap_per_learner="10",
        effective_from="2020-01-01"))
    services.rule_submit(actor=world.staff, rule=rule)
    return services.rule_review(actor=world.expert, rule=rule, approve=True, note="来源标准与目标专业课程对应")


@pytest.fixture
def active_rule(recognised, world):
    version, _ = recognised
    return rule_active(world, version)


def test_a_learner_applies_to_convert_an_outcome_by_an_active_rule(active_rule, recognised, world, client_as):
    _, outcome = recognised
    rule = active_rule
    client = client_as(world.learner)

    page = text(client.get("/credits/conversions/"))
    card = page.split(f'data-testid="rule-{rule.code}"')[1].split('class="card"')[0]
    assert "普法课程转社区治理专业学分" in card and "社区治理" in card
    assert f'name="outcome" value="{outcome.pk}"' in card

    response = client.post("/credits/conversions/", {"rule": rule.code, "outcome": [str(outcome.pk)]}, follow=True)

    conversion = Conversion.objects.get(account=outcome.account, rule=rule)
    assert (conversion.status, conversion.credits_in, conversion.credits_out) == (
        ConversionStatus.APPLIED, Decimal("2.00"), Decimal("1.00"))
    assert list(conversion.outcomes.all()) == [outcome]
    body = text(response)
    assert f"已提交转换申请（1.00 学分），请等待 {rule.target_institution.name} 审批" in body
    row = body.split(f'data-testid="application-{conversion.pk}"')[1].split("</tr>")[0]
    assert "待审批" in row and outcome.title in row and "2 → 1" in row

    services.conversion_decide(actor=world.staff, conversion=conversion, approve=False, reason="该专业本学期不招生")
    row = text(client.get("/credits/conversions/")).split(f'data-testid="application-{conversion.pk}"')[1]
    assert "未批准" in row.split("</tr>")[0] and "该专业本学期不招生" in row.split("</tr>")[0]


def test_applying_without_choosing_an_outcome_shows_the_error_on_the_rule_and_writes_nothing(active_rule, world,
                                                                                            client_as):
    rule = active_rule
    before = Conversion.objects.count()

    response = client_as(world.learner).post("/credits/conversions/", {"rule": rule.code})

    assert response.status_code == 400
    card = text(response).split(f'data-testid="rule-{rule.code}"')[1].split('class="card"')[0]
    assert 'data-testid="rule-errors"' in card and "请选择至少一项学习成果" in card
    assert Conversion.objects.count() == before


def test_an_outcome_that_is_not_a_number_is_refused_on_the_rule_and_writes_nothing(active_rule, world, client_as):
    before = Conversion.objects.count()

    response = client_as(world.learner).post("/credits/conversions/", {"rule": active_rule.code,
                                                                           "outcome": ["1; DROP"]})

    assert response.status_code == 400
    card = text(response).split(f'data-testid="rule-{active_rule.code}"')[1].split('class="card"')[0]
    assert "「1; DROP」不是数字" in card
    assert Conversion.objects.count() == before


# --- transcripts and their verification ------------------------------------------------------------------------

def test_an_issued_transcript_is_downloaded_again_by_its_owner_only(recognised, world, client_as):
    _, outcome = recognised
    issued = services.transcript_issue(actor=world.learner, account=outcome.account)
    url = reverse("creditbank:me_transcript_pdf", args=[issued.token])

    mine = client_as(world.learner).get(url)

    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    assert mine.content.startswith(b"%PDF-")
    assert client_as(fresh_learner(world)).get(url).status_code == 404
    assert client_as(world.city_admin).get(url).status_code == 404
    page = text(client_as(world.learner).get("/credits/transcript/"))
    assert issued.token in page and reverse("creditbank:verify", args=[issued.token]) in page


def test_the_verification_page_shows_what_a_valid_transcript_states_and_not_the_full_id_number(recognised, world,
                                                                                              client_as):
    version, outcome = recognised
    learner = world.learner.learner_profile
    issued = services.transcript_issue(actor=world.learner, account=outcome.account)

    response = client_as(None).get(f"/credits/verify/{issued.token}/")

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    body = text(response)
    assert 'data-testid="verdict" data-valid="1"' in body and "该证明真实有效" in body
    assert f'data-testid="holder-name">{learner.name}<' in body
    assert f'data-testid="holder-id">{learner.id_number_masked}<' in body
    assert outcome.account.number in body and issued.token in body and issued.digest in body
    assert f'data-testid="issued-at">{timezone.localtime(issued.issued_at):%Y-%m-%d %H:%M}<' in body
    for value in (outcome.title, outcome.provider_name, outcome.basis, f"{version.standard.code} v1", "非学历培训"):
        assert value in body, value
    full = learner_profile_reveal(actor=world.learner, profile=learner)
    assert full != learner.id_number_masked and full not in body
    assert learner.phone == "" or learner.phone not in body


def test_the_verification_page_of_an_unknown_token_is_a_404_that_says_so(client_as):
    response = client_as(None).get("/credits/verify/NoSuchToken123456/")

    assert response.status_code == 404
    body = text(response)
    assert 'data-testid="not-found"' in body and "未找到该学习成果证明" in body and "证明编号有误" in body
    assert 'data-testid="verdict"' not in body


def test_a_transcript_whose_outcome_was_reversed_after_issue_is_shown_invalid_with_the_reason(recognised, world,
                                                                                             client_as):
    _, outcome = recognised
    issued = services.transcript_issue(actor=world.learner, account=outcome.account)
    services.outcome_reverse(actor=world.city_admin, outcome=outcome, reason="培训机构撤回该结业记录")

    body = text(client_as(None).get(f"/credits/verify/{issued.token}/"))

    assert 'data-testid="verdict" data-valid="0"' in body and "该证明已失效" in body
    reasons = body.split('data-testid="reasons"')[1].split("</ul>")[0]
    assert "证明所列的部分成果在出具后已被冲正" in reasons
    assert outcome.title in body  # still shows what the document stated
    assert LedgerEntry.objects.filter(outcome=outcome, reason="reversal").count() == 1


def test_a_learner_withdraws_an_issued_transcript_and_its_verification_says_so(recognised, world, client_as):
    _, outcome = recognised
    kept = services.transcript_issue(actor=world.learner, account=outcome.account)
    issued = services.transcript_issue(actor=world.learner, account=outcome.account)
    url = reverse("creditbank:me_transcript_withdraw", args=[issued.token])
    assert client_as(world.learner).get(url).status_code == 405  # (a POST only)

    # When its holder withdraws it from the transcript page
    response = client_as(world.learner).post(url, {"reason": "交给单位的副本作废"}, follow=True)

    # Then the page says it is withdrawn, and the other one is not
    body = text(response)
    assert response.redirect_chain[-1][0] == reverse("creditbank:me_transcript")
    assert f"证明 {issued.token} 已撤回" in body
    today = f"{timezone.localdate():%Y-%m-%d}"
    row = body.split(f'<td class="mono">{issued.token}</td>')[1].split("</tr>")[0]
    assert f"已于 {today} 撤回" in row and 'data-testid="withdraw"' not in row
    assert 'data-testid="withdraw"' in body.split(f'<td class="mono">{kept.token}</td>')[1].split("</tr>")[0]
    withdrawal = TranscriptWithdrawal.objects.get(transcript=issued)
    assert (withdrawal.withdrawn_by, withdrawal.reason) == (world.learner, "交给单位的副本作废")
    # and anyone verifying it is told it no longer holds, and since when; the other still holds
    verified = text(client_as(None).get(f"/credits/verify/{issued.token}/"))
    assert 'data-testid="verdict" data-valid="0"' in verified and f"已于 {today} 由持有人或经办机构撤回" in verified
    assert 'data-valid="1"' in text(client_as(None).get(f"/credits/verify/{kept.token}/"))

    # When it is withdrawn again, or someone else tries another's
    again = text(client_as(world.learner).post(url, follow=True))
    theirs = text(client_as(fresh_learner(world)).post(reverse("creditbank:me_transcript_withdraw", args=[kept.token]),
                                                  follow=True))

    # Then each is refused with what is wrong, and nothing changes
    assert "该证明已于" in again and "撤回" in again
    assert "未找到该学习成果证明" in theirs
    assert TranscriptWithdrawal.objects.filter(transcript__in=[issued, kept]).count() == 1


def test_withdrawing_a_transcript_is_for_its_holder_and_the_staff_who_may_issue_one(recognised, world):
    _, outcome = recognised
    issued = services.transcript_issue(actor=world.learner, account=outcome.account)
    with pytest.raises(NotFound):
        services.transcript_withdraw(actor=fresh_learner(world), token=issued.token)
    with pytest.raises(NotFound):
        services.transcript_withdraw(actor=world.learner, token="NoSuchToken123456")
    with pytest.raises(DomainError) as too_long:
        services.transcript_withdraw(actor=world.learner, token=issued.token, reason="因" * 201)
    assert "reason" in too_long.value.errors
    assert not TranscriptWithdrawal.objects.filter(transcript=issued).exists()

    services.transcript_withdraw(actor=world.city_admin, token=f"  {issued.token} ", reason="持有人申请")

    assert TranscriptWithdrawal.objects.get(transcript=issued).withdrawn_by == world.city_admin
    with pytest.raises(DomainError) as twice:
        services.transcript_withdraw(actor=world.learner, token=issued.token)
    assert "token" in twice.value.errors


@pytest.mark.parametrize("typed", ["{token}", "  {token} ", "https://learn.example.cn/credits/verify/{token}/"])
def test_the_verification_form_takes_a_token_or_the_verification_url(recognised, world, client_as, typed):
    _, outcome = recognised
    issued = services.transcript_issue(actor=world.learner, account=outcome.account)

    response = client_as(None).get("/credits/verify/", {"token": typed.format(token=issued.token)})

    assert response.status_code == 302 and response["Location"] == f"/credits/verify/{issued.token}/"


def test_the_verification_form_refuses_what_cannot_be_a_token(client_as):
    response = client_as(None).get("/credits/verify/", {"token": "证明 123"})

    assert response.status_code == 400
    assert 'data-testid="token-error"' in text(response)


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", "请选择申请认定的标准"),
    ("en", "Choose the standard to be recognised under"),
])
def test_a_declaration_without_a_standard_says_so_in_the_chosen_language(recognised, world, client_as, language,
                                                                         expected):
    # given a learner who chose a language and posts a declaration without picking a standard
    version, _ = recognised
    client = client_as(world.learner)
    client.cookies["django_language"] = language
    before = Declaration.objects.count()

    # when it is posted
    response = client.post("/credits/declarations/", {
        **declaration_post(version, standard=""),
        "evidence": [SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf")]})

    # then the standard's field says what is missing (no empty name in 认证标准「」不存在), nothing is written
    assert response.status_code == 400
    field = text(response).split('data-testid="field-standard"')[1].split('data-testid="field-')[0]
    assert expected in field
    assert "「」" not in text(response)
    assert Declaration.objects.count() == before


def test_a_declaration_refused_by_the_service_is_in_english_for_a_learner_who_chose_english(recognised, world,
                                                                                           client_as):
    version, _ = recognised
    client = client_as(world.learner)
    client.cookies["django_language"] = "en"
    bad = SimpleUploadedFile("证书.docx", b"PK\x03\x04 not a pdf", content_type="application/pdf")

    response = client.post("/credits/declarations/", {**declaration_post(version, title=""), "evidence": [bad]})

    assert response.status_code == 400
    body = text(response)
    assert "The file “证书.docx” is not a PDF, JPG or PNG" in body.split('data-testid="field-evidence"')[1]
    assert "<li>Required</li>" in body.split('data-testid="field-title"')[1].split('data-testid="field-')[0]
    assert "不是 PDF" not in body and "必填" not in body


def test_the_account_number_is_called_so_in_english(recognised, world, client_as):
    """账号 is an account number here, not the sign-in accounts of the navigation ("Accounts")."""
    client = client_as(world.learner)
    client.cookies["django_language"] = "en"

    body = text(client.get("/credits/"))

    assert '<dt>Account number</dt><dd data-testid="account-number">LA' in body


def test_a_declaration_without_a_date_says_the_date_is_required(recognised, world, client_as):
    # given a learner who chose English and leaves the date empty (it read “” is not a date)
    version, _ = recognised
    client = client_as(world.learner)
    client.cookies["django_language"] = "en"
    before = Declaration.objects.count()

    response = client.post("/credits/declarations/", {
        **declaration_post(version, date=""),
        "evidence": [SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf")]})

    assert response.status_code == 400
    field = text(response).split('data-testid="field-date"')[1].split('data-testid="field-')[0]
    assert "<li>Required</li>" in field
    assert "“”" not in field
    assert Declaration.objects.count() == before


def test_the_account_page_says_when_the_account_was_opened_in_english(recognised, world, client_as):
    client = client_as(world.learner)
    client.cookies["django_language"] = "en"

    body = text(client.get("/credits/"))

    assert "<dt>Opened</dt>" in body
    assert "Open an account</dt>" not in body


# --- the cache never carries one learner's figures to another (issue 16) ------------------------------------


def test_two_learners_each_see_their_own_account_and_credits_with_the_policy_cached(recognised, world, client_as):
    _version, outcome = recognised
    other = fresh_learner(world)
    services.account_open_own(actor=other)
    mine = LearningAccount.objects.get(learner__user=world.learner)
    theirs = LearningAccount.objects.get(learner__user=other)

    first = text(client_as(world.learner).get("/credits/"))
    second = text(client_as(other).get("/credits/"))
    first_home = text(client_as(world.learner).get("/"))
    second_home = text(client_as(other).get("/"))

    assert mine.number in first and theirs.number not in first
    assert theirs.number in second and mine.number not in second
    assert outcome.title in first and outcome.title not in second
    credits = second_home.split('data-testid="home-credits"')[1].split("</section>")[0]
    assert theirs.number in credits and mine.number not in credits
    assert mine.number in first_home.split('data-testid="home-credits"')[1].split("</section>")[0]


def test_a_policy_change_shows_in_the_learners_points_on_the_next_request(recognised, world, client_as):
    from learncity.core.templatetags.numbers import num

    client = client_as(world.learner)
    mine = LearningAccount.objects.get(learner__user=world.learner)
    shown_before = text(client.get("/credits/")).split('data-testid="points">')[1].split("<")[0]
    before = selectors.incentives(mine).points

    services.policy_update(actor=world.city_admin, city=world.city, data=PolicyIn(points_per_credit="1000"))
    shown_after = text(client.get("/credits/")).split('data-testid="points">')[1].split("<")[0]

    after = selectors.incentives(mine).points
    assert shown_before == num(before)
    assert after > before
    assert shown_after == num(after)


def test_the_conversions_page_reads_the_outcomes_once_whatever_the_number_of_rules(recognised, world, client_as):
    version, _ = recognised
    rules = [rule_active(world, version, target_name=name) for name in ("社区治理", "老年服务", "家庭教育指导")]
    client = client_as(world.learner)
    client.get("/credits/conversions/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/credits/conversions/")

    assert response.status_code == 200
    assert all(f'data-testid="rule-{rule.code}"' in text(response) for rule in rules)
    # the learner's outcomes once for every rule, and those of their applications (a prefetch)
    assert sum('FROM "creditbank_outcome"' in q["sql"] for q in queries.captured_queries) == 2
    assert len(queries) <= 15
