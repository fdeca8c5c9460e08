"""Joint meetings (governance/services/meetings.py): the office registers a meeting, edits it while a draft, adds
its decisions and publishes it once; a published meeting's decision becomes tasks (kind DECISION) of the
committee's plan for the meeting's year, through the same checks as any task. Every write audited; every refusal
(not the office: 403, outside the scope: 404, a published meeting, no lead unit, no plan for the year, another
committee's unit) writes nothing. The world: tests/governance/factories.py."""

import datetime

import pytest

from learncity.core.audit import AuditEvent
from learncity.core.errors import NotFound, PermissionDenied
from learncity.core.scopes import Role
from learncity.governance import selectors, services
from learncity.governance.inputs import MeetingDecisionIn, UnitIn
from learncity.governance.models import (
    DecisionTask,
    Meeting,
    MeetingDecision,
    MeetingState,
    Task,
    TaskKind,
    TaskState,
    TaskUnit,
    UnitPart,
)
from tests.checks import refuses
from tests.governance.factories import governance_fixtures
from tests.governance.meetings_factories import (
    AGENDA,
    HELD_ON,
    MINUTES,
    TODAY,
    decision_make,
    meeting_in,
    meeting_make,
    plan_make,
    published,
    task_in,
    tasks_in,
)
from tests.network.factories import member_unit_make
from tests.people.factories import account_make

governance_built, gov = governance_fixtures()


def snapshot():
    meetings = list(Meeting.objects.order_by("pk").values_list(
        "pk", "title", "held_on", "year", "convener", "agenda", "minutes", "state", "published_at"))
    attendance = [(m.pk, sorted(m.member_units.values_list("pk", flat=True)),
                   sorted(m.committees.values_list("pk", flat=True))) for m in Meeting.objects.order_by("pk")]
    return (meetings, attendance, list(MeetingDecision.objects.order_by("pk").values_list("pk", "position", "text")),
            DecisionTask.objects.count(), Task.objects.count(), TaskUnit.objects.count(), AuditEvent.objects.count())


refused = refuses(snapshot)


@pytest.fixture(autouse=True)
def _audit_start():
    """The audit trail's newest row before the test: what the test writes comes after it."""
    global AUDIT_START
    AUDIT_START = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


AUDIT_START = 0


def _audit(action: str) -> list:
    return list(AuditEvent.objects.filter(action=action, id__gt=AUDIT_START).order_by("id"))


# --- create, update ----------------------------------------------------------------------------------------------

def test_the_office_registers_a_draft_meeting_with_its_attendance(gov):
    meeting = meeting_make(gov)

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.committee, meeting.year, meeting.held_on, meeting.convener, meeting.location) == (
        gov.committee, TODAY.year, HELD_ON, "分管副市长", "市政府第三会议室")
    assert (meeting.agenda, meeting.minutes, meeting.state, meeting.created_by) == (
        AGENDA, MINUTES, MeetingState.DRAFT, gov.city_admin)
    assert sorted(meeting.member_units.values_list("pk", flat=True)) == sorted(
        [gov.units["教育局"].pk, gov.units["人力资源和社会保障局"].pk])
    assert list(meeting.committees.values_list("pk", flat=True)) == [gov.lower["通川区"].pk]
    [event] = _audit("meeting.create")
    assert (event.actor, event.object_id, event.detail["committees"]) == (
        gov.city_admin, str(meeting.pk), [gov.lower["通川区"].pk])


def test_the_year_is_the_meetings_own_unless_given_within_a_year(gov):
    assert meeting_make(gov, year=None).year == HELD_ON.year
    assert meeting_make(gov, held_on=datetime.date(TODAY.year + 1, 1, 10), year=TODAY.year).year == TODAY.year

    error = refused(meeting_make, gov=gov, year=TODAY.year + 3)
    assert list(error.errors) == ["year"]


