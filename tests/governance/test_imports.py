"""Importing work points (governance/services/imports.py) into the tests' own 达州 committee: the seeds' Dazhou
2014 document (its units matched by name, the district committees for 各县（市、区）人民政府, its office for
办公室) and Fuzhou 2015's (into a committee of 三明市 with the demo's member units); names no unit carries put to
the office, each decision applied (a unit, learnt as its alias; a new member unit; left out); and every refusal
writing nothing."""

import pytest
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.errors import PermissionDenied
from learncity.demo.builder import MEMBER_UNITS
from learncity.governance import services
from learncity.governance.inputs import ImportIn
from learncity.governance.models import Task, TaskState, TaskUnit, UnitAlias, UnitPart, WorkItem, WorkPlan
from learncity.network.models import MemberUnit
from tests.checks import refuses
from tests.governance.factories import (
    DAZHOU_2014,
    DAZHOU_UNKNOWN,
    FUZHOU_2015,
    dazhou_plan,
    governance_fixtures,
)
from tests.network.factories import committee_make, member_unit_make
from tests.places.factories import place

governance_built, gov = governance_fixtures()
YEAR = timezone.localdate().year


def snapshot():
    return (WorkPlan.objects.count(), WorkItem.objects.count(), Task.objects.count(), TaskUnit.objects.count(),
            UnitAlias.objects.count(), MemberUnit.objects.count(), AuditEvent.objects.count())


refused = refuses(snapshot)


def _units(task: Task) -> tuple[list[str], list[str]]:
    """(lead, cooperating) names of a task's units: member units in the order they were made, then committees."""
    rows = sorted(TaskUnit.objects.filter(task=task).select_related("member_unit", "committee"),
                  key=lambda u: (u.member_unit_id is None, u.member_unit_id or u.committee_id))
    return ([str(u.unit) for u in rows if u.part == UnitPart.LEAD],
            [str(u.unit) for u in rows if u.part == UnitPart.COOPERATING])


def _dz(*names):
    return [f"达州市{n}" for n in names]


def test_the_dazhou_preview_names_what_it_could_not_match_and_writes_nothing(gov):
    before = snapshot()
    preview = services.import_preview(actor=gov.city_admin, committee=gov.committee,
                                      data=ImportIn(text=DAZHOU_2014.read_text(encoding="utf-8")))
    assert (preview.year, preview.task_count) == (2014, 12)
    assert preview.unknown == DAZHOU_UNKNOWN == preview.undecided
    assert snapshot() == before


def test_the_dazhou_document_imports_with_every_task_and_its_units(gov):
    plan = dazhou_plan(gov, year=YEAR)
    assert (plan.title, plan.year, plan.committee) == ("达州市2014年继续教育工作要点", YEAR, gov.committee)
    members = _dz("人力资源和社会保障局", "教育局", "民政局", "经信委", "委编办", "财政局", "委宣传部")
    lower = ["通川区终身教育促进委员会", "达川区终身教育促进委员会"]
    office = [gov.committee.name]
    expected = [
        ("工作重点", "构建继续教育三级网络", _dz("教育局", "民政局", "经信委", "委编办") + lower),
        ("工作重点", "打造继续教育公共服务平台", _dz("教育局", "委编办")),
        ("工作重点", "大力推进社区教育", members + lower),
        ("工作重点", "积极开展职业培训", members + lower),
        ("工作重点", "鼓励支持成人学历教育", members + lower),
        ("工作重点", "开展“全民学习周”活动", members + office + lower),
        ("保障措施", "建立领导机构", lower),
        ("保障措施", "完善工作制度", members + office),
        ("保障措施", "加大经费投入", _dz("财政局") + lower),
        ("保障措施", "加强继续教育统筹协调", _dz("财政局") + office + lower),
        ("保障措施", "严格督导考核", office + lower),
        ("保障措施", "强化舆论宣传", _dz("委宣传部")),
    ]
    tasks = list(Task.objects.filter(plan=plan).select_related("item").order_by("item__position"))
    found = [(t.item.section, t.title, _units(t)[0]) for t in tasks]
    assert found == expected
    assert all(_units(t)[1] == [] for t in tasks)  # 责任单位: every unit named answers for the item
    assert {(t.state, t.due_on.isoformat()) for t in tasks} == {(TaskState.NOT_STARTED, f"{YEAR}-12-31")}
    assert tasks[0].description.startswith("以达州电大为依托成立达州继续教育大学")
    assert AuditEvent.objects.filter(action="workplan.import", object_id=str(plan.pk)).count() == 1


