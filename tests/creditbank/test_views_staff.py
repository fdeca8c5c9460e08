"""The credit bank's back-office pages: the declaration review queue (with evidence, approve or reject with a
reason, in place with HTMX), the conversion inbox of the target institution, standards (list, create, revise,
withdraw, accredit), conversion rules (draft, submit, review, abolish), opening accounts from a spreadsheet and
the city's policy — each shown to the roles it is for and refused to the others.

The tests state their own world: the 达州 city of tests/portal/world.py with the credit bank of
tests/creditbank/factories.py (its course standard, a declared certificate standard and a conversion rule, as the
demo's CE-COURSE, NCRE-1 and R-CE-CERT) and its learner's account; residents without an account are new ones of
the world's street, and another institution is the world's other school of the staff member's district."""

import datetime
import html as htmllib
import io
import re
from decimal import Decimal
from itertools import count

import pytest
from openpyxl import Workbook

from learncity.creditbank import services
from learncity.creditbank.inputs import DeclarationIn
from learncity.creditbank.models import (
    Accreditation,
    Conversion,
    ConversionRule,
    CreditPolicy,
    Declaration,
    LearningAccount,
    Outcome,
    StandardVersion,
)
from learncity.people.models import LearnerProfile
from tests.creditbank.factories import (
    DECLARED_STANDARD,
    PDF,
    active_rule,
    course_world_fixtures,
    id_number,
    institution_of,
    other_staff,
    own_account_and_rule,
    recognised,
    standard,
    today,
    unchanged_fixture,
    world_resident,
)

world_built, world = course_world_fixtures(then=own_account_and_rule)
unchanged = unchanged_fixture()
_seq = count(1)

ROLES = ("learner", "staff", "district_admin", "city_admin", "reporter", "expert", "auditor")


