"""The demo city's committee year (learncity/demo/governance_builder.py): the seeds' Fuzhou 2015 work points as
the city committee's plan for the demo's year, its three unknown names decided, and the year as it stands on the
demo's today — every task state, every update state, each transition with its history row and audit row, the
reporter's own tasks on their list. Deterministic: the same rng gives the same year in another city.

The demo city of the test database (福州市) gets its year from the demo build, which calls build_governance."""

import random
import struct
import zlib
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction

from learncity.core.models import AuditEvent
from learncity.demo import builder
from learncity.demo.clock import TODAY
from learncity.demo.governance_builder import build_governance
from learncity.governance import selectors
from learncity.governance.models import (
    Evidence,
    ProgressUpdate,
    Task,
    TaskKind,
    TaskState,
    TaskTransition,
    TaskUnit,
    UnitAlias,
    UnitPart,
    UpdateState,
    WorkItem,
    WorkPlan,
)
from learncity.network.models import Committee, MemberUnit
from learncity.people.models import User
from learncity.places.models import Place

JINCHANG = "620300"  # 金昌市: a small city to build the year again in
S = TaskState
ITEMS = ["完善终身教育运行机制", "加强终身教育队伍建设", "发挥终身教育激励机制", "深化城乡社区教育工作",
         "推动学习型组织创建工作", "加快推进老年教育发展", "加强终身教育学习平台建设", "组织申报社区教育品牌创建工作",
         "推进社区教育实验项目建设", "探索农村成人教育新模式", "广泛开展各类继续教育培训", "开放各类终身学习资源",
         "加大终身学习宣传力度"]
DAY_928 = "举办“9·28终身教育活动日”全市主场活动"
COURSE = "举办全市社区（成人）教育专职干部骨干培训班"
STATES = {
    "完善终身教育运行机制": S.DONE, "加强终身教育队伍建设": S.DONE, "发挥终身教育激励机制": S.IN_PROGRESS,
    "深化城乡社区教育工作": S.IN_PROGRESS, "推动学习型组织创建工作": S.IN_PROGRESS, "加快推进老年教育发展": S.NOT_STARTED,
    "加强终身教育学习平台建设": S.IN_PROGRESS, "组织申报社区教育品牌创建工作": S.CANCELLED,
    "推进社区教育实验项目建设": S.NOT_STARTED, "探索农村成人教育新模式": S.DONE, "广泛开展各类继续教育培训": S.IN_PROGRESS,
    "开放各类终身学习资源": S.NOT_STARTED, "加大终身学习宣传力度": S.IN_PROGRESS,
    DAY_928: S.OVERDUE, COURSE: S.IN_PROGRESS,
}
# Each task's moves (from, to, who: the office, the reporter or the system), in order.
OFFICE, REPORTER, SYSTEM = "office", "reporter", "system"
START_OFFICE, START_REPORTER = [(S.NOT_STARTED, S.IN_PROGRESS, OFFICE)], [(S.NOT_STARTED, S.IN_PROGRESS, REPORTER)]
COMPLETE = [(S.IN_PROGRESS, S.DONE, OFFICE)]
MOVES = {
    "完善终身教育运行机制": START_OFFICE + COMPLETE, "加强终身教育队伍建设": START_OFFICE + COMPLETE,
    "发挥终身教育激励机制": START_OFFICE, "深化城乡社区教育工作": START_OFFICE, "推动学习型组织创建工作": START_REPORTER,
    "加快推进老年教育发展": [], "加强终身教育学习平台建设": START_REPORTER,
    "组织申报社区教育品牌创建工作": [(S.NOT_STARTED, S.CANCELLED, OFFICE)], "推进社区教育实验项目建设": [],
    "探索农村成人教育新模式": START_REPORTER + COMPLETE, "广泛开展各类继续教育培训": START_REPORTER,
    "开放各类终身学习资源": [], "加大终身学习宣传力度": START_OFFICE,
    DAY_928: [(S.NOT_STARTED, S.OVERDUE, SYSTEM)],
    COURSE: [*START_REPORTER, (S.IN_PROGRESS, S.OVERDUE, SYSTEM), (S.OVERDUE, S.IN_PROGRESS, OFFICE)],
}
EVENTS = {(S.NOT_STARTED, S.IN_PROGRESS): "start", (S.IN_PROGRESS, S.DONE): "complete",
          (S.NOT_STARTED, S.CANCELLED): "cancel", (S.NOT_STARTED, S.OVERDUE): "lapse",
          (S.IN_PROGRESS, S.OVERDUE): "lapse", (S.OVERDUE, S.IN_PROGRESS): "reschedule"}
