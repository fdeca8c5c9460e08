"""Credit-bank services: accounts, standards and versions, recognition (automatic and reviewed), reversal,
conversion rules and conversions, with their bad inputs — each refused with a clear error and nothing written.

The tests' own 达州市 (tests/portal/world.py) with the credit bank the demo city has, made through the services:
the course standard (DZ-CE-COURSE, revised once, so v2 is the active version), the standards the school's other
records meet (elderly courses, lectures, volunteering, vocational courses, online learning; adult academic courses
from the open university only), a declared certificate (DZ-CERT-1) and a rule turning course credits into a
certificate of the school (tests/creditbank/factories.py `conversion_make`), and an open university of the city
with a rule of its own turning the certificate into one of its courses."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from learncity.catalog.models import LearningRecord, RecordKind
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import Role
from learncity.creditbank import bulk, selectors, services
from learncity.creditbank.inputs import PolicyIn, RuleIn, StandardIn, StandardRevision
from learncity.creditbank.ledger import ledger_verify
from learncity.creditbank.models import (
    Conversion,
    ConversionRule,
    ConversionStatus,
    CreditPolicy,
    Declaration,
    DeclarationStatus,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    RuleStatus,
    Standard,
    StandardVersion,
    VersionStatus,
    balance_field,
)
from learncity.network.models import InstitutionKind
from tests.creditbank import factories
from tests.creditbank.factories import (
    DECLARED_STANDARD,
    PDF,
    PNG,
    completion,
    conversion_make,
    course_world_fixtures,
    world_resident,
)
from tests.network.factories import institution_make
from tests.people.factories import account_make
from tests.places.factories import place
from tests.security.credit_world import COURSE_STANDARD

pytestmark = pytest.mark.django_db

# The world's other standards, each as the demo's of the same name (code, class, credits at most, hours a credit,
# at least hours, at least score, record kinds, course kinds), accredited to the world's school — but the adult
# academic courses', accredited to its open university only.
ELDER, LECTURE, VOLUNTEER, VT, ONLINE, ACADEMIC = ("DZ-ELDER-COURSE", "DZ-LECTURE", "DZ-VOLUNTEER", "DZ-VT-COURSE",
                                                   "DZ-ONLINE", "DZ-AC-COURSE")
OTHER_STANDARDS = [
    (ELDER, "老年大学与老年教育课程", "culture", "4", "16", "4", None, ["completion"], ["elderly", "culture"]),
    (LECTURE, "市民讲堂与全民终身学习活动周", "culture", "1", "8", "1", None, ["event"], []),
    (VOLUNTEER, "学习型城市志愿服务", "training", "2", "20", "1", None, ["volunteering"], []),
    (VT, "职业技能培训课程", "vocational", "6", "16", "8", "60", ["completion"], ["vocational", "professional"]),
    (ONLINE, "数字化学习资源在线学习", "culture", "1", "10", "0.5", None, ["resource"], []),
    (ACADEMIC, "成人学历教育课程", "academic", "5", "18", "18", "60", ["completion"], ["academic"]),
]
OPEN_UNIVERSITY = "达州开放大学"
OPEN_UNIVERSITY_RULE = "R-DZ-CERT-OU"


def credit_bank_make(world) -> None:
    """What the demo city's credit bank is to its staff member's school, in the world's (see the module's doc)."""
    services.standard_revise(actor=world.city_admin, standard=Standard.objects.get(code=COURSE_STANDARD),
                             data=StandardRevision(evidence="结业记录（含出勤率不低于 75%）"))
    conversion_make(world)
    university = institution_make(world.admin, world.street_2, kind=InstitutionKind.OPEN_UNIVERSITY,
                                  name=OPEN_UNIVERSITY)
    for code, name, credit_class, credits, hpc, min_hours, min_score, kinds, course_kinds in OTHER_STANDARDS:
        services.standard_create(actor=world.city_admin, city=world.city, data=parse(StandardIn, {
            "code": code, "name": name, "credit_class": credit_class, "level": 1, "credits": credits,
            "hours_per_credit": hpc, "min_hours": min_hours, "min_score": min_score, "record_kinds": kinds,
            "course_kinds": course_kinds, "effective_from": "2020-01-01",
            "providers": [university.code if code == ACADEMIC else world.institution.code]}))
    ou_staff = account_make(Role.INSTITUTION_STAFF, actor=world.admin, institution=university)
    rule = services.rule_create(actor=ou_staff, data=RuleIn(
        code=OPEN_UNIVERSITY_RULE, name="计算机应用能力证书 转 开放大学《计算机应用基础》", source_codes=[DECLARED_STANDARD],
        target_institution_code=university.code, target_kind="course", target_name="计算机应用基础（4学分）",
        target_class="academic", ratio="1", cap_per_learner="4", effective_from=datetime.date(2020, 1, 1)))
    services.rule_submit(actor=ou_staff, rule=rule)
    services.rule_review(actor=world.expert, rule=rule, approve=True, note="评审通过")


world_built, world = course_world_fixtures(then=credit_bank_make)


def declared(learner_user, **kw):
    """A declaration against the world's declared certificate standard, unless another code is given."""
    return factories.declared(learner_user, **{"code": DECLARED_STANDARD, **kw})