def html(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [htmllib.unescape(m) for m in re.findall(r'<li class="(?:success|error|info|warning)">(.*?)</li>',
                                                     html(response))]


def errors_shown(response) -> list[str]:
    return [htmllib.unescape(m) for block in re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', html(response), re.S)
            for m in re.findall(r"<li>(.*?)</li>", block, re.S)]


def declared(world, version=None, title="测试证书") -> Declaration:
    return services.declaration_submit(actor=world.learner, data=DeclarationIn(
        standard_code=(version.standard.code if version else DECLARED_STANDARD), kind="certificate", title=title,
        issuer="测试考试院", date=today() - datetime.timedelta(days=30)), files=[("证书.pdf", PDF)])


# --- who sees which page ------------------------------------------------------------------------------------------

PAGES = {
    "/credits/staff/": {"staff", "district_admin", "city_admin", "reporter", "expert", "auditor"},
    "/credits/review/": {"city_admin", "expert", "auditor"},
    "/credits/inbox/": {"staff", "district_admin", "city_admin"},
    "/credits/standards/": set(ROLES),
    "/credits/standards/new/": {"city_admin"},
    "/credits/rules/": set(ROLES),
    "/credits/rules/new/": {"staff", "district_admin", "city_admin"},
    "/credits/accounts/bulk/": {"staff", "district_admin", "city_admin"},
    "/credits/policy/": {"city_admin"},
}


@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_page_is_shown_to_its_roles_and_refused_to_the_others(world, client_as, url, role):
    response = client_as(world.user(role)).get(url)
    assert response.status_code == (200 if role in PAGES[url] else 403), (url, role)


@pytest.mark.parametrize("url", list(PAGES))
def test_the_pages_ask_visitors_to_sign_in(client_as, url):
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_the_back_office_is_linked_from_the_navigation_of_staff_only(world, client_as):
    assert 'href="/credits/staff/"' in html(client_as(world.staff).get("/"))
    assert 'href="/credits/staff/"' not in html(client_as(world.learner).get("/"))


def test_the_back_office_shows_each_role_its_pages(world, client_as):
    expert = html(client_as(world.expert).get("/credits/staff/"))
    assert 'href="/credits/review/"' in expert and 'href="/credits/inbox/"' not in expert
    staff = html(client_as(world.staff).get("/credits/staff/"))
    assert 'href="/credits/inbox/"' in staff and 'href="/credits/review/"' not in staff
    assert 'href="/credits/policy/"' in html(client_as(world.city_admin).get("/credits/staff/"))
    assert 'href="/credits/policy/"' not in staff


# --- review ---------------------------------------------------------------------------------------------------------

def test_the_review_queue_shows_each_declaration_with_its_evidence(world, client_as):
    declaration = declared(world, title="队列里的证书")
    evidence = declaration.evidence.get()
    expert = client_as(world.expert)

    page = html(expert.get("/credits/review/"))

    assert "队列里的证书" in page
    link = f"/credits/declarations/{declaration.pk}/evidence/{evidence.pk}/"
    assert f'href="{link}"' in page
    assert f'hx-post="/credits/review/{declaration.pk}/"' in page
    download = expert.get(link)
    assert (download.status_code, download["Content-Type"], b"".join(download)) == (200, "application/pdf", PDF)
    # the auditor reads the queue without the forms to decide
    auditor = html(client_as(world.auditor).get("/credits/review/"))
    assert "队列里的证书" in auditor and f'action="/credits/review/{declaration.pk}/"' not in auditor


def test_a_reviewer_approves_a_declaration_in_place(world, client_as):
    version = standard(world, credits="3", course_kind="rural")
    declaration = declared(world, version)

    response = client_as(world.expert).post(f"/credits/review/{declaration.pk}/",
                                               {"decision": "approve", "reason": "证书真实"},
                                               headers={"HX-Request": "true"})

    assert response.status_code == 200
    page = html(response)
    assert page.lstrip().startswith(f'<div class="card" id="declaration-{declaration.pk}"')
    assert "已认定" in page and "证书真实" in page and "<form" not in page
    outcome = Outcome.objects.get(declaration=declaration)
    assert (outcome.credits, outcome.standard_version) == (Decimal("3"), version)


def test_a_review_without_a_reason_is_refused_and_says_why(world, client_as, unchanged):
    declaration = declared(world)
    expert = client_as(world.expert)
    same = unchanged()

    in_place = expert.post(f"/credits/review/{declaration.pk}/", {"decision": "reject", "reason": ""},
                           headers={"HX-Request": "true"})
    plain = expert.post(f"/credits/review/{declaration.pk}/", {"decision": "reject", "reason": ""}, follow=True)
    undecided = expert.post(f"/credits/review/{declaration.pk}/", {"reason": "没选"}, follow=True)

    assert errors_shown(in_place) == ["审核必须写明理由（通过或不通过都要）"]
    assert "<form" in html(in_place)
    assert flashed(plain) == ["测试证书：审核必须写明理由（通过或不通过都要）"]
    assert flashed(undecided) == ["测试证书：请选择通过或不通过"]
    assert same()


@pytest.mark.parametrize(("role", "status"), [("auditor", 403), ("learner", 403), ("staff", 404)])
def test_only_reviewers_decide_declarations(world, client_as, unchanged, role, status):
    declaration = declared(world)
    client = client_as(world.user(role))
    same = unchanged()
    response = client.post(f"/credits/review/{declaration.pk}/", {"decision": "approve", "reason": "好"})
    assert response.status_code == status
    assert same()


def test_a_rejected_declaration_is_listed_with_its_reason(world, client_as):
    declaration = declared(world, title="被退回的证书")
    services.declaration_review(actor=world.expert, declaration=declaration, approve=False, reason="证书编号查无")
    page = html(client_as(world.city_admin).get("/credits/review/?status=rejected"))
    assert "被退回的证书" in page and "证书编号查无" in page
    assert "被退回的证书" not in html(client_as(world.city_admin).get("/credits/review/"))


def queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_review_queue_reads_as_many_queries_for_many_declarations_as_for_one(world, client_as):
    expert = client_as(world.expert)
    declared(world, title="第一份")
    one = queries(expert, "/credits/review/")
    declared(world, title="第二份")
    declared(world, title="第三份")
    assert queries(expert, "/credits/review/") == one


# --- the conversion inbox ---------------------------------------------------------------------------------------------

@pytest.fixture
def application(world):
    """The learner's application to convert a 2-credit outcome by a rule of the staff member's school."""
    version = standard(world, credits="2")
    outcome = recognised(world, version)
    rule = active_rule(world, [version], cap="5")
    return services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[outcome.pk])


