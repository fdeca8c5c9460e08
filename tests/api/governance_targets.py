"""The committee's year on each side of the 鼓楼区 / 台江区 line for the authorization matrix, each made on first use
through the services: the city committee's plan with a task led by the reporter's unit ("lead"), one by 鼓楼区's
committee ("gulou"), one by 台江区's ("taijiang"), one the reporter's unit cooperates on and one of another unit;
鼓楼区's and 台江区's committees' own plans (their offices lead their one task); the three first tasks started, each
with a progress update and its evidence file by the unit that answers for it. The plans are of YEAR, a year the
demo city's own plan (its current year's) is not of: a committee has one plan a year."""

import base64
import datetime
import io
from functools import cached_property

import docx
from django.utils import timezone

from learncity.core.scopes import Role
from learncity.governance import services
from learncity.governance.form_files import form_document
from learncity.governance.inputs import (
    CircularIn,
    ImportIn,
    InspectionRoundIn,
    MeetingDecisionIn,
    MeetingIn,
    MilestoneIn,
    MoveIn,
    ScoreIn,
    StandardIn,
    UpdateIn,
    VisitIn,
)
from learncity.governance.inputs.assessment import ProposeIn, SchemeIn
from learncity.governance.inputs.reports import FormIn, ReportRoundIn, ReturnIn
from learncity.governance.models import Task
from learncity.governance.services import assessment, reports
from learncity.network.models import MemberUnit
from learncity.people.models import User
from tests.governance.factories import PNG
from tests.people.factories import account_make

PDF = b"%PDF-1.4\n% matrix evidence\n%%EOF\n"
LEAD, GULOU, TAIJIANG, COOPERATING, OTHER = "矩阵牵头任务", "矩阵鼓楼任务", "矩阵台江任务", "矩阵配合任务", "矩阵他人任务"


YEAR = 2031
WEIGHTS = ("indicators", "tasks", "reports", "inspections")
# a complete return of the quarterly form (its sources add up to its total)
QUARTERLY_ANSWERS = {"courses": "3", "activities": "2", "participants": "120", "funds_total": "6",
                     "funds_by_source": {"budget": {"amount": "1"}, "unit_own": {"amount": "2"},
                                         "social": {"amount": "3"}},
                     "summary": "矩阵季度总结"}
ROUND_DEADLINE = timezone.make_aware(datetime.datetime(YEAR, 10, 15, 18))


def office_text(place_name: str) -> str:
    """A committee's work points with one task, led by the committee's own office (any committee can import it)."""
    return f"{YEAR}年{place_name}矩阵工作要点\n(一)矩阵办公室任务。(责任单位：终身教育促进委员会办公室)"


def docx_base64(text: str) -> str:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return base64.b64encode(out.getvalue()).decode()