def other_city():
    """A city that is not the world's."""
    return place("510100")  # 成都市


def _balance(account, credit_class):
    return getattr(LearningAccount.objects.get(pk=account.pk), balance_field(credit_class))


# --- accounts ----------------------------------------------------------------------------------------

def test_the_first_learning_record_opens_the_account_and_is_recognised(world):
    learner = world_resident(world, 0)
    assert not LearningAccount.objects.filter(learner=learner).exists()
    record = completion(world.staff, learner, hours="40")
    account = LearningAccount.objects.get(learner=learner)
    outcome = Outcome.objects.get(learning_record=record)
    assert outcome.standard_version.standard.code == COURSE_STANDARD
    assert outcome.standard_version.version == 2
    assert outcome.credits == Decimal("2.50")  # 40 h / 16 h a credit, rounded down to 0.01
    entry = LedgerEntry.objects.get(outcome=outcome)
    assert (entry.amount, entry.reason, entry.seq) == (Decimal("2.50"), "recognition", account.head_seq)
    assert world.institution.name in outcome.basis and f"{COURSE_STANDARD} v2" in outcome.basis


def test_hours_beyond_the_standard_cap_earn_the_cap(world):
    record = completion(world.staff, world_resident(world, 1), hours="200")
    assert Outcome.objects.get(learning_record=record).credits == Decimal("4.00")


def test_a_record_that_matches_no_standard_is_kept_without_credits(world):
    learner = world_resident(world, 2)
    record = completion(world.staff, learner, hours="2")  # the course standard asks for at least 4 hours
    assert LearningRecord.objects.filter(pk=record.pk).exists()
    assert not Outcome.objects.filter(learning_record=record).exists()
    assert LearningAccount.objects.filter(learner=learner).exists()  # the account opened all the same
    with pytest.raises(DomainError) as exc:
        services.record_recognise(actor=world.staff, record=record)
    assert "少于标准要求的 4" in str(exc.value)


def test_recognition_is_idempotent(world):
    record = completion(world.staff, world_resident(world, 3))
    again = services.record_recognise(actor=world.staff, record=record)
    assert again == Outcome.objects.get(learning_record=record)
    assert LedgerEntry.objects.filter(outcome=again).count() == 1


def test_a_learner_opens_their_own_account_once(world):
    account = services.account_open_own(actor=world.learner)
    assert services.account_open_own(actor=world.learner) == account
    with pytest.raises(DomainError):
        services.account_open_own(actor=world.staff)  # no learner profile


def test_an_institution_opens_accounts_in_bulk_all_or_nothing(world):
    from learncity.core import crypto
    from learncity.people.services import ID_CONTEXT

    people = [world_resident(world, n) for n in (20, 21, 22)]
    rows = [(crypto.decrypt(p.id_number_encrypted, context=ID_CONTEXT), p.name) for p in people]
    before = LearningAccount.objects.count()
    with pytest.raises(DomainError) as exc:
        services.accounts_open_bulk(actor=world.staff, institution_code=world.institution.code,
                                    people=[*rows, ("11010519491231002X", "某某"), (rows[0][0], rows[0][1])])
    errors = exc.value.errors
    assert "第5行" in errors and "身份证号码与姓名不符，或不是登记的居民" in errors["第5行"][0]
    assert "第6行" in errors and "与第2行重复" in errors["第6行"][0]
    assert LearningAccount.objects.count() == before
    report = services.accounts_open_bulk(actor=world.staff, institution_code=world.institution.code,
                                         people=rows)
    assert report == {"opened": 3, "existed": 0}
    assert set(LearningAccount.objects.filter(learner__in=people).values_list("opened_via", flat=True)) == {
        OpenedVia.BULK}
    with pytest.raises(PermissionDenied):
        services.accounts_open_bulk(actor=world.district_admin_2,
                                    institution_code=world.institution.code, people=rows)
    with pytest.raises(NotFound):
        services.accounts_open_bulk(actor=world.staff, institution_code="NO-SUCH", people=rows)


def LearnerProfile_without_account(world):
    from learncity.people.models import LearnerProfile

    world_resident(world, 23)  # (at least one)
    return LearnerProfile.objects.filter(residence=world.street, account__isnull=True,
                                         user__isnull=True).order_by("pk")