def test_another_committees_member_unit_or_a_committee_not_below_is_refused_naming_the_field(gov):
    stranger = member_unit_make(gov.admin, gov.lower["通川区"], name="通川区民政局")

    error = refused(meeting_make, gov=gov, member_unit_ids=[gov.units["教育局"].pk, stranger.pk],
                    committee_ids=[gov.committee.pk])

    assert error.errors == {
        "member_unit_ids": [f"这些单位不是本委员会的成员单位：{stranger.pk}"],
        "committee_ids": [f"这些委员会不是本委员会的下级委员会：{gov.committee.pk}"]}


@pytest.mark.parametrize(("role", "refusal"), [("reporter", PermissionDenied), ("expert", PermissionDenied),
                                               ("auditor", PermissionDenied), ("district_admin", NotFound)])
def test_only_the_office_registers_a_meeting(gov, role, refusal):
    user = gov.user(role)

    refused(lambda: services.meeting_create(actor=user, committee=gov.committee, data=meeting_in(gov)), refusal)


def test_a_user_who_does_not_read_the_committee_gets_not_found(gov):
    refused(lambda: services.meeting_create(actor=gov.staff, committee=gov.committee, data=meeting_in(gov)),
            NotFound)


def test_the_office_rewrites_a_draft_and_its_attendance(gov):
    meeting = meeting_make(gov)

    services.meeting_update(actor=gov.city_admin, meeting=meeting, data=meeting_in(
        gov, title="第一次联席会议（扩大）", minutes="修改后的纪要", member_unit_ids=[gov.units["民政局"].pk],
        committee_ids=[]))

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.title, meeting.minutes, meeting.state) == ("第一次联席会议（扩大）", "修改后的纪要", MeetingState.DRAFT)
    assert list(meeting.member_units.values_list("pk", flat=True)) == [gov.units["民政局"].pk]
    assert list(meeting.committees.all()) == []
    [event] = _audit("meeting.update")
    assert event.detail["member_units"] == [gov.units["民政局"].pk]


def test_a_published_meeting_is_not_edited(gov):
    meeting = published(gov, meeting_make(gov))

    error = refused(lambda: services.meeting_update(actor=gov.city_admin, meeting=meeting,
                                                    data=meeting_in(gov, minutes="改过的纪要")))

    assert error.code == "meeting_published"
    assert error.errors == {"state": [f"会议「{meeting.title}」的纪要已印发，不能再修改"]}


def test_a_member_unit_reads_the_meeting_but_may_not_edit_it(gov):
    meeting = meeting_make(gov)

    assert selectors.meeting_get(actor=gov.education_reporter, pk=meeting.pk) == meeting
    refused(lambda: services.meeting_update(actor=gov.education_reporter, meeting=meeting, data=meeting_in(gov)),
            PermissionDenied)


def test_outside_the_committee_the_meeting_is_not_found(gov):
    meeting = meeting_make(gov)
    outsider = account_make(Role.MEMBER_UNIT_REPORTER, actor=gov.admin,
                            member_unit=member_unit_make(gov.admin, gov.lower["达川区"], name="达川区教育局"))

    for user in (outsider, gov.staff, gov.learner):
        with pytest.raises(NotFound):
            selectors.meeting_get(actor=user, pk=meeting.pk)
        refused(lambda u=user: services.meeting_update(actor=u, meeting=meeting, data=meeting_in(gov)), NotFound)
        refused(lambda u=user: services.meeting_publish(actor=u, meeting=meeting), NotFound)
        assert list(selectors.meeting_list(actor=user)) == []


# --- publish -----------------------------------------------------------------------------------------------------

def test_publishing_once_records_who_and_when_and_audits_the_move(gov):
    meeting = meeting_make(gov)

    meeting = published(gov, meeting)

    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.state, stored.published_by) == (MeetingState.PUBLISHED, gov.city_admin)
    assert stored.published_at is not None
    [event] = _audit("meeting.publish")
    assert (event.detail["from_state"], event.detail["to_state"]) == ("draft", "published")