class GovernanceTargets:
    def __init__(self, t):
        self.t = t
        self.users = t.users

    def _import(self, committee, text: str):
        return services.workplan_import(actor=self.users["city_admin"], committee=committee,
                                        data=ImportIn(text=text))

    @cached_property
    def other_unit(self) -> MemberUnit:
        """A unit of the city's committee that is not the reporter's."""
        return MemberUnit.objects.filter(committee=self.t.city_committee).exclude(pk=self.t.reporter_unit.pk) \
            .order_by("pk")[0]

    @cached_property
    def plan(self):
        """The city committee's plan."""
        mine, other = self.t.reporter_unit.name, self.other_unit.name
        return self._import(self.t.city_committee, "\n".join([
            f"{YEAR}年{self.t.city.name}矩阵工作要点", "一、工作重点",
            f"(一){LEAD}。(牵头单位：{mine})",
            f"(二){GULOU}。(责任单位：{self.t.gulou.name}人民政府)",
            f"(三){TAIJIANG}。(责任单位：{self.t.taijiang.name}人民政府)",
            f"(四){COOPERATING}。(牵头单位：{other}，{mine}配合)",
            f"(五){OTHER}。(牵头单位：{other})"]))

    @cached_property
    def gulou_plan(self):
        return self._import(self.t.gulou_committee, office_text(self.t.gulou.name))

    @cached_property
    def taijiang_plan(self):
        return self._import(self.t.taijiang_committee, office_text(self.t.taijiang.name))

    @cached_property
    def plans(self) -> tuple:
        return self.plan, self.gulou_plan, self.taijiang_plan

    def _task(self, title: str) -> Task:
        return Task.objects.get(plan=self.plan, title=title)

    @cached_property
    def lead_task(self) -> Task:
        return self._task(LEAD)

    @cached_property
    def gulou_task(self) -> Task:
        return self._task(GULOU)

    @cached_property
    def taijiang_task(self) -> Task:
        return self._task(TAIJIANG)

    def item_of(self, plan):
        return plan.items.order_by("position")[0]

    def _started(self, task: Task) -> Task:
        return services.task_move(actor=self.users["city_admin"], task=task, data=MoveIn(event="start"))

    @cached_property
    def lead_started(self) -> Task:
        return self._started(self.lead_task)

    @cached_property
    def gulou_started(self) -> Task:
        return self._started(self.gulou_task)

    @cached_property
    def taijiang_started(self) -> Task:
        return self._started(self.taijiang_task)

    def _update(self, author, task: Task):
        return services.update_post(actor=author, task=task, data=UpdateIn(text="矩阵进展"), files=[("矩阵.pdf", PDF)])

    @cached_property
    def update_lead(self):
        """The reporter's, for its unit."""
        return self._update(self.users["reporter"], self.lead_started)

    @cached_property
    def update_gulou(self):
        """鼓楼区's administrator's, for its committee."""
        return self._update(self.users["district_admin"], self.gulou_started)

    @cached_property
    def update_taijiang(self):
        """The city administrator's, for 台江区's committee (the city's officials answer for the districts')."""
        return self._update(self.users["city_admin"], self.taijiang_started)

    # --- milestones, member units' reports ------------------------------------------------------------------------

    def _milestone(self, task: Task):
        return services.milestone_add(actor=self.users["city_admin"], task=task,
                                      data=MilestoneIn(title="矩阵节点", due_on=datetime.date(YEAR, 3, 31)))

    @cached_property
    def milestones(self) -> dict:
        """A milestone, not reached, on each of the lead, 鼓楼区 and 台江区 tasks (set by the city's office)."""
        return {"lead": self._milestone(self.lead_task), "gulou": self._milestone(self.gulou_task),
                "taijiang": self._milestone(self.taijiang_task)}

    def _form(self, committee):
        doc = form_document("quarterly")
        return reports.form_create(actor=self.users["city_admin"], committee=committee,
                                   data=FormIn(code="matrix-quarterly", title=doc["title"], schema=doc["schema"]))

    @cached_property
    def forms(self) -> dict:
        """The shipped quarterly form (a code of the matrix's own: the demo city's committee has the shipped one),
        made by the city's office for the city's, 鼓楼区's and 台江区's committees."""
        return {"city": self._form(self.t.city_committee), "gulou": self._form(self.t.gulou_committee),
                "taijiang": self._form(self.t.taijiang_committee)}

    def _round(self, target: str, *, member_units: list, committees: list = ()):
        return reports.round_open(actor=self.users["city_admin"], data=ReportRoundIn(
            form_id=self.forms[target].pk, title=f"{YEAR}年第三季度矩阵报送", period_start=datetime.date(YEAR, 7, 1),
            period_end=datetime.date(YEAR, 9, 30), deadline=ROUND_DEADLINE,
            member_unit_ids=[u.pk for u in member_units], committee_ids=[c.pk for c in committees]))

    @cached_property
    def rounds(self) -> dict:
        """A round of each committee's form, open until ROUND_DEADLINE: the city's asks the reporter's unit, another
        unit and 鼓楼区's and 台江区's committees; 鼓楼区's and 台江区's ask a member unit of their own."""
        return {"city": self._round("city", member_units=[self.t.reporter_unit, self.other_unit],
                                    committees=[self.t.gulou_committee, self.t.taijiang_committee]),
                "gulou": self._round("gulou", member_units=[self.t.gulou_unit]),
                "taijiang": self._round("taijiang", member_units=[self.t.taijiang_unit])}

    # --- joint meetings ---------------------------------------------------------------------------------------------

    def _meeting(self, committee, attending: dict, title: str):
        return services.meeting_create(actor=self.users["city_admin"], committee=committee, data=MeetingIn(
            title=title, held_on=datetime.date(YEAR, 3, 10), convener="矩阵召集人", agenda="矩阵议程",
            minutes="矩阵纪要", **attending))

    def _attending(self) -> dict:
        """Who attends each committee's meetings: the city's, the reporter's unit and 鼓楼区's committee; a district's,
        a member unit of its own."""
        return {"city": {"member_unit_ids": [self.t.reporter_unit.pk], "committee_ids": [self.t.gulou_committee.pk]},
                "gulou": {"member_unit_ids": [self.t.gulou_unit.pk]},
                "taijiang": {"member_unit_ids": [self.t.taijiang_unit.pk]}}

    def _committees(self) -> dict:
        return {"city": self.t.city_committee, "gulou": self.t.gulou_committee, "taijiang": self.t.taijiang_committee}

    @cached_property
    def meetings(self) -> dict:
        """A draft meeting of each committee (held in YEAR, minutes written, attended), by the city's office."""
        attending = self._attending()
        return {target: self._meeting(c, attending[target], "矩阵联席会议草稿")
                for target, c in self._committees().items()}

    @cached_property
    def published_meetings(self) -> dict:
        """A meeting of each committee with one decision, published; the committees' plans of YEAR made first, so
        that a decision can become tasks."""
        assert all(self.plans)
        attending, admin, out = self._attending(), self.users["city_admin"], {}
        for target, c in self._committees().items():
            meeting = self._meeting(c, attending[target], "矩阵联席会议")
            services.decision_add(actor=admin, meeting=meeting, data=MeetingDecisionIn(
                text="矩阵议定事项", due_on=datetime.date(YEAR, 6, 30)))
            out[target] = services.meeting_publish(actor=admin, meeting=meeting)
        return out

    # --- inspection (专项督导) ----------------------------------------------------------------------------------------

    @cached_property
    def inspector(self) -> User:
        """The matrix's inspector persona: Role.INSPECTOR over the city, granted by its administrator, sent on the
        city committee's round only."""
        return account_make(Role.INSPECTOR, actor=self.users["city_admin"], place=self.t.city,
                            username="matrix_inspector")

    @cached_property
    def other_inspector(self) -> User:
        """Another inspector over the city: sent on 鼓楼区's and 台江区's committees' rounds."""
        return account_make(Role.INSPECTOR, actor=self.users["city_admin"], place=self.t.city,
                            username="matrix_inspector_2")

    @cached_property
    def standards(self) -> dict:
        """The shipped community-school standard imported for each committee (a code of the matrix's own)."""
        data = services.standard_shipped() | {"code": "matrix-community-school"}
        return {target: services.standard_import(actor=self.users["city_admin"], committee=c,
                                                 data=StandardIn(**data))
                for target, c in self._committees().items()}

    @cached_property
    def inspection_rounds(self) -> dict:
        return {target: services.round_create(actor=self.users["city_admin"], committee=c, data=InspectionRoundIn(
            standard_id=self.standards[target].pk, title="矩阵专项督导", year=YEAR,
            starts_on=datetime.date(YEAR, 9, 1), ends_on=datetime.date(YEAR, 10, 31)))
            for target, c in self._committees().items()}

    @cached_property
    def visits(self) -> dict:
        """One visit a round, not scored: the persona to 鼓楼区 (the city's round), the other inspector to the
        staff's school (鼓楼区's round) and to 台江区 (台江区's round)."""
        rounds, admin = self.inspection_rounds, self.users["city_admin"]
        given = {"city": (self.inspector, {"place_id": self.t.gulou.pk}),
                 "gulou": (self.other_inspector, {"institution_id": self.t.staff_inst.pk}),
                 "taijiang": (self.other_inspector, {"place_id": self.t.taijiang.pk})}
        return {target: services.visit_assign(actor=admin, round=rounds[target], data=VisitIn(
            inspector_id=who.pk, **what)) for target, (who, what) in given.items()}

    def criteria(self, target: str) -> list:
        return list(self.standards[target].criteria.order_by("position"))

    @cached_property
    def scored(self) -> dict:
        """Each visit with every criterion scored by its inspector (full points; a finding to rectify on the first;
        a PNG where evidence is required), not yet submitted."""
        for target, visit in self.visits.items():
            for c in self.criteria(target):
                services.score_record(actor=visit.inspector, visit=visit, data=ScoreIn(
                    criterion_id=c.pk, score=c.points, finding="矩阵整改问题" if c.position == 1 else "",
                    rectify=c.position == 1), files=[("矩阵.png", PNG)] if c.evidence_required else [])
        return self.visits

    @cached_property
    def submitted(self) -> dict:
        """The scored visits handed in (the committees' plans of YEAR made first: rectifications go into them)."""
        assert all(self.plans)
        return {target: services.visit_submit(actor=v.inspector, visit=v) for target, v in self.scored.items()}

    def evidence_score(self, target: str):
        """A score of the visit with an evidence file."""
        return self.scored[target].scores.filter(evidence__isnull=False).order_by("pk")[0]

    def finding(self, target: str):
        """The submitted visit's finding to rectify."""
        return self.submitted[target].scores.get(rectify=True)

    @cached_property
    def closed(self) -> dict:
        assert all(self.submitted)
        return {target: services.round_close(actor=self.users["city_admin"], round=r)
                for target, r in self.inspection_rounds.items()}

    @cached_property
    def circulars(self) -> dict:
        return {target: services.circular_publish(actor=self.users["city_admin"], round=r, data=CircularIn(
            title="矩阵督导通报", text="矩阵通报正文")) for target, r in self.closed.items()}

    # --- the annual assessment (年度考核) -----------------------------------------------------------------------------

    @cached_property
    def schemes(self) -> dict:
        """A scheme of YEAR over each committee's member units, the four components weighted 25 each, made by the
        city's office."""
        return {target: assessment.scheme_create(actor=self.users["city_admin"], committee=c, data=SchemeIn(
            year=YEAR, subjects="member_units", weights=dict.fromkeys(WEIGHTS, "25")))
            for target, c in self._committees().items()}

    @cached_property
    def proposed(self) -> dict:
        """Each scheme with a proposal of its first unit."""
        for scheme in self.schemes.values():
            assessment.advanced_propose(actor=self.users["city_admin"], scheme=scheme, data=ProposeIn(count=1))
        return self.schemes

    # --- member units' returns ------------------------------------------------------------------------------------

    def returns(self) -> dict:
        """The city round's returns: the reporter's unit's ("unit"), 鼓楼区's committee's and 台江区's, drafts."""
        rnd = self.rounds["city"]
        return {"unit": rnd.returns.get(member_unit=self.t.reporter_unit),
                "gulou": rnd.returns.get(committee=self.t.gulou_committee),
                "taijiang": rnd.returns.get(committee=self.t.taijiang_committee)}

    def _answerer(self, target: str) -> User:
        return self.users["reporter"] if target == "unit" else self.users["city_admin"]

    @cached_property
    def submitted_returns(self) -> dict:
        """The city round's three returns submitted complete, each by a user who answers for its unit."""
        return {target: reports.return_submit(actor=self._answerer(target), report_return=r,
                                              data=ReturnIn(data=QUARTERLY_ANSWERS))
                for target, r in self.returns().items()}

    @cached_property
    def attachments(self) -> dict:
        """A PDF in each draft return's 佐证材料 (photos), added by a user who answers for its unit."""
        return {target: reports.attachment_add(actor=self._answerer(target), report_return=r, field="photos",
                                               files=[("矩阵.pdf", PDF)])[0]
                for target, r in self.returns().items()}