def test_the_target_institution_approves_an_application(world, client_as, application):
    staff = client_as(world.staff)
    page = html(staff.get("/credits/inbox/"))
    assert f'id="conversion-{application.pk}"' in page
    account = application.account
    before = LearningAccount.objects.get(pk=account.pk).balance_training

    response = staff.post(f"/credits/inbox/{application.pk}/", {"decision": "approve", "reason": "材料齐全"},
                          follow=True)

    assert response.status_code == 200
    assert flashed(response) == [f"已处理 {account.learner.name} 的转换申请：已转换"]
    assert Conversion.objects.get(pk=application.pk).status == "approved"
    assert LearningAccount.objects.get(pk=account.pk).balance_training == before + 2


def test_an_application_is_rejected_in_place_with_a_reason(world, client_as, application):
    response = client_as(world.staff).post(f"/credits/inbox/{application.pk}/",
                                              {"decision": "reject", "reason": "目标证书已停发"},
                                              headers={"HX-Request": "true"})
    page = html(response)
    assert page.lstrip().startswith(f'<div class="card" id="conversion-{application.pk}"')
    assert "未批准" in page and "目标证书已停发" in page
    assert (Conversion.objects.get(pk=application.pk).status, Conversion.objects.get(pk=application.pk).reason) == (
        "rejected", "目标证书已停发")


def test_the_inbox_reads_as_many_queries_for_many_applications_as_for_one(world, client_as, application):
    staff = client_as(world.staff)
    one = queries(staff, "/credits/inbox/")
    version = standard(world, credits="1", course_kind="family")
    rule = active_rule(world, [version], cap="5")
    for _ in range(2):
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[recognised(world, version).pk])
    assert queries(staff, "/credits/inbox/") == one


def test_staff_of_another_institution_neither_see_nor_decide_an_application(world, client_as, application,
                                                                             unchanged):
    intruder = client_as(other_staff(world))
    same = unchanged()
    assert f'id="conversion-{application.pk}"' not in html(intruder.get("/credits/inbox/"))
    response = intruder.post(f"/credits/inbox/{application.pk}/", {"decision": "approve", "reason": "同意"})
    assert response.status_code == 404
    assert same()


# --- standards --------------------------------------------------------------------------------------------------------

def standard_form(**changes) -> dict:
    data = {"code": "T-PAGE-1", "name": "页面测试标准", "credit_class": "training", "level": "2", "credits": "3",
            "hours_per_credit": "", "min_hours": "0", "min_score": "", "evidence": "结业证书",
            "record_kinds": ["event"], "course_kinds": ["law"], "effective_from": "2024-01-01", "providers": ""}
    return {**data, **changes}


def test_the_city_creates_a_standard_from_the_page(world, client_as):
    admin = client_as(world.city_admin)
    assert 'href="/credits/standards/new/"' in html(admin.get("/credits/standards/"))
    school = institution_of(world.staff)

    response = admin.post("/credits/standards/new/", standard_form(providers=f"{school.code}，"), follow=True)

    assert response.redirect_chain == [("/credits/standards/T-PAGE-1/", 302)]
    version = StandardVersion.objects.get(standard__code="T-PAGE-1")
    assert (version.version, version.credits, version.record_kinds, version.course_kinds, version.standard.city) == (
        1, Decimal("3"), ",event,", ",law,", world.city)
    assert list(Accreditation.objects.filter(standard=version.standard).values_list("institution", flat=True)) == [
        school.pk]
    assert school.name in html(response)


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"credits": "-3"}, "credits", "必须大于 0，而不是 -3"),
    ({"credits": "三"}, "credits", "「三」不是数字"),
    ({"min_score": "60.55"}, "min_score", "「60.55」最多 1 位小数"),
    ({"effective_from": "2024-02-30"}, "effective_from", "「2024-02-30」不是日期（YYYY-MM-DD）"),
    ({"name": ""}, "name", "必填"),
    ({"code": "has space"}, "code", "标准代码不能为空、不含空格和 / ? # % \\，不能是 new，且不超过 40 个字符"),
    ({"code": "a/b"}, "code", "标准代码不能为空、不含空格和 / ? # % \\，不能是 new，且不超过 40 个字符"),
    ({"providers": "NO-SUCH"}, "providers", "未找到机构：NO-SUCH"),
])
def test_a_bad_standard_is_shown_back_with_the_error_on_its_field(world, client_as, unchanged, changes, field, says):
    admin = client_as(world.city_admin)
    same = unchanged()
    response = admin.post("/credits/standards/new/", standard_form(**changes))
    assert response.status_code == 400
    assert re.search(rf'data-testid="error-{field}"><li>{re.escape(says)}</li>', html(response)), html(response)
    assert same()