def test_bulk_opening_refuses_a_bad_id_number_and_a_wrong_name(world):
    from learncity.core import crypto
    from learncity.people.services import ID_CONTEXT

    p = LearnerProfile_without_account(world).first()
    number = crypto.decrypt(p.id_number_encrypted, context=ID_CONTEXT)
    code = world.institution.code
    with pytest.raises(DomainError) as exc:
        services.accounts_open_bulk(actor=world.staff, institution_code=code,
                                    people=[(number[:17] + ("0" if number[17] != "0" else "1"), p.name),
                                            (number, "张冒名")])
    assert "校验位" in exc.value.errors["第2行"][0]
    assert "身份证号码与姓名不符，或不是登记的居民" in exc.value.errors["第3行"][0]
    with pytest.raises(DomainError):
        services.accounts_open_bulk(actor=world.staff, institution_code=code, people=[])


# --- standards -----------------------------------------------------------------------------------------

def _standard(world, code="T-STD", **kw):
    data = dict(name="测试标准", credit_class="training", level=2, credits="3", hours_per_credit="10",
                record_kinds=["event"], providers=[world.institution.code], effective_from="2020-01-01")
    data.update(kw)
    return services.standard_create(actor=world.city_admin, city=world.city,
                                    data=parse(StandardIn, {"code": code, **data}))


def test_a_city_admin_creates_a_standard_with_accredited_providers(world):
    version = _standard(world)
    assert (version.version, version.status, version.credits) == (1, VersionStatus.ACTIVE, Decimal("3"))
    assert version.standard.accreditations.get().institution == world.institution


@pytest.mark.parametrize("field, value, message", [
    ("credits", "-1", "必须大于 0，而不是 -1"),
    ("credits", "abc", "「abc」不是数字"),
    ("credits", "1.234", "「1.234」最多 2 位小数"),
    ("credits", True, "「True」不是数字"),
    ("credits", "2000", "不能大于 1000，而不是 2000"),
    ("hours_per_credit", "0", "必须大于 0，而不是 0"),
    ("level", 11, "资历框架中没有等级「11」"),
    ("credit_class", "gold", "「gold」不是可选的值"),
    ("record_kinds", ["dancing"], "「dancing」不是可选的值"),
    ("name", "", "必填"),
])
def test_a_bad_standard_is_refused_and_nothing_is_written(world, field, value, message):
    before = (Standard.objects.count(), StandardVersion.objects.count())
    with pytest.raises(DomainError) as exc:
        _standard(world, **{field: value})
    assert message in " ".join(exc.value.errors[field])
    assert (Standard.objects.count(), StandardVersion.objects.count()) == before


def test_a_json_number_is_read_by_its_shortest_decimal_never_through_binary(world):
    # a float is what a JSON number becomes: 1.5 is 1.5 exactly; 0.1 + 0.2 is not 0.3 and is refused, not rounded
    assert _standard(world, credits=1.5).credits == Decimal("1.5")
    with pytest.raises(DomainError) as exc:
        _standard(world, credits=0.1 + 0.2, code="FLOAT-2")
    assert exc.value.errors["credits"] == ["「0.30000000000000004」最多 2 位小数"]


def test_only_a_city_admin_creates_standards(world):
    for who in ("district_admin", "staff", "expert", "learner", "auditor"):
        with pytest.raises(PermissionDenied):
            services.standard_create(actor=world.user(who), city=world.city, data=StandardIn(
                code=f"T-{who}", name="x", credit_class="training", level=1, credits="1"))
    assert not Standard.objects.filter(code__startswith="T-").exists()


def test_a_revision_makes_a_new_version_and_outcomes_keep_theirs(world):
    version = _standard(world, record_kinds=["completion"], course_kinds=["academic"])
    record = completion(world.staff, world_resident(world, 4), hours="30", course_kind="academic")
    outcome = Outcome.objects.get(learning_record=record)
    assert outcome.standard_version == version
    v2 = services.standard_revise(actor=world.city_admin, standard=version.standard,
                                  data=StandardRevision(hours_per_credit="15"))
    version.refresh_from_db()
    assert (version.status, v2.version, v2.status) == (VersionStatus.SUPERSEDED, 2, VersionStatus.ACTIVE)
    outcome.refresh_from_db()
    assert outcome.standard_version_id == version.pk  # recognised under v1, still
    later = Outcome.objects.get(learning_record=completion(world.staff, world_resident(world, 5), hours="30",
                                                           course_kind="academic"))
    assert later.standard_version == v2 and later.credits == Decimal("2.00")