def test_decisions_match_a_name_to_a_unit_learn_it_add_a_new_unit_or_leave_it_out(gov):
    text = DAZHOU_2014.read_text(encoding="utf-8")
    decisions = {"达州电大": services.NEW, "市广播电视台": str(gov.units["委宣传部"].pk),
                 "达州经开区管委会": services.IGNORE, "市政府督查室": services.IGNORE, "达州日报社": services.IGNORE}
    plan = services.workplan_import(actor=gov.city_admin, committee=gov.committee,
                                    data=ImportIn(text=text, year=YEAR, decisions=decisions))
    new = MemberUnit.objects.get(committee=gov.committee, name="达州电大")
    publicity = Task.objects.get(plan=plan, title="强化舆论宣传")
    assert _units(publicity)[0] == ["达州市委宣传部", "达州电大"]  # 市广播电视台 is the publicity department's
    assert _units(Task.objects.get(plan=plan, title="打造继续教育公共服务平台"))[0] == [*_dz("教育局", "委编办"), "达州电大"]
    assert list(UnitAlias.objects.filter(committee=gov.committee).values_list("name", "member_unit")) == [
        ("市广播电视台", gov.units["委宣传部"].pk)]
    # the next year's document knows both names now
    preview = services.import_preview(actor=gov.city_admin, committee=gov.committee, data=ImportIn(text=text))
    assert preview.unknown == ["达州经开区管委会", "市政府督查室", "达州日报社"]
    assert new.pk in {u.pk for r in preview.units[1] for u in r.member_units}


@pytest.fixture
def sanming(gov):
    """三明市's committee with the demo city's fourteen member units (三明市教育局, 三明市委组织部, …)."""
    committee = committee_make(gov.admin, place("350400"))
    units = {n: member_unit_make(gov.admin, committee, name=f"三明市{n}") for n, _, _ in MEMBER_UNITS}
    return committee, units


def test_fuzhou_2015_imports_with_its_lead_and_cooperating_units(gov, sanming):
    committee, units = sanming
    text = FUZHOU_2015.read_text(encoding="utf-8")
    preview = services.import_preview(actor=gov.admin, committee=committee, data=ImportIn(text=text))
    assert preview.unknown == ["市社区大学", "市委农办", "市科技局"]
    plan = services.workplan_import(actor=gov.admin, committee=committee, data=ImportIn(text=text, decisions={
        "市社区大学": services.IGNORE, "市委农办": str(units["农业农村局"].pk), "市科技局": str(units["科学技术局"].pk)}))
    assert (plan.year, plan.title) == (2015, "2015年福州市终身教育工作要点")
    every = [f"三明市{n}" for n, _, _ in MEMBER_UNITS]

    def sm(*names):
        return [f"三明市{n}" for n in names]

    def rest(*names):
        return [u for u in every if u not in sm(*names)]

    expected = [
        ("完善终身教育运行机制", sm("教育局"), rest("教育局")),
        ("加强终身教育队伍建设", sm("教育局", "民政局"), rest("教育局", "民政局")),
        ("发挥终身教育激励机制", sm("教育局", "委宣传部"), rest("教育局", "委宣传部")),
        ("深化城乡社区教育工作", sm("教育局", "民政局"), rest("教育局", "民政局")),
        ("推动学习型组织创建工作", sm("教育局", "委组织部", "民政局", "人力资源和社会保障局", "总工会"),
         rest("教育局", "委组织部", "民政局", "人力资源和社会保障局", "总工会")),
        ("加快推进老年教育发展", sm("教育局", "委老干部局"), rest("教育局", "委老干部局")),
        ("加强终身教育学习平台建设", every, []),
        ("组织申报社区教育品牌创建工作", sm("教育局"), rest("教育局")),
        ("推进社区教育实验项目建设", sm("教育局"), rest("教育局")),
        ("探索农村成人教育新模式", sm("教育局", "人力资源和社会保障局", "科学技术局", "财政局", "农业农村局"),
         rest("教育局", "人力资源和社会保障局", "科学技术局", "财政局", "农业农村局")),
        ("广泛开展各类继续教育培训", every, []),
        ("开放各类终身学习资源", every, []),
        ("加大终身学习宣传力度", sm("教育局"), rest("教育局")),
    ]
    tasks = Task.objects.filter(plan=plan).order_by("item__position")
    assert [(t.title, *_units(t)) for t in tasks] == expected