# The reporter's updates by task (oldest first): the state the office left each in, and the reporter's unit's part.
UPDATES = {
    "完善终身教育运行机制": ([UpdateState.ACCEPTED], UnitPart.COOPERATING),
    "加强终身教育队伍建设": ([UpdateState.ACCEPTED], UnitPart.COOPERATING),
    "发挥终身教育激励机制": ([UpdateState.SUBMITTED], UnitPart.COOPERATING),
    "推动学习型组织创建工作": ([UpdateState.RETURNED, UpdateState.SUBMITTED], UnitPart.LEAD),
    "加强终身教育学习平台建设": ([UpdateState.ACCEPTED], UnitPart.LEAD),
    "探索农村成人教育新模式": ([UpdateState.ACCEPTED], UnitPart.LEAD),
}


@pytest.fixture
def plan(city) -> WorkPlan:
    return WorkPlan.objects.get(committee__place=city, year=TODAY.year)


def _tasks(plan: WorkPlan) -> dict[str, Task]:
    """The plan's work-point tasks (not the rectifications an inspection sends, nor a meeting's decisions)."""
    return {t.title: t for t in Task.objects.filter(plan=plan, kind=TaskKind.WORK_POINT).select_related("item")}


def test_the_city_committee_has_the_fuzhou_work_points_as_its_plan_for_the_demos_year(city, plan):
    office = User.objects.get(username="city_admin")
    assert (plan.title, plan.year, plan.created_by) == ("2015年福州市终身教育工作要点", 2026, office)
    assert plan.committee == Committee.objects.get(place=city)
    assert list(WorkItem.objects.filter(plan=plan).order_by("position").values_list("title", flat=True)) == ITEMS
    tasks = _tasks(plan)
    assert sorted(tasks) == sorted([*ITEMS, DAY_928, COURSE])
    # one task an item, due by the year's end; the office added two, with earlier time limits
    assert all(tasks[t].item.title == t and tasks[t].due_on == TODAY.replace(month=12, day=31) for t in ITEMS)
    assert (tasks[DAY_928].item.title, str(tasks[DAY_928].due_on)) == ("加大终身学习宣传力度", "2026-09-30")
    assert (tasks[COURSE].item.title, str(tasks[COURSE].due_on)) == ("加强终身教育队伍建设", "2026-12-18")
    created = AuditEvent.objects.filter(action="task.create", object_type="governance.task",
                                        object_id__in=[str(t.pk) for t in tasks.values()])
    assert set(created.values_list("object_id", "actor")) == {(str(tasks[DAY_928].pk), office.pk),
                                                               (str(tasks[COURSE].pk), office.pk)}
    # the office's decisions: two names learnt as aliases of their units, one added as a member unit (that leads)
    assert set(UnitAlias.objects.filter(committee=plan.committee).values_list("name", "member_unit__name")) == {
        ("市科技局", "福州市科学技术局"), ("市委农办", "福州市农业农村局")}
    college = MemberUnit.objects.get(committee=plan.committee, name="福州市社区大学")
    assert TaskUnit.objects.get(member_unit=college, task=tasks["加强终身教育队伍建设"]).part == UnitPart.LEAD
    rural = TaskUnit.objects.filter(task=tasks["探索农村成人教育新模式"], part=UnitPart.LEAD)
    assert {"福州市科学技术局", "福州市农业农村局"} <= set(rural.values_list("member_unit__name", flat=True))


def test_every_task_state_is_present_as_of_the_demos_today(plan):
    states = {title: task.state for title, task in _tasks(plan).items()}
    assert states == STATES
    assert set(Counter(states.values())) == set(S.values)


