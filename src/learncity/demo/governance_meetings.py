"""The demo city's joint meeting (联席会议), built through the governance services as the office would: the city
committee's first joint meeting of the demo's year (in March, convened by the vice-mayor in charge), attended by
its member units and the districts' committees, with its agenda and minutes and three decisions; the office
publishes the minutes and turns two of the decisions into tasks of the year's plan (led by 教育局 and
人力资源和社会保障局, with cooperating units), the third left as a decision for the record. Deterministic: no
randomness, the dates from the demo's today."""

import datetime

from learncity.governance import selectors, services
from learncity.governance.inputs import DecisionTaskIn, DecisionTasksIn, MeetingDecisionIn, MeetingIn, UnitIn
from learncity.governance.models import WorkPlan
from learncity.network.models import MemberUnit
from learncity.people.models import User

AGENDA = ("听取市教育局关于上年度终身教育工作情况和本年度工作要点的汇报\n"
          "研究社区教育经费保障和社区学校标准化建设\n"
          "部署全民终身学习活动周和“9·28终身教育活动日”")
MINUTES = ("会议听取了市教育局关于上年度终身教育工作情况和本年度工作要点的汇报，审议通过本年度工作要点。\n"
           "会议认为，各成员单位要按照职责分工，把终身教育纳入本部门年度工作计划，按季度向委员会办公室报送工作进展。\n"
           "会议要求，各县（市）区要落实社区教育经费，推进社区学校标准化建设，年底前完成达标评估。")
DECISIONS = (
    ("由市教育局牵头，会同市财政局制定社区教育经费保障办法，年内印发实施。", (12, 15)),
    ("由人力资源和社会保障局牵头，将职工继续教育参与情况纳入各成员单位年度统计。", (12, 20)),
    ("全民终身学习活动周由市教育局统筹，各成员单位结合职能组织系列活动。", None),
)


def build_meetings(office: User, plan: WorkPlan, today: datetime.date) -> dict[str, int]:
    """The committee's joint meeting of `today`'s year, published, two of its decisions made tasks of `plan`."""
    committee = plan.committee
    units = list(MemberUnit.objects.restrict(office).filter(committee=committee).order_by("pk"))
    lower = selectors.units_assignable(actor=office, committee=committee)["committees"]

    def unit(name: str) -> MemberUnit:
        return next(u for u in units if u.name.endswith(name))

    meeting = services.meeting_create(actor=office, committee=committee, data=MeetingIn(
        title=f"{today.year}年{committee.place.name}终身教育促进委员会第一次联席会议",
        held_on=datetime.date(today.year, 3, 20), location="市政府第一会议室", convener="分管副市长",
        member_unit_ids=[u.pk for u in units], committee_ids=[c.pk for c in lower if c.pk != committee.pk][:4],
        agenda=AGENDA, minutes=MINUTES))
    decisions = [services.decision_add(actor=office, meeting=meeting, data=MeetingDecisionIn(
        text=text, due_on=datetime.date(today.year, *due) if due else None)) for text, due in DECISIONS]
    services.meeting_publish(actor=office, meeting=meeting)
    education, labour = unit("市教育局"), unit("人力资源和社会保障局")
    finance = next((u for u in units if u.name.endswith("财政局")), None)
    made = services.decision_tasks_create(actor=office, decision=decisions[0], data=DecisionTasksIn(tasks=[
        DecisionTaskIn(title="制定社区教育经费保障办法", due_on=datetime.date(today.year, 12, 15),
                       description=DECISIONS[0][0], lead=[UnitIn(member_unit_id=education.pk)],
                       cooperating=[UnitIn(member_unit_id=finance.pk)] if finance else [])]))
    made += services.decision_tasks_create(actor=office, decision=decisions[1], data=DecisionTasksIn(tasks=[
        DecisionTaskIn(title="职工继续教育参与情况纳入成员单位年度统计", due_on=datetime.date(today.year, 12, 20),
                       description=DECISIONS[1][0], lead=[UnitIn(member_unit_id=labour.pk)],
                       cooperating=[UnitIn(member_unit_id=education.pk)])]))
    return {"meeting_decisions": len(decisions), "decision_tasks": len(made)}