def test_a_record_under_a_withdrawn_standard_version_is_refused(world):
    version = _standard(world, record_kinds=["completion"], course_kinds=["academic"])
    services.standard_withdraw(actor=world.city_admin, standard=version.standard, reason="标准已过时")
    learner = world_resident(world, 6)
    record = completion(world.staff, learner, hours="30", course_kind="academic")
    outcome = Outcome.objects.filter(learning_record=record).first()
    assert outcome is None or outcome.standard_version.standard.code != "T-STD"
    # a course that names the withdrawn standard
    from tests.catalog.factories import course_make

    course = course_make(world.staff, world.institution, outcome_standard_code="T-STD")
    named = LearningRecord.objects.create(
        learner=learner, provider=course.institution, kind=RecordKind.COMPLETION, course=course,
        title=course.title, hours=Decimal("30"), date=timezone.localdate(), source="page", external_id="withdrawn-1")
    with pytest.raises(DomainError) as exc:
        services.record_recognise(actor=world.staff, record=named)
    assert "已撤销" in exc.value.errors["standard"][0]
    assert not Outcome.objects.filter(learning_record=named).exists()
    with pytest.raises(DomainError):
        services.standard_withdraw(actor=world.city_admin, standard=version.standard, reason="再撤一次")
    with pytest.raises(DomainError) as exc:
        declared(world.learner, code="T-STD")
    assert "已撤销" in exc.value.errors["standard"][0]


def test_a_provider_not_accredited_is_not_recognised(world):
    version = _standard(world, record_kinds=["completion"], course_kinds=["academic"], providers=[])
    record = completion(world.staff, world_resident(world, 7), hours="30", course_kind="academic")
    assert not Outcome.objects.filter(learning_record=record, standard_version=version).exists()


# --- declarations and review ------------------------------------------------------------------------------

def test_a_declaration_without_evidence_is_refused_and_nothing_is_written(world):
    before = Declaration.objects.count()
    with pytest.raises(DomainError) as exc:
        declared(world.learner, files=[])
    assert "至少一份证明材料" in exc.value.errors["evidence"][0]
    with pytest.raises(DomainError) as exc:
        declared(world.learner, files=[("virus.exe", b"MZ\x90\x00")])
    assert "不是 PDF、JPG 或 PNG" in exc.value.errors["evidence"][0]
    with pytest.raises(DomainError) as exc:
        declared(world.learner, files=[("empty.pdf", b"")])
    assert "是空的" in exc.value.errors["evidence"][0]
    assert Declaration.objects.count() == before


@pytest.mark.parametrize("field, kwargs, message", [
    ("date", {"date": "2999-01-01"}, "在未来"),
    ("date", {"date": "1800-01-01"}, "早于出生日期"),
    ("date", {"date": "yesterday"}, "「yesterday」不是日期（YYYY-MM-DD）"),
    ("hours", {"hours": "-3"}, "不能小于 0，而不是 -3"),
    ("hours", {"hours": "1.25"}, "「1.25」最多 1 位小数"),
    ("score", {"score": "101"}, "不能大于 100，而不是 101"),
    ("standard", {"code": "NO-SUCH"}, "不存在"),
    ("kind", {"kind": "rumour"}, "「rumour」不是可选的值"),
    ("title", {"title": " "}, "必填"),
])
def test_a_bad_declaration_is_refused(world, field, kwargs, message):
    before = Declaration.objects.count()
    with pytest.raises(DomainError) as exc:
        declared(world.learner, **kwargs)
    assert message in " ".join(exc.value.errors[field])
    assert Declaration.objects.count() == before


def test_a_reviewer_approves_with_a_reason_and_the_learner_sees_it(world):
    d = declared(world.learner, files=[("证书.pdf", PDF), ("照片.png", PNG)])
    assert d.evidence.count() == 2 and d.status == DeclarationStatus.SUBMITTED
    assert d in selectors.review_queue(actor=world.expert)
    account = d.account
    before = _balance(account, "vocational")
    with pytest.raises(DomainError):
        services.declaration_review(actor=world.expert, declaration=d, approve=True, reason="  ")
    services.declaration_review(actor=world.expert, declaration=d, approve=True, reason="证书真实有效")
    d.refresh_from_db()
    assert (d.status, d.reason, d.reviewer) == (DeclarationStatus.APPROVED, "证书真实有效", world.expert)
    assert d.outcome.credits == Decimal("4") and d.outcome.method == "review"
    assert _balance(account, "vocational") == before + 4
    mine = selectors.declaration_list_mine(actor=world.learner)
    assert mine.get(pk=d.pk).reason == "证书真实有效"
    with pytest.raises(DomainError):
        services.declaration_review(actor=world.expert, declaration=d, approve=False, reason="改主意")


def test_a_rejection_writes_no_credits(world):
    d = declared(world.learner)
    entries = LedgerEntry.objects.count()
    services.declaration_review(actor=world.city_admin, declaration=d, approve=False, reason="证书编号查询不到")
    d.refresh_from_db()
    assert d.status == DeclarationStatus.REJECTED and LedgerEntry.objects.count() == entries