def test_every_move_has_its_history_row_and_audit_row(plan):
    office, reporter = User.objects.get(username="city_admin"), User.objects.get(username="reporter")
    who = {office.pk: OFFICE, reporter.pk: REPORTER, None: SYSTEM}
    for title, task in _tasks(plan).items():
        rows = list(TaskTransition.objects.filter(task=task).order_by("at", "id"))
        assert [(r.from_state, r.to_state, who[r.actor_id]) for r in rows] == MOVES[title], title
        audited = AuditEvent.objects.filter(object_type="governance.task", object_id=str(task.pk),
                                            action__in=[f"task.{e}" for e in set(EVENTS.values())]).order_by("id")
        assert [(a.action, a.actor_id) for a in audited] == [
            (f"task.{EVENTS[(r.from_state, r.to_state)]}", r.actor_id) for r in rows], title
        assert [(r.from_state, r.to_state) for r in selectors.task_history(actor=office, task=task)] == [
            (r.from_state, r.to_state) for r in rows]
    tasks = _tasks(plan)
    cancel = TaskTransition.objects.get(task=tasks["组织申报社区教育品牌创建工作"])
    assert cancel.reason == "省级社区教育品牌申报今年暂停，第二批市级品牌创建并入明年工作要点。"
    lapsed = TaskTransition.objects.filter(to_state=S.OVERDUE, task__plan=plan)
    assert {r.task.title: r.reason for r in lapsed} == {
        COURSE: "超过完成时限 2026-06-30", DAY_928: "超过完成时限 2026-09-30"}
    assert lapsed.count() == 2
    rescheduled = TaskTransition.objects.get(task=tasks[COURSE], from_state=S.OVERDUE)
    assert rescheduled.reason == "培训基地改造，培训班推迟至12月举办。"


def _png_pixels(content: bytes) -> tuple[int, int, bytes]:
    """(width, height, the raw scanlines) of a PNG, read chunk by chunk with each chunk's CRC checked."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(content):
        (length,), kind = struct.unpack(">I", content[at:at + 4]), content[at + 4:at + 8]
        data = content[at + 8:at + 8 + length]
        assert struct.unpack(">I", content[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + data)
        chunks[kind] = chunks.get(kind, b"") + data
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour, b"IEND" in chunks) == (8, 2, True)
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_the_units_progress_updates_with_figures_evidence_and_the_offices_decisions(plan):
    office, reporter = User.objects.get(username="city_admin"), User.objects.get(username="reporter")
    unit = reporter.role_assignments.get().member_unit
    tasks = _tasks(plan)
    updates = ProgressUpdate.objects.filter(task__plan=plan)
    assert set(updates.values_list("task__title", flat=True)) == set(UPDATES)
    for title, (states, part) in UPDATES.items():
        rows = list(updates.filter(task=tasks[title]).order_by("created_at", "id"))
        assert [u.state for u in rows] == states, title
        assert all(u.member_unit == unit and u.author == reporter and u.figures for u in rows), title
        assert TaskUnit.objects.get(task=tasks[title], member_unit=unit).part == part
        for u in rows:
            assert all(set(f) == {"label", "value", "unit"} and Decimal(f["value"]) > 0 for f in u.figures)
            assert (u.decided_by, u.decided_at is None) == ((None, True) if u.state == UpdateState.SUBMITTED
                                                            else (office, False))
    returned = updates.get(state=UpdateState.RETURNED)
    assert returned.comment == "请补充各县（市）区的创建名单和验收安排。"
    answer = updates.filter(task=returned.task).exclude(pk=returned.pk).get()
    assert answer.pk > returned.pk and answer.text.startswith("补充")
    assert AuditEvent.objects.filter(action="task.update_return", object_id=str(returned.pk)).exists()
    accepted = {str(pk) for pk in updates.filter(state=UpdateState.ACCEPTED).values_list("pk", flat=True)}
    assert len(accepted) == 4 and set(AuditEvent.objects.filter(
        action="task.update_accept", object_id__in=[str(u.pk) for u in updates]).values_list("object_id", flat=True)) \
        == accepted
    # the evidence: a chart of the update's figures, a real PNG (three bars, three colours and the white and grey)
    evidence = list(Evidence.objects.filter(update__task__plan=plan).select_related("update__task"))
    assert sorted(e.update.task.title for e in evidence) == sorted(
        ["加强终身教育队伍建设", "推动学习型组织创建工作", "探索农村成人教育新模式"])
    for e in evidence:
        content = bytes(e.content)
        assert (e.content_type, e.size, e.name.endswith(".png")) == ("image/png", len(content), True)
        width, height, raw = _png_pixels(content)
        assert len(raw) == height * (1 + 3 * width)
        colours = {raw[i:i + 3] for row in range(height) for i in range(row * (1 + 3 * width) + 1,
                                                                          (row + 1) * (1 + 3 * width), 3)}
        assert len(colours) == len(e.update.figures) + 2


def test_each_role_sees_its_part_of_the_year(plan):
    users = {u.username: u for u in User.objects.filter(
        username__in=["city_admin", "reporter", "district_admin", "expert", "auditor", "staff", "learner"])}
    every = set(Task.objects.filter(plan=plan, kind=TaskKind.WORK_POINT).values_list("pk", flat=True))
    mine = set(selectors.task_list(actor=users["reporter"], mine=True).filter(kind=TaskKind.WORK_POINT)
               .values_list("pk", flat=True))
    # the reporter's unit (人力资源和社会保障局) leads or cooperates on every task of the Fuzhou plan
    assert mine and mine == every == set(TaskUnit.objects.filter(
        member_unit=users["reporter"].role_assignments.get().member_unit, task__kind=TaskKind.WORK_POINT)
        .values_list("task_id", flat=True))
    for who in ("city_admin", "expert", "auditor"):
        assert set(selectors.task_list(actor=users[who]).filter(plan=plan, kind=TaskKind.WORK_POINT)
                   .values_list("pk", flat=True)) == every
    for who in ("staff", "learner"):
        assert not selectors.task_list(actor=users[who]).exists()
    home = selectors.home_tasks(actor=users["city_admin"], today=TODAY)
    assert (home["updates"], home["late"]) == (2, 1)
    assert selectors.home_tasks(actor=users["reporter"], today=TODAY)["overdue"] == 1


def test_building_the_year_again_adds_nothing(city):
    users = {u.username: u for u in User.objects.filter(username__in=["city_admin", "reporter"])}
    counts = [m.objects.count() for m in (WorkPlan, Task, TaskTransition, ProgressUpdate, Evidence, AuditEvent)]
    assert build_governance(city, random.Random(1), users, TODAY) == {"work_tasks": 0, "progress_updates": 0}
    assert [m.objects.count() for m in (WorkPlan, Task, TaskTransition, ProgressUpdate, Evidence, AuditEvent)] == counts


def _fingerprint(plan: WorkPlan) -> list:
    """The year by the tasks' titles: states, time limits, moves, updates with figures, decisions and files."""
    return sorted(
        (t.title, t.state, t.due_on, [(r.from_state, r.to_state, r.reason) for r in t.transitions.order_by("id")],
         [(u.text, u.figures, u.state, u.comment, [(e.name, e.sha256) for e in u.evidence.order_by("id")])
          for u in t.updates.order_by("id")])
        for t in Task.objects.filter(plan=plan, kind=TaskKind.WORK_POINT))