def test_the_city_revises_withdraws_and_accredits_from_the_standard_page(world, client_as):
    version = standard(world, credits="2", providers=[])
    code = version.standard.code
    admin = client_as(world.city_admin)
    page = html(admin.get(f"/credits/standards/{code}/"))
    assert f'action="/credits/standards/{code}/revise/"' in page

    revised = admin.post(f"/credits/standards/{code}/revise/", {
        "name": "修订后的标准", "credit_class": "training", "level": "1", "credits": "2.5", "hours_per_credit": "",
        "min_hours": "0", "min_score": "", "evidence": "", "record_kinds": ["event"], "course_kinds": ["law"]},
        follow=True)
    assert flashed(revised) == [f"已发布「{code}」第 2 版"]
    assert list(version.standard.versions.order_by("version").values_list("version", "status", "credits")) == [
        (1, "superseded", Decimal("2")), (2, "active", Decimal("2.5"))]

    school = institution_of(world.staff)
    picker = html(admin.get(f"/credits/standards/{code}/")).split('<datalist id="accredit-institutions">')[1]
    assert f'<option value="{school.code}">{school.name} · {school.place.name}</option>' in picker.split("</datalist>")[0]
    accredited = admin.post(f"/credits/standards/{code}/accredit/", {"institution_code": school.code}, follow=True)
    assert flashed(accredited) == [f"已认证 {school.name} 为「{code}」的认证机构"]
    unknown = admin.post(f"/credits/standards/{code}/accredit/", {"institution_code": "NOPE"}, follow=True)
    assert flashed(unknown) == ["未找到机构「NOPE」"]

    refused = admin.post(f"/credits/standards/{code}/withdraw/", {"reason": ""}, follow=True)
    assert flashed(refused) == ["撤销标准必须说明理由"]
    withdrawn = admin.post(f"/credits/standards/{code}/withdraw/", {"reason": "停止认定"}, follow=True)
    assert flashed(withdrawn) == [f"已撤销认证标准「{code}」"]
    assert 'data-testid="withdrawn"' in html(withdrawn)
    assert f'action="/credits/standards/{code}/revise/"' not in html(withdrawn)


def test_a_bad_revision_is_shown_back(world, client_as, unchanged):
    version = standard(world, credits="2")
    code = version.standard.code
    same = unchanged()
    response = client_as(world.city_admin).post(f"/credits/standards/{code}/revise/", {
        "name": "x", "credit_class": "training", "level": "1", "credits": "-1", "min_hours": "0"})
    assert response.status_code == 400
    assert "必须大于 0，而不是 -1" in errors_shown(response)
    assert same()


@pytest.mark.parametrize("role", ["staff", "district_admin", "expert"])
def test_only_the_city_changes_standards_from_the_pages(world, client_as, unchanged, role):
    version = standard(world, providers=[])
    code = version.standard.code
    client = client_as(world.user(role))
    same = unchanged()
    assert 'href="/credits/standards/new/"' not in html(client.get("/credits/standards/"))
    assert f'action="/credits/standards/{code}/revise/"' not in html(client.get(f"/credits/standards/{code}/"))
    for url, data in ((f"/credits/standards/{code}/revise/", {"credits": "9", "name": "x", "credit_class": "training",
                                                              "level": "1"}),
                      (f"/credits/standards/{code}/withdraw/", {"reason": "试"}),
                      (f"/credits/standards/{code}/accredit/", {"institution_code": institution_of(world.staff).code}),
                      ("/credits/standards/new/", standard_form())):
        assert client.post(url, data).status_code == 403, url
    assert same()


def test_the_standards_list_filters_in_place(world, client_as):
    version = standard(world, credit_class="culture", course_kind="culture")
    client = client_as(world.learner)
    rows = html(client.get("/credits/standards/", {"q": version.standard.code}, headers={"HX-Request": "true"}))
    assert "<h1>" not in rows
    assert re.findall(r'data-testid="standard-row"', rows) == ['data-testid="standard-row"']
    assert version.standard.code in rows
    assert 'data-testid="standard-row"' not in html(client.get("/credits/standards/", {"q": version.standard.code,
                                                                                       "credit_class": "academic"}))