def test_only_reviewers_of_the_city_review(world):
    d = declared(world.learner)
    for who in ("staff", "district_admin", "reporter", "learner"):
        with pytest.raises(PermissionDenied):
            services.declaration_review(actor=world.user(who), declaration=d, approve=True, reason="通过")
    d.refresh_from_db()
    assert d.status == DeclarationStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        selectors.review_queue(actor=world.staff)


# --- reversal ---------------------------------------------------------------------------------------------

def test_a_correction_is_a_reversal_entry(world):
    record = completion(world.staff, world_resident(world, 8), hours="32")
    outcome = Outcome.objects.get(learning_record=record)
    account = outcome.account
    before = _balance(account, "training")
    with pytest.raises(PermissionDenied):
        services.outcome_reverse(actor=world.district_admin, outcome=outcome, reason="录入错误")
    with pytest.raises(DomainError):
        services.outcome_reverse(actor=world.city_admin, outcome=outcome, reason="")
    entry = services.outcome_reverse(actor=world.city_admin, outcome=outcome, reason="机构撤回了错误的结业记录")
    assert (entry.amount, entry.reason, entry.reverses.outcome) == (Decimal("-2.00"), "reversal", outcome)
    assert _balance(account, "training") == before - 2
    with pytest.raises(DomainError) as exc:
        services.outcome_reverse(actor=world.city_admin, outcome=outcome, reason="再冲一次")
    assert "已冲正" in exc.value.errors["outcome"][0]
    assert [o.reversed for o in selectors.outcomes(account) if o.pk == outcome.pk] == [True]
    assert ledger_verify(account_ids=[account.pk]).ok


# --- conversion rules ---------------------------------------------------------------------------------------

def _rule(world, code="T-RULE", **kw):
    data = dict(name="测试规则", source_codes=[COURSE_STANDARD],
                target_institution_code=world.institution.code, target_kind="programme",
                target_name="测试专业", target_class="training", ratio="0.5", cap_per_learner="3",
                effective_from="2024-01-01")
    data.update(kw)
    actor = data.pop("actor", world.staff)
    return services.rule_create(actor=actor, data=parse(RuleIn, {"code": code, **data}))


def _activate(world, rule):
    services.rule_submit(actor=world.staff, rule=rule)
    return services.rule_review(actor=world.expert, rule=rule, approve=True, note="同意")


def test_a_rule_goes_draft_review_active_abolished(world):
    rule = _rule(world)
    assert rule.status == RuleStatus.DRAFT
    with pytest.raises(DomainError):
        services.rule_review(actor=world.expert, rule=rule, approve=True, note="同意")  # not submitted yet
    services.rule_submit(actor=world.staff, rule=rule)
    with pytest.raises(PermissionDenied):
        services.rule_review(actor=world.staff, rule=rule, approve=True, note="自己批自己")
    services.rule_review(actor=world.expert, rule=rule, approve=False, note="比例偏高，请修改")
    rule.refresh_from_db()
    assert (rule.status, rule.review_note) == (RuleStatus.DRAFT, "比例偏高，请修改")
    _activate(world, rule)
    rule.refresh_from_db()
    assert rule.status == RuleStatus.ACTIVE
    services.rule_abolish(actor=world.staff, rule=rule, on=datetime.date(2030, 1, 1))
    rule.refresh_from_db()
    assert (rule.status, rule.abolished_on) == (RuleStatus.ABOLISHED, datetime.date(2030, 1, 1))


def test_a_rule_whose_validity_overlaps_another_for_the_same_source_and_target_is_refused(world):
    _rule(world, effective_from="2024-01-01", abolished_on="2026-01-01")
    before = ConversionRule.objects.count()
    with pytest.raises(DomainError) as exc:
        _rule(world, code="T-RULE-2", source_codes=[COURSE_STANDARD, LECTURE], effective_from="2025-06-01")
    assert "T-RULE" in exc.value.errors["effective_from"][0] and "重叠" in exc.value.errors["effective_from"][0]
    assert ConversionRule.objects.count() == before
    # back to back is fine, and another target is fine
    _rule(world, code="T-RULE-3", effective_from="2026-01-01")
    _rule(world, code="T-RULE-4", target_name="另一个专业", effective_from="2025-06-01")