def _small_city(code: str):
    """A city with the demo's network, committees and users, and nothing else (no residents, no catalogue)."""
    city = Place.objects.get(code=code)
    rng = random.Random(code)
    builder._institutions(city, builder._network_levels(city), rng, lambda *a: None)
    builder._committees(city, rng)
    return city, builder._users(city, "demo-governance-pass", rng)


def test_the_same_rng_builds_the_same_year_in_another_city(city, plan):
    fuzhou = _fingerprint(plan)
    with transaction.atomic():
        jinchang, users = _small_city(JINCHANG)
        counts = build_governance(jinchang, random.Random(f"2026:{city.code}:governance"), users, TODAY)
        other = WorkPlan.objects.get(committee__place=jinchang)
        assert counts == {"work_tasks": 15, "work_tasks_lapsed": 2, "progress_updates": 7, "inspection_visits": 2,
                          "rectifications": 2, "meeting_decisions": 3, "decision_tasks": 2,
                          "report_rounds": 3, "report_returns": 9, "statistics_returns": 3,
                          "statistics_accepted": 3}
        assert _fingerprint(other) == fuzhou  # the demo city's seed: the same figures, states and files
        assert MemberUnit.objects.filter(committee=other.committee, name="金昌市社区大学").exists()
        transaction.set_rollback(True)
    with transaction.atomic():
        jinchang, users = _small_city(JINCHANG)
        build_governance(jinchang, random.Random("another seed"), users, TODAY)
        different = _fingerprint(WorkPlan.objects.get(committee__place=jinchang))
        transaction.set_rollback(True)
    assert [row[:4] for row in different] == [row[:4] for row in fuzhou]  # the same story
    assert different != fuzhou  # with other figures


