"""The joint meetings' test helpers: a meeting of the world's committee (tests/governance/factories.py) as its
office registers it, its decisions, published; the work plan its decisions' tasks go into."""

import datetime

from django.utils import timezone

from learncity.governance import services
from learncity.governance.inputs import (
    DecisionTaskIn,
    DecisionTasksIn,
    ImportIn,
    MeetingDecisionIn,
    MeetingIn,
    UnitIn,
)
from learncity.governance.models import Meeting, MeetingDecision, WorkPlan
from tests.governance.factories import Governance, two_items

TODAY = timezone.localdate()
HELD_ON = datetime.date(TODAY.year, 3, 18)
AGENDA = "审议年度终身教育工作要点\n研究社区教育经费保障"
MINUTES = "会议听取了市教育局关于终身教育工作的汇报。\n会议认为，各成员单位要加强协作。"


def meeting_in(gov: Governance, **changes) -> MeetingIn:
    """The first joint meeting of the year: 教育局 and 人力资源和社会保障局 attend, and 通川区's committee."""
    fields = {"title": f"{TODAY.year}年第一次联席会议", "held_on": HELD_ON, "location": "市政府第三会议室",
              "convener": "分管副市长", "agenda": AGENDA, "minutes": MINUTES,
              "member_unit_ids": [gov.units["教育局"].pk, gov.units["人力资源和社会保障局"].pk],
              "committee_ids": [gov.lower["通川区"].pk]}
    return MeetingIn(**(fields | changes))


def meeting_make(gov: Governance, **changes) -> Meeting:
    return services.meeting_create(actor=gov.city_admin, committee=gov.committee, data=meeting_in(gov, **changes))


def decision_make(gov: Governance, meeting: Meeting, text: str = "由市教育局牵头制定社区教育经费保障办法",
                  due_on: datetime.date | None = None) -> MeetingDecision:
    return services.decision_add(actor=gov.city_admin, meeting=meeting,
                                 data=MeetingDecisionIn(text=text, due_on=due_on))


def published(gov: Governance, meeting: Meeting) -> Meeting:
    return services.meeting_publish(actor=gov.city_admin, meeting=meeting)


def plan_make(gov: Governance, year: int = TODAY.year) -> WorkPlan:
    return services.workplan_import(actor=gov.city_admin, committee=gov.committee,
                                    data=ImportIn(text=two_items(year), year=year))


def task_in(gov: Governance, title: str = "制定社区教育经费保障办法", *, lead=("教育局",), cooperating=("财政局",),
            due_on: datetime.date | None = None) -> DecisionTaskIn:
    return DecisionTaskIn(title=title, due_on=due_on or datetime.date(TODAY.year, 11, 30),
                          description="按联席会议议定事项办理",
                          lead=[UnitIn(member_unit_id=gov.units[n].pk) for n in lead],
                          cooperating=[UnitIn(member_unit_id=gov.units[n].pk) for n in cooperating])


def tasks_in(*tasks: DecisionTaskIn) -> DecisionTasksIn:
    return DecisionTasksIn(tasks=list(tasks))