@pytest.mark.parametrize("field, kwargs, message", [
    ("ratio", {"ratio": "-1"}, "必须大于 0，而不是 -1"),
    ("ratio", {"ratio": "lots"}, "「lots」不是数字"),
    ("ratio", {"ratio": "0.1234"}, "「0.1234」最多 3 位小数"),
    ("cap_per_learner", {"cap_per_learner": "0"}, "必须大于 0，而不是 0"),
    ("sources", {"source_codes": ["NO-SUCH"]}, "未找到认证标准"),
    ("sources", {"source_codes": []}, "至少需要一个来源标准"),
    ("abolished_on", {"abolished_on": "2023-01-01"}, "必须晚于生效日期"),
    ("target_kind", {"target_kind": "medal"}, "「medal」不是可选的值"),
])
def test_a_bad_rule_is_refused(world, field, kwargs, message):
    with pytest.raises(DomainError) as exc:
        _rule(world, **kwargs)
    assert message in " ".join(exc.value.errors[field])
    assert not ConversionRule.objects.filter(code="T-RULE").exists()


def test_culture_and_leisure_never_converts_to_academic_credit(world):
    with pytest.raises(DomainError) as exc:
        _rule(world, source_codes=[LECTURE], target_class="academic")
    assert "文化休闲类学分不得转换为学历教育学分" in exc.value.errors["sources"][0]
    # with the policy off the rule can be drafted; switched back on, the conversion itself is refused
    city = world.city
    services.policy_update(actor=world.city_admin, city=city, data=PolicyIn(culture_never_academic=False))
    rule = _activate(world, _rule(world, source_codes=[LECTURE], target_class="academic"))
    services.policy_update(actor=world.city_admin, city=city, data=PolicyIn(culture_never_academic=True))
    # given a lecture the learner attended (an event of the school, recognised under the lecture standard)
    completion(world.staff, world.learner_profile, kind=RecordKind.EVENT, hours="3", course_kind="")
    account = LearningAccount.objects.get(learner__user=world.learner)
    lecture = [o for o in selectors.convertible_outcomes(account=account, rule=rule)]
    assert lecture
    with pytest.raises(DomainError) as exc:
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[lecture[0].pk])
    assert "不得转换为学历教育学分" in exc.value.errors["outcomes"][0]


def test_policy_values_are_checked(world):
    city = world.city
    with pytest.raises(DomainError) as exc:
        services.policy_update(actor=world.city_admin, city=city,
                               data=parse(PolicyIn, {"points_per_hour": "-1", "star_min_points": "x"}))
    assert exc.value.errors == {"points_per_hour": ["不能小于 0，而不是 -1"], "star_min_points": ["「x」不是数字"]}
    assert not CreditPolicy.objects.filter(city=city).exists()
    with pytest.raises(PermissionDenied):
        services.policy_update(actor=world.district_admin, city=city, data=PolicyIn(points_per_hour="2"))


# --- conversions --------------------------------------------------------------------------------------------

def _fresh_learner_with(world, hours_list):
    """The world's learner's account with new course-standard outcomes of the given hours."""
    learner = world.learner.learner_profile
    return [Outcome.objects.get(learning_record=completion(world.staff, learner, hours=h)) for h in hours_list]


def test_a_conversion_is_applied_for_and_approved_by_the_target_institution(world):
    rule = _activate(world, _rule(world))
    first, second = _fresh_learner_with(world, ["32", "16"])  # 2 + 1 credits
    account = first.account
    c = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[first.pk, second.pk])
    assert (c.credits_in, c.credits_out, c.status) == (Decimal("3.00"), Decimal("1.50"), ConversionStatus.APPLIED)
    assert c in selectors.conversion_inbox(actor=world.staff)
    before = _balance(account, "training")
    services.conversion_decide(actor=world.staff, conversion=c, approve=True, reason="符合规则")
    c.refresh_from_db()
    assert c.status == ConversionStatus.APPROVED
    assert _balance(account, "training") == before + Decimal("1.50")
    assert LedgerEntry.objects.get(conversion=c).reason == "conversion"
    # the same outcome for the same target: refused
    with pytest.raises(DomainError) as exc:
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[first.pk])
    assert "只能使用一次" in exc.value.errors["outcomes"][0]
    assert ledger_verify(account_ids=[account.pk]).ok
    # an outcome used by an approved conversion cannot be reversed first
    with pytest.raises(DomainError) as exc:
        services.outcome_reverse(actor=world.city_admin, outcome=first, reason="x")
    assert "须先冲正相应的转换" in exc.value.errors["outcome"][0]


def test_a_conversion_over_the_cap_is_refused(world):
    rule = _activate(world, _rule(world, cap_per_learner="1.5", ratio="1"))
    a, b = _fresh_learner_with(world, ["16", "16"])  # 1 + 1 credits
    c = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[a.pk])
    services.conversion_decide(actor=world.staff, conversion=c, approve=True, reason="符合规则")
    with pytest.raises(DomainError) as exc:
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[b.pk])
    assert "超过规则「T-RULE」每人 1.50 学分的上限" in exc.value.errors["outcomes"][0]
    assert Conversion.objects.filter(rule=rule).count() == 1