def test_an_import_with_names_undecided_is_refused_naming_them(gov):
    error = refused(services.workplan_import, actor=gov.city_admin, committee=gov.committee,
                    data=ImportIn(text=DAZHOU_2014.read_text(encoding="utf-8"),
                                  decisions={"达州电大": services.IGNORE}))
    assert error.code == "units_undecided"
    assert error.errors["units"] == ["以下单位名称未能对应到本委员会的成员单位，请逐一确定（对应到成员单位、新增为成员单位或不列入任务）："
                                     "达州经开区管委会、市政府督查室、市广播电视台、达州日报社"]


@pytest.mark.parametrize("decision", ["foo", "999999", "other_committee"])
def test_a_decision_that_is_not_a_unit_of_the_committee_is_refused(gov, decision):
    if decision == "other_committee":
        decision = str(MemberUnit.objects.filter(committee=gov.lower["通川区"]).first().pk if MemberUnit.objects.filter(
            committee=gov.lower["通川区"]).exists() else member_unit_make(gov.admin, gov.lower["通川区"]).pk)
    decisions = {name: services.IGNORE for name in DAZHOU_UNKNOWN} | {"达州电大": decision}
    error = refused(services.workplan_import, actor=gov.city_admin, committee=gov.committee,
                    data=ImportIn(text=DAZHOU_2014.read_text(encoding="utf-8"), decisions=decisions))
    assert error.errors == {"decisions": [f"「达州电大」的处理方式「{decision}」不是本委员会的成员单位"]}


def test_a_second_plan_for_the_same_year_is_refused(gov):
    dazhou_plan(gov, year=YEAR)
    error = refused(dazhou_plan, gov=gov, year=YEAR)
    assert error.errors == {"year": [f"达州市终身教育促进委员会已有 {YEAR} 年的工作要点"]}


def test_a_task_whose_every_lead_is_left_out_is_refused_and_nothing_is_written(gov):
    text = ("2026年测试市终身教育工作要点\n一、工作重点\n(一)完善运行机制。加强统筹。(责任单位:市教育局)\n"
            "(二)开展宣传。营造氛围。(牵头单位：市不存在局，其他成员单位配合)")
    error = refused(services.workplan_import, actor=gov.city_admin, committee=gov.committee,
                    data=ImportIn(text=text, decisions={"市不存在局": services.IGNORE}))
    assert error.errors == {"units": ["任务「开展宣传」没有牵头单位：其牵头单位都被确定为不列入"]}


@pytest.mark.parametrize("who", ["district_admin", "reporter", "expert", "auditor", "staff", "learner"])
def test_only_the_committees_office_imports(gov, who):
    refused(services.workplan_import, PermissionDenied, actor=gov.user(who), committee=gov.committee,
            data=ImportIn(text=DAZHOU_2014.read_text(encoding="utf-8")))


def test_a_district_office_imports_into_its_own_committee(gov):
    text = "2026年通川区终身教育工作要点\n一、重点\n(一)办好社区学校。(责任单位:区教育局)"
    member_unit_make(gov.admin, gov.lower["通川区"], name="通川区教育局")
    plan = services.workplan_import(actor=gov.district_admin, committee=gov.lower["通川区"], data=ImportIn(text=text))
    assert _units(Task.objects.get(plan=plan)) == (["通川区教育局"], [])