def test_the_annual_assessment_of_districts_and_member_units_and_its_advanced_units(city):
    # the office's two schemes of the demo's year (governance_assessment.py), weighted 30/30/20/20
    from learncity.governance.models import AdvancedUnitProposal, AssessmentScheme
    from learncity.governance.selectors.assessment import assessment_table

    office = User.objects.get(username="city_admin")
    schemes = {s.subjects: s for s in AssessmentScheme.objects.filter(committee__place=city, year=TODAY.year)}
    assert set(schemes) == {"districts", "member_units"}
    for scheme in schemes.values():
        assert dict(scheme.weights.values_list("component", "weight")) == {
            "indicators": Decimal(30), "tasks": Decimal(30), "reports": Decimal(20), "inspections": Decimal(20)}
        table = assessment_table(office, scheme)
        assert len(table) >= 3
        proposal = AdvancedUnitProposal.objects.filter(scheme=scheme)
        # one proposal: the first three of the table (and any tied with the third), with their totals
        assert {p.number for p in proposal} == {1}
        assert sorted((p.member_unit_id, p.committee_id, p.rank, p.total) for p in proposal) == sorted(
            (r.member_unit.pk if r.member_unit else None, r.committee.pk if r.committee else None, r.rank, r.total)
            for r in table if r.rank <= 3)
    districts = assessment_table(office, schemes["districts"])
    assert {r.committee.place.parent_id for r in districts} == {city.pk}
    # the city's plan's tasks are led by member units: their tasks component is scored
    members = assessment_table(office, schemes["member_units"])
    assert any(r.component("tasks").applicable for r in members)


def test_the_inspection_round_scored_rectified_closed_and_circulated(city, plan):
    # governance_inspections.py: the shipped standard, an inspector over the city, four districts' community schools
    from learncity.governance.models import (
        Circular,
        InspectionRound,
        InspectionScore,
        InspectionVisit,
        Rectification,
    )
    from learncity.network.models import InstitutionKind

    office, inspector = User.objects.get(username="city_admin"), User.objects.get(username="inspector")
    assert inspector.role_assignments.get().role == "inspector"
    found = InspectionRound.objects.get(committee__place=city, year=TODAY.year)
    assert (found.standard.code, found.closed_by) == ("community-school-model", office)
    visits = list(InspectionVisit.objects.filter(round=found).select_related("institution__place"))
    assert len(visits) == 4 and {v.state for v in visits} == {"submitted"}
    assert {v.institution.kind for v in visits} == {InstitutionKind.COMMUNITY_SCHOOL}
    assert len({v.institution.place.path.split("/")[3] for v in visits}) == 4  # four districts
    assert InspectionScore.objects.filter(visit__round=found).count() == 4 * 21
    assert InspectionScore.objects.filter(visit__round=found).exclude(finding="").count() == 12
    rectifications = list(Rectification.objects.filter(score__visit__round=found).select_related("task"))
    assert len(rectifications) == 2
    leads = [r.task.units.get() for r in rectifications]
    assert {u.committee.place.parent_id for u in leads} == {city.pk} and len({u.committee_id for u in leads}) == 2
    assert {(r.task.kind, r.task.plan_id) for r in rectifications} == {("rectification", plan.pk)}
    circular = Circular.objects.get(round=found)
    assert circular.title == f"关于{TODAY.year}年社区学校示范校专项督导情况的通报"
    assert "一、督导结果（满分 100 分）" in circular.text and "三、整改要求" in circular.text
    assert [v.pk for v in selectors.visit_list_mine(actor=inspector)] == sorted(v.pk for v in visits)