def test_approval_by_a_user_from_another_institution_is_refused_and_nothing_changes(world):
    rule = ConversionRule.objects.get(code=OPEN_UNIVERSITY_RULE)  # target: the open university
    d = declared(world.learner)
    services.declaration_review(actor=world.expert, declaration=d, approve=True, reason="证书有效")
    c = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[d.outcome.pk])
    entries = LedgerEntry.objects.count()
    with pytest.raises(PermissionDenied) as exc:
        services.conversion_decide(actor=world.staff, conversion=c, approve=True, reason="同意")
    assert "开放大学" in str(exc.value)
    c.refresh_from_db()
    assert c.status == ConversionStatus.APPLIED and LedgerEntry.objects.count() == entries
    with pytest.raises(NotFound):
        selectors.conversion_get(actor=world.staff, pk=c.pk)


def test_a_conversion_needs_an_active_rule_in_its_window_and_own_outcomes(world):
    rule = _rule(world)  # still a draft
    a, = _fresh_learner_with(world, ["16"])
    with pytest.raises(DomainError) as exc:
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[a.pk])
    assert "不在生效状态" in exc.value.errors["rule"][0]
    rule = _activate(world, rule)
    someone_else = Outcome.objects.get(learning_record=completion(world.staff, world_resident(world, 9), hours="16"))
    with pytest.raises(DomainError) as exc:
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[someone_else.pk])
    assert exc.value.errors["outcomes"] == ["所选成果不存在，或不是您的学习成果"]  # no title leaks
    services.rule_abolish(actor=world.staff, rule=rule, on=timezone.localdate())
    with pytest.raises(DomainError):
        services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[a.pk])


# --- the bulk path --------------------------------------------------------------------------------------------

def test_bulk_recognition_gives_what_one_by_one_recognition_gives(world):
    """The same records, recognised by the bulk path for one learner and one at a time for another, give the same
    standards, versions and credits, and both chains verify."""
    staff, inst = world.staff, world.institution
    cases = [("completion", "community", "40", None), ("completion", "community", "2", None),
             ("completion", "elderly", "20", None), ("completion", "vocational", "24", "59"),
             ("completion", "vocational", "24", "80"), ("event", "", "3", None), ("volunteering", "", "30", None),
             ("resource", "", "1.5", None), ("attendance", "community", "2", None), ("completion", "academic", "36",
                                                                                     "75")]
    a, b = world_resident(world, 10), world_resident(world, 11)
    day = timezone.localdate() - datetime.timedelta(days=3)
    rows = [LearningRecord(learner=a, provider=inst, kind=k, course_kind=ck, title=f"批量 {i}", hours=Decimal(h),
                           score=None if s is None else Decimal(s), date=day, source="import", external_id=f"bulk-a-{i}")
            for i, (k, ck, h, s) in enumerate(cases)]
    LearningRecord.objects.bulk_create(rows)
    result = bulk.recognise_records(actor=staff, learner_ids=[a.pk])
    one_by_one = []
    for _i, (k, ck, h, s) in enumerate(cases):
        r = completion(staff, b, hours=h, score=s, course_kind=ck, kind=k, days_ago=3)
        o = Outcome.objects.filter(learning_record=r).first()
        one_by_one.append(None if o is None else (o.standard_version_id, o.credits, o.credit_class, o.basis,
                                                    o.provider_name, o.hours, o.score, o.date, o.method))
    in_bulk = []
    for row in LearningRecord.objects.filter(learner=a, external_id__startswith="bulk-a-").order_by("external_id"):
        o = Outcome.objects.filter(learning_record=row).first()
        in_bulk.append(None if o is None else (o.standard_version_id, o.credits, o.credit_class, o.basis,
                                                 o.provider_name, o.hours, o.score, o.date, o.method))
    order = sorted(range(len(cases)), key=lambda i: f"bulk-a-{i}")
    assert in_bulk == [one_by_one[i] for i in order]
    assert result.recognised == sum(1 for x in in_bulk if x) >= 6
    assert ledger_verify(account_ids=list(LearningAccount.objects.filter(learner__in=[a, b])
                                          .values_list("pk", flat=True))).ok
    assert bulk.recognise_records(actor=staff, learner_ids=[a.pk]).recognised == 0  # nothing twice


def test_incentives_points_and_star_thresholds(world):
    completion(world.staff, world.learner_profile, hours="32")  # given the learner's recognised completion
    account = LearningAccount.objects.get(learner__user=world.learner)
    city = world.city
    services.policy_update(actor=world.city_admin, city=city, data=PolicyIn(
        star_min_points="1", star_min_hours_year="0", star_min_credits="0.01"))
    got = selectors.incentives(account)
    assert got.star_candidate and got.points > 0
    services.policy_update(actor=world.city_admin, city=city, data=PolicyIn(star_min_points="99999"))
    got = selectors.incentives(account)
    assert not got.star_candidate and got.thresholds["points"][1] == Decimal("99999")