def test_publishing_twice_is_refused(gov):
    meeting = published(gov, meeting_make(gov))

    error = refused(lambda: services.meeting_publish(actor=gov.city_admin, meeting=meeting))

    assert error.errors == {"state": [f"会议「{meeting.title}」的纪要已印发，不能再次印发"]}


def test_a_meeting_without_minutes_or_attendance_is_not_published(gov):
    meeting = meeting_make(gov, minutes="", member_unit_ids=[], committee_ids=[])

    error = refused(lambda: services.meeting_publish(actor=gov.city_admin, meeting=meeting))

    assert error.errors == {"minutes": ["请先填写会议纪要"], "member_unit_ids": ["请先登记出席单位"]}


def test_only_the_office_publishes(gov):
    meeting = meeting_make(gov)

    refused(lambda: services.meeting_publish(actor=gov.education_reporter, meeting=meeting), PermissionDenied)
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.DRAFT


# --- decisions ---------------------------------------------------------------------------------------------------

def test_decisions_are_numbered_in_order_and_audited(gov):
    meeting = meeting_make(gov)

    first = decision_make(gov, meeting, "第一项", due_on=datetime.date(TODAY.year, 6, 30))
    second = decision_make(gov, meeting, "第二项")

    assert [(d.position, d.text, d.due_on) for d in MeetingDecision.objects.filter(meeting=meeting)] == [
        (1, "第一项", datetime.date(TODAY.year, 6, 30)), (2, "第二项", None)]
    assert [e.object_id for e in _audit("meeting.decision_add")] == [str(first.pk), str(second.pk)]


def test_a_decision_on_a_published_meeting_or_due_before_it_is_refused(gov):
    meeting = meeting_make(gov)
    early = refused(lambda: services.decision_add(actor=gov.city_admin, meeting=meeting, data=MeetingDecisionIn(
        text="x", due_on=HELD_ON - datetime.timedelta(days=1))))
    assert early.errors == {"due_on": [f"完成时限早于会议日期 {HELD_ON}"]}

    published(gov, meeting)
    late = refused(decision_make, gov=gov, meeting=meeting)
    assert late.code == "meeting_published"


def test_only_the_office_adds_a_decision(gov):
    meeting = meeting_make(gov)

    refused(lambda: services.decision_add(actor=gov.reporter, meeting=meeting, data=MeetingDecisionIn(text="x")),
            PermissionDenied)


# --- a decision's tasks ------------------------------------------------------------------------------------------

@pytest.fixture
def decision(gov):
    plan_make(gov)
    meeting = meeting_make(gov)
    decision = decision_make(gov, meeting)
    published(gov, meeting)
    return MeetingDecision.objects.get(pk=decision.pk)


def test_a_decision_becomes_tasks_of_the_years_plan_with_their_units(gov, decision):
    tasks = services.decision_tasks_create(actor=gov.city_admin, decision=decision, data=tasks_in(
        task_in(gov), task_in(gov, "建立经费使用年度报告制度", lead=("财政局", "教育局"), cooperating=("教育局",))))

    assert [(t.kind, t.item_id, t.plan.committee, t.plan.year, t.state) for t in tasks] == [
        (TaskKind.DECISION, None, gov.committee, TODAY.year, TaskState.NOT_STARTED)] * 2
    assert list(DecisionTask.objects.filter(decision=decision).values_list("task_id", flat=True)) == [
        t.pk for t in tasks]
    units = [(u.part, u.member_unit.name) for u in TaskUnit.objects.filter(task=tasks[1]).order_by("id")]
    assert units == [(UnitPart.LEAD, "达州市财政局"), (UnitPart.LEAD, "达州市教育局")]  # 教育局 once, as lead
    events = [e for e in _audit("task.create") if e.object_id in {str(t.pk) for t in tasks}]
    assert [(e.object_id, e.detail["decision"], e.detail["meeting"]) for e in events] == [
        (str(t.pk), decision.pk, decision.meeting_id) for t in tasks]
    [read] = selectors.meeting_decisions(actor=gov.city_admin, meeting=decision.meeting)
    assert list(read.tasks.all()) == tasks