# --- rules -------------------------------------------------------------------------------------------------------------

def rule_form(world, version, **changes) -> dict:
    data = {"code": "R-PAGE-1", "name": "页面测试规则", "source_codes": [version.standard.code],
            "target_institution_code": institution_of(world.staff).code, "target_kind": "course",
            "target_name": "页面测试课程", "target_class": "training", "ratio": "0.5", "cap_per_learner": "4",
            "min_score": "", "effective_from": str(today()), "abolished_on": ""}
    return {**data, **changes}


def test_a_rule_goes_from_draft_to_active_through_the_pages(world, client_as):
    version = standard(world)
    staff, expert = client_as(world.staff), client_as(world.expert)

    drafted = staff.post("/credits/rules/new/", rule_form(world, version), follow=True)
    assert flashed(drafted) == ["已起草转换规则「R-PAGE-1」，提交专家评审后生效"]
    assert 'action="/credits/rules/R-PAGE-1/submit/"' in html(drafted)
    assert 'action="/credits/rules/R-PAGE-1/submit/"' not in html(expert.get("/credits/rules/"))

    submitted = staff.post("/credits/rules/R-PAGE-1/submit/", follow=True)
    assert flashed(submitted) == ["转换规则「R-PAGE-1」：专家评审中"]
    assert 'action="/credits/rules/R-PAGE-1/review/"' in html(expert.get("/credits/rules/"))
    assert 'action="/credits/rules/R-PAGE-1/review/"' not in html(staff.get("/credits/rules/"))

    no_note = expert.post("/credits/rules/R-PAGE-1/review/", {"decision": "approve", "note": ""}, follow=True)
    assert flashed(no_note) == ["评审意见不能为空"]
    approved = expert.post("/credits/rules/R-PAGE-1/review/", {"decision": "approve", "note": "相当"}, follow=True)
    assert flashed(approved) == ["转换规则「R-PAGE-1」：生效"]
    assert ConversionRule.objects.get(code="R-PAGE-1").status == "active"

    abolished = staff.post("/credits/rules/R-PAGE-1/abolish/", {"on": ""}, follow=True)
    assert flashed(abolished) == ["转换规则「R-PAGE-1」：已废止"]
    rule = ConversionRule.objects.get(code="R-PAGE-1")
    assert (rule.status, rule.abolished_on) == ("abolished", today())


def test_an_overlapping_rule_is_shown_back_with_the_error(world, client_as, unchanged):
    version = standard(world)
    staff = client_as(world.staff)
    staff.post("/credits/rules/new/", rule_form(world, version))
    same = unchanged()

    response = staff.post("/credits/rules/new/", rule_form(world, version, code="R-PAGE-2"))

    assert response.status_code == 400
    assert [m for m in errors_shown(response) if "R-PAGE-1" in m] == [
        f"与规则「R-PAGE-1」的有效期重叠（同一来源标准、同一目标：{today()} 至 长期）"]
    assert same()


def test_culture_to_academic_is_refused_on_the_page(world, client_as, unchanged):
    culture = standard(world, credit_class="culture", course_kind="culture")
    same = unchanged()
    response = client_as(world.staff).post("/credits/rules/new/", rule_form(
        world, culture, target_class="academic", target_kind="programme"))
    assert response.status_code == 400
    assert errors_shown(response) == ["按本市政策，文化休闲类学分不得转换为学历教育学分"]
    assert same()


# --- opening accounts in bulk ------------------------------------------------------------------------------------------

def residents_without_account(world, n: int) -> list[LearnerProfile]:
    """n residents of the world's city without a learning account: new ones of its first street."""
    people = [world_resident(world, i) for i in range(n)]
    assert not LearningAccount.objects.filter(learner__in=people).exists()
    assert all(p.residence.path.startswith(world.city.path) for p in people)
    return people


def upload(client, data: bytes, name: str, institution):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/credits/accounts/bulk/", {"institution_code": institution.code,
                                                   "file": SimpleUploadedFile(name, data)})