def test_institution_kinds_used_by_the_world_exist(world):
    """The conversion tests' rule targets an institution of the city of the open-university kind (the demo
    city's own open university is tests/demo/test_catalog_builder.py's)."""
    target = ConversionRule.objects.get(code=OPEN_UNIVERSITY_RULE).target_institution
    assert (target.kind, target.name) == (InstitutionKind.OPEN_UNIVERSITY, OPEN_UNIVERSITY)
    assert target.place.path.startswith(world.city.path)


def test_a_reviewer_role_in_one_city_and_another_role_elsewhere_reviews_only_in_that_city(world):
    """Review rights come from the expert/city-admin assignments only: an expert of another city who is also an
    auditor of this one cannot approve declarations here."""
    from learncity.core.scopes import Role, forget_scope
    from learncity.people.models import RoleAssignment, User

    someone = User.objects.create_user(username="expert-elsewhere", password=None)
    RoleAssignment.objects.create(user=someone, role=Role.EXPERT_REVIEWER, place=other_city())
    RoleAssignment.objects.create(user=someone, role=Role.AUDITOR, place=world.city)
    forget_scope(someone)
    d = declared(world.learner)
    with pytest.raises(PermissionDenied):
        services.declaration_review(actor=someone, declaration=d, approve=True, reason="通过")
    d.refresh_from_db()
    assert d.status == DeclarationStatus.SUBMITTED
    assert d in selectors.review_queue(actor=someone)  # as an auditor here, it may read the queue


def test_a_staff_member_cannot_decide_their_own_conversion(world):
    from learncity.core.scopes import Role, forget_scope
    from learncity.people.models import RoleAssignment

    rule = _activate(world, _rule(world))
    a, = _fresh_learner_with(world, ["16"])
    c = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[a.pk])
    RoleAssignment.objects.create(user=world.learner, role=Role.INSTITUTION_STAFF,
                                  institution=world.institution)
    forget_scope(world.learner)
    with pytest.raises(PermissionDenied):
        services.conversion_decide(actor=world.learner, conversion=c, approve=True, reason="同意")
    c.refresh_from_db()
    assert c.status == ConversionStatus.APPLIED


def test_an_approved_conversion_is_reversed_and_then_its_outcome_can_be(world):
    rule = _activate(world, _rule(world))
    a, = _fresh_learner_with(world, ["32"])
    c = services.conversion_apply(actor=world.learner, rule=rule, outcome_ids=[a.pk])
    with pytest.raises(DomainError):
        services.conversion_reverse(actor=world.staff, conversion=c, reason="录入错误")  # not approved yet
    services.conversion_decide(actor=world.staff, conversion=c, approve=True, reason="同意")
    account = a.account
    before = _balance(account, "training")
    with pytest.raises(PermissionDenied):
        services.conversion_reverse(actor=world.district_admin_2, conversion=c, reason="录入错误")
    entry = services.conversion_reverse(actor=world.staff, conversion=c, reason="录入错误")
    assert (entry.amount, entry.reason) == (Decimal("-1.00"), "reversal")
    assert _balance(account, "training") == before - 1
    with pytest.raises(DomainError):
        services.conversion_reverse(actor=world.staff, conversion=c, reason="再冲一次")
    services.outcome_reverse(actor=world.city_admin, outcome=a, reason="结业记录有误")
    assert ledger_verify(account_ids=[account.pk]).ok


def test_a_declaration_short_of_the_standards_hours_is_not_approved(world):
    version = _standard(world, code="T-HOURS", record_kinds=[], min_hours="10", hours_per_credit="", credits="2")
    d = declared(world.learner, code=version.standard.code, hours="3")
    with pytest.raises(DomainError) as exc:
        services.declaration_review(actor=world.expert, declaration=d, approve=True, reason="通过")
    assert "少于标准要求的 10" in exc.value.errors["hours"][0]
    d.refresh_from_db()
    assert d.status == DeclarationStatus.SUBMITTED


def test_standards_accredit_only_providers_the_admin_can_see(world):
    from learncity.network.models import Institution as Inst

    elsewhere = Inst.objects.create(code="FAR-1", name="外市社区学校", kind=InstitutionKind.COMMUNITY_SCHOOL,
                                    place=other_city())
    with pytest.raises(DomainError) as exc:
        _standard(world, code="T-FAR", providers=[elsewhere.code])
    assert "未找到机构" in exc.value.errors["providers"][0]
