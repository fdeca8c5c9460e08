"""Inspection (governance/services/inspections.py): the shipped standard imported and what an import refuses
(naming the criterion); a round and its visits, by the office only, to targets of its area for inspectors whose
area holds them; scores by the visit's inspector only, in bounds, with findings and evidence; submission with
every criterion scored; rectification as a task of the plan led by the district's committee or the member unit;
closing with every visit in; the circular after closing, and its PDF. Every refusal writes nothing.
The world: tests/governance/factories.py (达州市's committee, 通川区's and 达川区's committees)."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest

from learncity.core.audit import AuditEvent
from learncity.core.errors import NotFound, PermissionDenied
from learncity.governance import selectors, services
from learncity.governance.inputs import (
    CircularIn,
    InspectionRoundIn,
    RectificationIn,
    ScoreIn,
    StandardIn,
    VisitIn,
)
from learncity.governance.models import (
    Circular,
    InspectionCriterion,
    InspectionEvidence,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    Rectification,
    Task,
    TaskKind,
    TaskState,
    TaskUnit,
    UnitPart,
    VisitState,
)
from tests.checks import refuses
from tests.governance.factories import PNG, dazhou_plan, governance_fixtures, moved
from tests.governance.inspection_factories import (
    TODAY,
    criteria_of,
    inspector_make,
    round_make,
    scored,
    standard_make,
    visit_make,
)

governance_built, gov = governance_fixtures()
DAY = datetime.timedelta(days=1)


def snapshot():
    return (InspectionStandard.objects.count(), InspectionCriterion.objects.count(),
            list(InspectionRound.objects.order_by("pk").values_list("pk", "closed_at")),
            list(InspectionVisit.objects.order_by("pk").values_list("pk", "state")),
            list(InspectionScore.objects.order_by("pk").values_list("pk", "score", "finding", "rectify")),
            InspectionEvidence.objects.count(), Rectification.objects.count(), Task.objects.count(),
            TaskUnit.objects.count(), Circular.objects.count(), AuditEvent.objects.count())


refused = refuses(snapshot)


@pytest.fixture
def standard(gov):
    return standard_make(gov)


@pytest.fixture
def inspector(gov):
    return inspector_make(gov)


@pytest.fixture
def round(gov, standard):
    return round_make(gov, standard)


def _data(**changes) -> dict:
    data = services.standard_shipped()
    data.update(changes)
    return data


# --- the standard ---------------------------------------------------------------------------------------------

def test_the_shipped_standard_is_imported_with_its_criteria_and_points_summing_to_100(gov):
    standard = standard_make(gov)
    criteria = criteria_of(standard)
    assert (standard.code, standard.title, standard.total) == ("community-school-model", "社区学校示范校评估标准",
                                                               Decimal("100"))
    assert 15 <= len(criteria) <= 25
    assert sum(c.points for c in criteria) == Decimal("100")
    assert [c.position for c in criteria] == list(range(1, len(criteria) + 1))
    assert list(dict.fromkeys(c.section for c in criteria)) == ["组织管理", "队伍建设", "教学设施", "课程与活动",
                                                                 "特色与成效"]
    assert criteria[0].evidence_required == "任命文件、职责分工表"
    event = AuditEvent.objects.get(action="inspection.standard_import", object_id=str(standard.pk))
    assert (event.actor_id, event.detail["total"], event.detail["criteria"]) == (gov.city_admin.pk, "100", 21)


def test_a_standard_with_a_criterion_of_no_points_is_refused_naming_it(gov):
    data = _data()
    data["criteria"][2] = {**data["criteria"][2], "points": "0"}
    exc = refused(services.standard_import, actor=gov.city_admin, committee=gov.committee, data=StandardIn(**data))
    assert exc.errors["criteria.2.points"] == ["第 3 项「有年度工作计划和总结，目标任务明确、落实到位」的分值须大于 0"]
    assert exc.errors["total"] == ["各项分值合计 95，与标准总分 100 不符"]


def test_a_standard_with_a_repeated_position_is_refused_naming_both(gov):
    data = _data()
    data["criteria"][4] = {**data["criteria"][4], "position": 2}
    exc = refused(services.standard_import, actor=gov.city_admin, committee=gov.committee, data=StandardIn(**data))
    assert list(exc.errors) == ["criteria.4.position"]
    assert exc.errors["criteria.4.position"][0].endswith("的序号与第 2 条重复")


def test_a_standards_code_is_unique_in_its_committee(gov, standard):
    exc = refused(services.standard_import, actor=gov.city_admin, committee=gov.committee,
                  data=StandardIn(**_data()))
    assert exc.errors == {"code": ["本委员会已有代码为「community-school-model」的评估标准"]}


@pytest.mark.parametrize("role", ["district_admin", "reporter", "expert", "auditor", "staff"])
def test_only_the_committees_office_imports_a_standard(gov, role):
    refused(services.standard_import, PermissionDenied, actor=gov.user(role), committee=gov.committee,
            data=StandardIn(**_data()))


def test_a_districts_office_imports_a_standard_of_its_own_committee(gov):
    standard = services.standard_import(actor=gov.district_admin, committee=gov.lower["通川区"],
                                        data=StandardIn(**_data()))
    assert standard.committee == gov.lower["通川区"]


# --- rounds and visits ----------------------------------------------------------------------------------------

def test_the_office_opens_a_round_by_its_standard(gov, standard):
    found = round_make(gov, standard)
    assert (found.committee, found.standard, found.year, found.closed_at) == (gov.committee, standard, TODAY.year,
                                                                               None)
    assert AuditEvent.objects.filter(action="inspection.round_create", object_id=str(found.pk)).count() == 1


def test_a_round_with_dates_out_of_order_or_another_committees_standard_is_refused(gov, standard):
    other = services.standard_import(actor=gov.district_admin, committee=gov.lower["通川区"],
                                     data=StandardIn(**_data()))
    exc = refused(services.round_create, actor=gov.city_admin, committee=gov.committee, data=InspectionRoundIn(
        standard_id=other.pk, title="督导", year=TODAY.year, starts_on=datetime.date(TODAY.year, 6, 1),
        ends_on=datetime.date(TODAY.year, 5, 1)))
    assert exc.errors == {"standard_id": ["本委员会没有这个评估标准"], "ends_on": ["结束日期早于开始日期"]}


def test_another_districts_office_may_not_open_a_round_of_the_city(gov, standard):
    refused(services.round_create, PermissionDenied, actor=gov.district_admin_2, committee=gov.committee,
            data=InspectionRoundIn(standard_id=standard.pk, title="督导", year=TODAY.year, starts_on=TODAY, ends_on=TODAY))


def test_an_inspector_is_sent_to_a_district_an_institution_and_a_member_unit(gov, round, inspector):
    district = visit_make(gov, round, inspector, place_id=gov.district.pk)
    school = visit_make(gov, round, inspector, institution_id=gov.institution_2.pk)
    unit = visit_make(gov, round, inspector, member_unit_id=gov.units["教育局"].pk)
    assert [v.target for v in (district, school, unit)] == [gov.district, gov.institution_2, gov.units["教育局"]]
    assert {v.state for v in (district, school, unit)} == {VisitState.ASSIGNED}
    assert AuditEvent.objects.filter(action="inspection.visit_assign", object_id__in=[
        str(v.pk) for v in (district, school, unit)]).count() == 3


def test_an_inspector_whose_area_does_not_hold_the_target_is_refused(gov, round):
    tongchuan = inspector_make(gov, gov.district)
    exc = refused(services.visit_assign, actor=gov.city_admin, round=round,
                  data=VisitIn(inspector_id=tongchuan.pk, institution_id=gov.institution_2.pk))
    assert exc.errors == {"inspector_id": [f"督导员的督导范围不包括「{gov.institution_2}」"]}


def test_a_user_who_is_no_inspector_and_a_target_outside_the_area_are_refused(gov, round, inspector):
    exc = refused(services.visit_assign, actor=gov.city_admin, round=round,
                  data=VisitIn(inspector_id=gov.expert.pk, place_id=gov.street.pk))
    assert exc.errors == {"inspector_id": ["该用户不是督导员"],
                          "place_id": ["督导对象不在本委员会的范围内（区县、其中的机构或本委员会的成员单位）"]}
    exc = refused(services.visit_assign, actor=gov.city_admin, round=round,
                  data=VisitIn(inspector_id=inspector.pk, place_id=gov.district.pk, institution_id=gov.institution.pk))
    assert exc.errors == {"target": ["请选择一个督导对象：区县、机构或成员单位，只选一个"]}


def test_a_target_is_visited_once_a_round(gov, round, inspector):
    visit_make(gov, round, inspector, institution_id=gov.institution.pk)
    exc = refused(services.visit_assign, actor=gov.city_admin, round=round,
                  data=VisitIn(inspector_id=inspector_make(gov).pk, institution_id=gov.institution.pk))
    assert exc.errors == {"institution_id": [f"本轮督导已派员督导「{gov.institution}」"]}


@pytest.mark.parametrize("role", ["district_admin", "reporter", "expert"])
def test_only_the_office_sends_inspectors(gov, round, inspector, role):
    refused(services.visit_assign, PermissionDenied, actor=gov.user(role), round=round,
            data=VisitIn(inspector_id=inspector.pk, institution_id=gov.institution.pk))


# --- scores ---------------------------------------------------------------------------------------------------

@pytest.fixture
def visit(gov, round, inspector):
    return visit_make(gov, round, inspector, institution_id=gov.institution.pk)


def test_the_inspector_scores_a_criterion_with_a_finding_and_a_photo_and_may_score_it_again(gov, visit, inspector):
    first = criteria_of(visit.round.standard)[0]
    score = services.score_record(actor=inspector, visit=visit, data=ScoreIn(
        criterion_id=first.pk, score="3.5", finding="没有分管领导的任命文件", rectify=True), files=[("a.png", PNG)])
    again = services.score_record(actor=inspector, visit=visit, data=ScoreIn(criterion_id=first.pk, score="4"),
                                  files=[("b.png", PNG)])
    assert again.pk == score.pk
    again.refresh_from_db()
    assert (again.score, again.finding, again.rectify, again.scored_by) == (Decimal("4"), "", False, inspector)
    assert list(InspectionEvidence.objects.filter(score=score).values_list("name", flat=True)) == ["a.png", "b.png"]
    assert AuditEvent.objects.filter(action="inspection.score_record", object_id=str(score.pk)).count() == 2


def test_a_score_over_the_criterions_points_is_refused_naming_the_criterion(gov, visit, inspector):
    first = criteria_of(visit.round.standard)[0]
    exc = refused(services.score_record, actor=inspector, visit=visit,
                  data=ScoreIn(criterion_id=first.pk, score="5.01"))
    assert exc.errors == {"score": ["第 1 项「学校纳入街道（乡镇）社区教育工作统筹，有分管领导和专门负责人，职责明确」的得分须在 0 到 5 之间"]}
    assert refused(services.score_record, actor=inspector, visit=visit,
                   data=ScoreIn(criterion_id=first.pk, score="-1")).errors["score"][0].endswith("的得分须在 0 到 5 之间")


def test_rectify_without_a_finding_and_a_file_that_is_no_image_are_refused(gov, visit, inspector):
    first = criteria_of(visit.round.standard)[0]
    exc = refused(services.score_record, actor=inspector, visit=visit,
                  data=ScoreIn(criterion_id=first.pk, score="1", rectify=True), files=[("x.txt", b"hello")])
    assert exc.errors == {"finding": [f"第 1 项「{first.text[:40]}」需要整改时请写明发现的问题"],
                          "evidence": ["文件「x.txt」不是 PDF、JPG 或 PNG"]}


def test_a_criterion_of_another_standard_is_refused(gov, visit, inspector):
    other = services.standard_import(actor=gov.district_admin, committee=gov.lower["通川区"],
                                     data=StandardIn(**_data()))
    exc = refused(services.score_record, actor=inspector, visit=visit,
                  data=ScoreIn(criterion_id=criteria_of(other)[0].pk, score="1"))
    assert exc.errors == {"criterion_id": ["本轮督导的评估标准没有这一项"]}


def test_only_the_visits_inspector_scores_it(gov, visit):
    first = criteria_of(visit.round.standard)[0]
    for actor in (inspector_make(gov), gov.city_admin):
        refused(services.score_record, PermissionDenied, actor=actor, visit=visit,
                data=ScoreIn(criterion_id=first.pk, score="1"))


def test_an_inspector_of_another_round_does_not_find_the_visit(gov, visit, standard):
    other_round = round_make(gov, standard)
    other = inspector_make(gov)
    theirs = visit_make(gov, other_round, other, institution_id=gov.institution.pk)
    with pytest.raises(NotFound):
        selectors.visit_get(actor=other, pk=visit.pk)
    with pytest.raises(NotFound):
        selectors.round_get(actor=other, pk=visit.round_id)
    assert [v.pk for v in selectors.visit_list_mine(actor=other)] == [theirs.pk]
    assert [r.pk for r in selectors.round_list(actor=other)] == [other_round.pk]


def test_an_inspector_reads_nothing_but_their_visits(gov, visit, inspector):
    plan = dazhou_plan(gov)
    assert selectors.task_list(actor=inspector).count() == 0
    assert selectors.plan_list(actor=inspector).count() == 0
    assert [v.pk for v in selectors.visit_list_mine(actor=inspector)] == [visit.pk]
    assert [r.pk for r in selectors.round_list(actor=inspector)] == [visit.round_id]
    assert plan.pk not in {p.pk for p in selectors.plan_list(actor=inspector)}


def test_the_visit_is_submitted_once_every_criterion_is_scored_with_the_evidence_required(gov, visit, inspector):
    visit = scored(visit, inspector, rectify=(3,), minus={3: 2})
    assert (visit.state, visit.submitted_at is not None) == (VisitState.SUBMITTED, True)
    visits = selectors.round_visits(actor=gov.city_admin, round=visit.round)
    assert [(v.total, v.n_scored, v.n_rectify, v.rank) for v in visits] == [(Decimal("98"), 21, 1, 1)]
    event = AuditEvent.objects.get(action="inspection.visit_submit", object_id=str(visit.pk))
    assert (event.detail["from_state"], event.detail["to_state"]) == ("assigned", "submitted")


def test_a_visit_with_unscored_criteria_is_not_submitted_naming_them(gov, visit, inspector):
    criteria = criteria_of(visit.round.standard)
    for c in criteria[:-2]:
        services.score_record(actor=inspector, visit=visit, data=ScoreIn(criterion_id=c.pk, score=c.points),
                              files=[("p.png", PNG)] if c.evidence_required else [])
    exc = refused(services.visit_submit, actor=inspector, visit=visit)
    assert exc.errors == {"scores": [f"还有 2 项未评分：第 20 项「{criteria[19].text}」、第 21 项「{criteria[20].text}」"]}


def test_a_visit_without_the_evidence_a_criterion_requires_is_not_submitted(gov, visit, inspector):
    for c in criteria_of(visit.round.standard):
        services.score_record(actor=inspector, visit=visit, data=ScoreIn(criterion_id=c.pk, score=c.points),
                              files=[("p.png", PNG)] if c.evidence_required and c.position != 2 else [])
    exc = refused(services.visit_submit, actor=inspector, visit=visit)
    assert exc.errors == {"evidence": ["这些项目要求佐证材料：第 2 项「建立社区教育工作领导小组或联席机制，每年召开专题会议不少于2次」"]}


def test_a_submitted_visit_is_neither_scored_nor_submitted_again(gov, visit, inspector):
    visit = scored(visit, inspector)
    first = criteria_of(visit.round.standard)[0]
    exc = refused(services.score_record, actor=inspector, visit=visit, data=ScoreIn(criterion_id=first.pk, score="1"))
    assert exc.code == "visit_submitted"
    assert refused(services.visit_submit, actor=inspector, visit=visit).code == "visit_submitted"


def test_only_the_inspector_submits(gov, visit, inspector):
    scored(visit, inspector, submit=False)
    refused(services.visit_submit, PermissionDenied, actor=gov.city_admin, visit=visit)


# --- rectification --------------------------------------------------------------------------------------------

def _finding(visit, position: int = 3) -> InspectionScore:
    return InspectionScore.objects.get(visit=visit, criterion__position=position)


def test_a_finding_becomes_a_rectification_task_led_by_the_institutions_district_committee(gov, visit, inspector):
    plan = dazhou_plan(gov)
    visit = scored(visit, inspector, rectify=(3,), minus={3: 2})
    rectification = services.rectification_create(actor=gov.city_admin, score=_finding(visit),
                                                  data=RectificationIn(due_on=TODAY + 30 * DAY))
    task = rectification.task
    assert (task.plan, task.kind, task.item, task.state, task.due_on) == (
        plan, TaskKind.RECTIFICATION, None, TaskState.NOT_STARTED, TODAY + 30 * DAY)
    assert task.description == "组织管理存在不足（第3项）"
    assert task.title == f"整改：{gov.institution} 有年度工作计划和总结，目标任务明确、落实到位"
    assert [(u.part, u.committee, u.member_unit) for u in task.units.all()] == [
        (UnitPart.LEAD, gov.lower["通川区"], None)]
    # the task then follows the tasks' transitions: the district's office starts it, the city's completes it
    moved(gov.district_admin, task, "start")
    assert moved(gov.city_admin, task, "complete").state == TaskState.DONE
    assert AuditEvent.objects.filter(action="inspection.rectification_create",
                                     object_id=str(rectification.pk)).count() == 1


def test_a_districts_and_a_member_units_findings_are_led_by_the_district_committee_and_the_unit(gov, round,
                                                                                                 inspector):
    dazhou_plan(gov)
    district = scored(visit_make(gov, round, inspector, place_id=gov.district_2.pk), inspector, rectify=(1,))
    unit = scored(visit_make(gov, round, inspector, member_unit_id=gov.units["民政局"].pk), inspector, rectify=(1,))
    leads = []
    for visit in (district, unit):
        task = services.rectification_create(actor=gov.city_admin, score=_finding(visit, 1),
                                             data=RectificationIn(due_on=TODAY + DAY, title="限期整改")).task
        leads.append([(u.committee, u.member_unit) for u in task.units.all()])
    assert leads == [[(gov.lower["达川区"], None)], [(None, gov.units["民政局"])]]


def test_a_rectification_without_a_plan_for_the_rounds_year_is_refused(gov, visit, inspector):
    visit = scored(visit, inspector, rectify=(3,))
    exc = refused(services.rectification_create, actor=gov.city_admin, score=_finding(visit),
                  data=RectificationIn(due_on=TODAY + DAY))
    assert exc.errors == {"plan": [f"委员会还没有 {TODAY.year} 年的工作要点，整改任务无处可放：请先导入工作要点"]}


def test_a_score_not_marked_a_visit_not_submitted_a_past_due_date_and_a_second_time_are_refused(gov, visit,
                                                                                                inspector):
    dazhou_plan(gov)
    visit = scored(visit, inspector, rectify=(3,), submit=False)
    exc = refused(services.rectification_create, actor=gov.city_admin, score=_finding(visit, 1),
                  data=RectificationIn(due_on=TODAY))
    assert exc.errors == {"score": [f"第 1 项「{_finding(visit, 1).criterion.text[:40]}」未标记为需要整改"],
                          "visit": [f"对「{gov.institution}」的督导尚未提交"], "due_on": ["整改时限须晚于今天"]}
    visit = services.visit_submit(actor=inspector, visit=visit)
    services.rectification_create(actor=gov.city_admin, score=_finding(visit), data=RectificationIn(due_on=TODAY + DAY))
    exc = refused(services.rectification_create, actor=gov.city_admin, score=_finding(visit),
                  data=RectificationIn(due_on=TODAY + DAY))
    assert list(exc.errors) == ["score"]


@pytest.mark.parametrize("role", ["district_admin", "reporter", "inspector"])
def test_only_the_office_sends_a_finding_to_rectification(gov, visit, inspector, role):
    dazhou_plan(gov)
    visit = scored(visit, inspector, rectify=(3,))
    actor = inspector if role == "inspector" else gov.user(role)
    refused(services.rectification_create, PermissionDenied, actor=actor, score=_finding(visit),
            data=RectificationIn(due_on=TODAY + DAY))


# --- closing and the circular ---------------------------------------------------------------------------------

def test_a_round_with_open_visits_is_not_closed_naming_them(gov, round, inspector):
    scored(visit_make(gov, round, inspector, institution_id=gov.institution.pk), inspector)
    visit_make(gov, round, inspector, institution_id=gov.institution_2.pk)
    exc = refused(services.round_close, actor=gov.city_admin, round=round)
    assert exc.errors == {"visits": [f"这些对象的督导尚未提交：{gov.institution_2}"]}
    assert refused(services.round_close, actor=gov.city_admin,
                   round=round_make(gov, round.standard)).errors == {"visits": ["本轮督导还没有派出督导员"]}


def test_the_circular_is_refused_before_the_round_closes_then_published_with_the_ranked_results(gov, round,
                                                                                                inspector):
    dazhou_plan(gov)
    first = scored(visit_make(gov, round, inspector, institution_id=gov.institution.pk), inspector,
                   rectify=(3, 10), minus={3: 2, 10: 3})
    scored(visit_make(gov, round, inspector, institution_id=gov.institution_2.pk), inspector, rectify=(3,),
           minus={3: 1})
    services.rectification_create(actor=gov.city_admin, score=_finding(first, 10),
                                  data=RectificationIn(due_on=datetime.date(TODAY.year + 1, 3, 31)))
    exc = refused(services.circular_publish, actor=gov.city_admin, round=round, data=CircularIn(title="通报"))
    assert exc.code == "round_open"
    assert exc.errors == {"round": [f"督导「{round.title}」尚未结束，结束后才能发布通报"]}
    round = services.round_close(actor=gov.city_admin, round=round)
    assert refused(services.round_close, actor=gov.city_admin, round=round).code == "round_closed"
    circular = services.circular_publish(actor=gov.city_admin, round=round, data=CircularIn(
        title="关于社区学校示范校专项督导情况的通报", text="现将督导情况通报如下。"))
    assert circular.text.split("\n") == [
        "现将督导情况通报如下。", "",
        "一、督导结果（满分 100 分）",
        f"1. {gov.institution_2}：99 分",
        f"2. {gov.institution}：95 分", "",
        "二、共性问题",
        "第 3 项「有年度工作计划和总结，目标任务明确、落实到位」：2 个对象存在问题", "",
        "三、整改要求",
        f"{gov.institution}：教学设施存在不足（第10项）（整改时限 {TODAY.year + 1}-03-31）"]
    assert refused(services.circular_publish, actor=gov.city_admin, round=round,
                   data=CircularIn(title="再发")).code == "already_published"
    # a closed round takes no more visits, and its scores are final
    exc = refused(services.visit_assign, actor=gov.city_admin, round=round,
                  data=VisitIn(inspector_id=inspector.pk, place_id=gov.district.pk))
    assert exc.errors == {"round": [f"督导「{round.title}」已结束，不能再派出督导员"]}
    # the whole area reads the circular: a member unit's reporter too, not an inspector
    assert selectors.circular_get(actor=gov.reporter, pk=circular.pk) == circular
    with pytest.raises(NotFound):
        selectors.circular_get(actor=inspector, pk=circular.pk)
    pdf = services.circular_pdf(circular)
    assert pdf == services.circular_pdf(circular)  # the same circular, the same bytes
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True,
                                             timeout=60).stdout.decode())
    assert "关于社区学校示范校专项督导情况的通报" in text
    assert f"1.{gov.institution_2}：99分" in text
    assert "达州市终身教育促进委员会" in text


@pytest.mark.parametrize("role", ["district_admin", "inspector"])
def test_only_the_office_closes_and_publishes(gov, round, inspector, role):
    scored(visit_make(gov, round, inspector, institution_id=gov.institution.pk), inspector)
    actor = inspector if role == "inspector" else gov.user(role)
    refused(services.round_close, PermissionDenied, actor=actor, round=round)
    round = services.round_close(actor=gov.city_admin, round=round)
    refused(services.circular_publish, PermissionDenied, actor=actor, round=round, data=CircularIn(title="通报"))


def test_a_closed_rounds_open_scores_are_refused(gov, round, inspector):
    visit = visit_make(gov, round, inspector, institution_id=gov.institution.pk)
    InspectionRound.objects.filter(pk=round.pk).update(closed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    visit = InspectionVisit.objects.get(pk=visit.pk)
    exc = refused(services.score_record, actor=inspector, visit=visit,
                  data=ScoreIn(criterion_id=criteria_of(round.standard)[0].pk, score="1"))
    assert exc.code == "round_closed"


# --- the service hall -----------------------------------------------------------------------------------------

def test_home_inspections_lists_the_inspectors_open_visits_in_one_query(gov, round, inspector,
                                                                        django_assert_num_queries):
    done = scored(visit_make(gov, round, inspector, institution_id=gov.institution.pk), inspector)
    open_ = visit_make(gov, round, inspector, institution_id=gov.institution_2.pk)
    inspector = type(inspector).objects.get(pk=inspector.pk)
    from learncity.core.scopes import scope_for

    scope_for(inspector)
    with django_assert_num_queries(1):
        home = selectors.home_inspections(actor=inspector)
    assert (home["count"], [v.pk for v in home["items"]]) == (1, [open_.pk])
    assert done.pk not in [v.pk for v in home["items"]]
    assert selectors.home_inspections(actor=gov.city_admin) == {"count": 0, "items": []}