def test_a_member_unit_sees_only_the_decisions_tasks_it_answers_for(gov, decision):
    mine, other = services.decision_tasks_create(actor=gov.city_admin, decision=decision, data=tasks_in(
        task_in(gov, "甲", lead=("教育局",), cooperating=()), task_in(gov, "乙", lead=("民政局",), cooperating=())))

    [read] = selectors.meeting_decisions(actor=gov.education_reporter, meeting=decision.meeting)

    assert list(read.tasks.all()) == [mine]
    assert other.pk not in [t.pk for t in read.tasks.all()]


def test_a_task_with_no_lead_unit_is_refused_naming_the_task(gov, decision):
    error = refused(lambda: services.decision_tasks_create(actor=gov.city_admin, decision=decision, data=tasks_in(
        task_in(gov), task_in(gov, "无牵头", lead=()))))

    assert error.errors == {"tasks.1.lead": ["任务至少要有一个牵头单位"]}


def test_a_unit_not_the_committees_is_refused(gov, decision):
    stranger = member_unit_make(gov.admin, gov.lower["通川区"], name="通川区民政局")
    data = task_in(gov).model_copy(update={"cooperating": [UnitIn(member_unit_id=stranger.pk)]})

    error = refused(lambda: services.decision_tasks_create(actor=gov.city_admin, decision=decision,
                                                           data=tasks_in(data)))

    assert error.errors == {"tasks.0.cooperating": [f"这些单位不是本委员会的成员单位或下级委员会：{stranger.pk}"]}


def test_a_task_due_before_the_plans_year_is_refused(gov, decision):
    error = refused(lambda: services.decision_tasks_create(actor=gov.city_admin, decision=decision, data=tasks_in(
        task_in(gov, due_on=datetime.date(TODAY.year - 1, 12, 1)))))

    assert error.errors == {"tasks.0.due_on": [f"完成时限早于工作要点的年度 {TODAY.year}"]}


def test_no_plan_for_the_meetings_year_is_a_clear_error(gov):
    meeting = meeting_make(gov)  # no plan imported for the year
    decision = decision_make(gov, meeting)
    published(gov, meeting)

    error = refused(lambda: services.decision_tasks_create(actor=gov.city_admin, decision=decision,
                                                           data=tasks_in(task_in(gov))))

    assert error.code == "no_plan"
    assert error.errors == {"plan": [f"{gov.committee.name}还没有 {TODAY.year} 年度工作要点，议定事项无法转为任务"]}


def test_a_draft_meetings_decision_does_not_become_a_task(gov):
    plan_make(gov)
    decision = decision_make(gov, meeting_make(gov))

    error = refused(lambda: services.decision_tasks_create(actor=gov.city_admin, decision=decision,
                                                           data=tasks_in(task_in(gov))))

    assert (error.code, error.errors) == ("meeting_draft", {"state": ["会议纪要印发后，议定事项才能转为任务"]})


def test_only_the_office_turns_a_decision_into_tasks(gov, decision):
    refused(lambda: services.decision_tasks_create(actor=gov.education_reporter, decision=decision,
                                                   data=tasks_in(task_in(gov))), PermissionDenied)
    refused(lambda: services.decision_tasks_create(actor=gov.staff, decision=decision,
                                                   data=tasks_in(task_in(gov))), NotFound)


def test_a_decisions_task_moves_like_any_task(gov, decision):
    [task] = services.decision_tasks_create(actor=gov.city_admin, decision=decision, data=tasks_in(task_in(gov)))

    assert services.events_open(gov.education_reporter, task) == ["start"]