def test_the_joint_meeting_published_with_three_decisions_two_made_tasks(city, plan):
    from learncity.governance.models import DecisionTask, Meeting, MeetingState

    office, reporter = User.objects.get(username="city_admin"), User.objects.get(username="reporter")
    [meeting] = Meeting.objects.filter(committee=plan.committee, year=TODAY.year)
    assert (meeting.state, meeting.published_by, meeting.convener, str(meeting.held_on)) == (
        MeetingState.PUBLISHED, office, "分管副市长", "2026-03-20")
    assert set(meeting.member_units.all()) == set(MemberUnit.objects.filter(committee=plan.committee))
    assert meeting.committees.count() >= 1 and meeting.minutes and meeting.agenda
    decisions = list(meeting.decisions.order_by("position"))
    assert [d.position for d in decisions] == [1, 2, 3]
    links = DecisionTask.objects.filter(decision__meeting=meeting).select_related("task", "decision")
    made = {link.task.title: link for link in links}
    assert sorted(made) == ["制定社区教育经费保障办法", "职工继续教育参与情况纳入成员单位年度统计"]
    assert {link.decision.position for link in links} == {1, 2}
    for link in links:
        assert (link.task.kind, link.task.item_id, link.task.plan) == (TaskKind.DECISION, None, plan)
        assert link.task.units.filter(part=UnitPart.LEAD).exists()
    labour = made["职工继续教育参与情况纳入成员单位年度统计"].task
    assert labour.units.get(part=UnitPart.LEAD).member_unit == reporter.role_assignments.get().member_unit
    # the reporter's unit reads the meeting, and of its decisions' tasks the one it leads and the one it may not
    [_first, second, third] = selectors.meeting_decisions(actor=reporter, meeting=meeting)
    assert [t.title for t in second.tasks.all()] == [labour.title] and list(third.tasks.all()) == []
    assert set(AuditEvent.objects.filter(object_type="governance.meeting", object_id=str(meeting.pk))
               .values_list("action", flat=True)) == {"meeting.create", "meeting.publish"}


def test_the_three_quarterly_rounds_with_a_late_unit_a_return_resubmitted_and_an_extension(city):
    # governance_reports.py: the quarterly form, Q1 and Q2 closed and locked, Q3 open as of the demo's today
    from learncity.governance.models import ReportReturn, ReportRound, ReturnEvent, ReturnState

    rounds = list(ReportRound.objects.filter(committee__place=city, period_start__year=TODAY.year,
                                             form__code="quarterly").order_by("period_start"))
    assert [r.title for r in rounds] == [f"{TODAY.year}年第一季度", f"{TODAY.year}年第二季度", f"{TODAY.year}年第三季度"]
    assert [r.locked_at is not None for r in rounds] == [True, True, False]
    q1, q2, q3 = (list(ReportReturn.objects.filter(round=r)) for r in rounds)
    extended = [r for r in q1 if r.extended_until is not None]
    assert len(extended) == 1 and extended[0].first_submitted_at > rounds[0].deadline
    assert extended[0].first_submitted_at < extended[0].extended_until
    assert {r.state for r in q1} == {ReturnState.ACCEPTED}
    resent = [r for r in q2 if ReturnEvent.objects.filter(report_return=r, action="return").exists()]
    assert [(r.member_unit is not None, r.state) for r in resent] == [(True, ReturnState.ACCEPTED)]
    assert resent[0].first_submitted_at < resent[0].submitted_at
    never = [r for r in q2 if r.state == ReturnState.DRAFT]
    assert len(never) == 1 and never[0].first_submitted_at is None  # late: never in, the round locked
    assert sorted(Counter(r.state for r in q3).items()) == sorted({
        ReturnState.ACCEPTED: 1, ReturnState.SUBMITTED: 1, ReturnState.DRAFT: len(q3) - 2}.items())
    mine = [r for r in q3 if r.member_unit is not None]
    assert mine[0].data["summary"] == "（草稿）"


def test_the_annual_statistics_flash_report_accepted_and_fed_to_emp_ce(city):
    # governance_statistics.py: the year's annual statistics by department and industry, opened on 8 October,
    # submitted from 20 October (one sent back and resubmitted), every return accepted by the demo's today; each
    # accepted return's employees in continuing education reach monitoring as a reported EMP-CE figure
    from learncity.governance.models import ReportReturn, ReportRound, ReturnEvent, ReturnState
    from learncity.monitoring.models import ReportedFigure

    rnd = ReportRound.objects.get(committee__place=city, form__code="annual-statistics",
                                  period_start__year=TODAY.year)
    returns = list(ReportReturn.objects.filter(round=rnd).order_by("pk"))
    assert returns and {r.state for r in returns} == {ReturnState.ACCEPTED}
    assert ReturnEvent.objects.filter(report_return__round=rnd, action="return").count() == 1
    figures = list(ReportedFigure.objects.filter(indicator__code="EMP-CE", source__startswith="governance.return:"))
    assert {f.source for f in figures} == {f"governance.return:{r.pk}" for r in returns}
    for f in figures:
        assert f.denominator and 0 < f.numerator <= f.denominator