def test_staff_open_accounts_from_a_gbk_csv(world, client_as):
    people = residents_without_account(world, 2)
    csv = "身份证号码,姓名\n" + "".join(f"{id_number(p)},{p.name}\n" for p in people)
    school = institution_of(world.staff)

    response = upload(client_as(world.staff), csv.encode("gbk"), "名单.csv", school)

    assert response.status_code == 200
    assert "新开户 2 人，已有账户 0 人。" in html(response)
    assert sorted(LearningAccount.objects.filter(opened_for=school, opened_via="bulk").values_list(
        "learner_id", flat=True)) == sorted(p.pk for p in people)


def test_staff_open_accounts_from_an_xlsx(world, client_as):
    [person] = residents_without_account(world, 1)
    wb = Workbook()
    wb.active.append(["姓名", "身份证号码"])
    wb.active.append([person.name, id_number(person)])
    learner = LearnerProfile.objects.get(user=world.learner)
    wb.active.append([learner.name, id_number(learner)])
    buf = io.BytesIO()
    wb.save(buf)

    response = upload(client_as(world.staff), buf.getvalue(), "名单.xlsx", institution_of(world.staff))

    assert "新开户 1 人，已有账户 1 人。" in html(response)
    assert LearningAccount.objects.filter(learner=person).exists()


def test_a_list_with_bad_rows_opens_nothing_and_names_each_row(world, client_as, unchanged):
    people = residents_without_account(world, 2)
    csv = f"身份证号码,姓名\n{id_number(people[0])},{people[0].name}\n{id_number(people[1])},张冠李戴\n12345,无效\n"
    same = unchanged()

    response = upload(client_as(world.staff), csv.encode(), "名单.csv", institution_of(world.staff))

    assert response.status_code == 400
    shown = errors_shown(response)
    assert [m.split("：", 1)[0] for m in shown] == ["第3行", "第4行"]
    assert "身份证号码与姓名不符，或不是登记的居民" in shown[0]
    assert same()


def test_a_file_with_the_wrong_columns_is_refused(world, client_as, unchanged):
    same = unchanged()
    response = upload(client_as(world.staff), "号码,名字\n1,2\n".encode(), "名单.csv", institution_of(world.staff))
    assert response.status_code == 400
    assert errors_shown(response)[0].startswith("表头不正确，未导入任何数据。缺少列 (missing columns): 身份证号码、姓名")
    assert same()


def test_staff_cannot_open_accounts_for_another_institution_from_the_page(world, client_as, unchanged):
    [person] = residents_without_account(world, 1)
    other = world.institution_other  # another institution of the staff's district
    same = unchanged()
    response = upload(client_as(world.staff), f"身份证号码,姓名\n{id_number(person)},{person.name}\n".encode(),
                      "名单.csv", other)
    assert response.status_code == 403
    assert same()


# --- the city's policy -------------------------------------------------------------------------------------------------

def policy_form(**changes) -> dict:
    data = {"culture_never_academic": "on", "source_once_per_target": "on", "points_per_hour": "2",
            "points_per_credit": "10", "star_min_points": "300", "star_min_hours_year": "48", "star_min_credits": "4"}
    return {**data, **changes}


def test_the_city_edits_its_policy(world, client_as):
    admin = client_as(world.city_admin)
    assert 'name="points_per_hour"' in html(admin.get("/credits/policy/"))

    response = admin.post("/credits/policy/", policy_form(points_per_hour="2.5"), follow=True)

    assert flashed(response) == ["已保存达州市的学分银行政策"]
    policy = CreditPolicy.objects.get(city=world.city)
    assert (policy.points_per_hour, policy.culture_never_academic, policy.star_min_points) == (
        Decimal("2.5"), True, Decimal("300"))


def test_a_bad_policy_is_shown_back(world, client_as, unchanged):
    same = unchanged()
    response = client_as(world.city_admin).post("/credits/policy/", policy_form(points_per_credit="-1"))
    assert response.status_code == 400
    assert errors_shown(response) == ["不能小于 0，而不是 -1"]
    assert same()


@pytest.mark.parametrize("role", ["district_admin", "staff", "expert", "auditor"])
def test_only_the_city_edits_the_policy(world, client_as, unchanged, role):
    client = client_as(world.user(role))
    same = unchanged()
    assert client.post("/credits/policy/", policy_form(points_per_hour="9")).status_code == 403
    assert same()
