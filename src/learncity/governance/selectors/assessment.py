"""The annual assessment (年度考核): a scheme's ranked table, every component's score traceable to its source rows.

A subject is a district (the committee of a place right below the scheme's committee) or a member unit of the
scheme's committee. Each component is scored 0–100 from the year's rows, rounded to 0.01 (half up):

- indicators: of the monitoring indicators with a target for the year, the share whose value for the year meets
  it (value ≥ target). A district: every indicator with a target for its place. A member unit: the indicators of
  the tasks it leads in the year's plan, at the committee's place.
- tasks: of the tasks of the year's plan the unit leads, not cancelled (n): completion = done / n, timeliness =
  done by the due date (the day of the move to "done" ≤ due_on) / n; score = 100 × (completion + timeliness) / 2.
- reports: of the unit's returns in the committee's rounds whose period ends in the year, those due (the round's
  deadline has passed, or the return was submitted) (n): 100 × on time (first submitted by the deadline) / n,
  minus RETURN_PENALTY points for every time one was sent back (退回修改), not below 0.
- inspections: each submitted visit's score = its scores' sum / its standard's points × 100; a member unit's
  visits at it, a district's visits on its place and on institutions in it: the score is their average.

A component with nothing to score (no indicator with a target, no task, no return due, no visit) is not
applicable: its weight is spread over the others in proportion (total = Σ score × weight / Σ applicable weights),
and the row says so. The ranking is by total, highest first; equal totals share a rank (1, 2, 2, 4).

Set-based: the subjects, the weights, the tasks, their moves to done, the task indicators, the returns, their
events, the visits, their scores and their standards' points are a query each, whatever the number of subjects;
monitoring's figures are read together for the place and its children (monitoring.selectors).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.governance.models import (
    AdvancedUnitProposal,
    AssessmentComponent,
    AssessmentScheme,
    AssessmentSubjects,
    AssessmentWeight,
    InspectionCriterion,
    InspectionScore,
    InspectionVisit,
    ReportReturn,
    ReturnAction,
    ReturnEvent,
    TaskState,
    TaskTransition,
    TaskUnit,
    UnitPart,
    VisitState,
    WorkPlan,
)
from learncity.governance.selectors.plans import committees_governed
from learncity.monitoring.models import Indicator
from learncity.monitoring.periods import Period
from learncity.network.models import Committee, MemberUnit

RETURN_PENALTY = Decimal(5)  # points off the reports' score for every return sent back
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
COMPONENTS = tuple(AssessmentComponent.values)


def _pct(part, whole) -> Decimal:
    return (HUNDRED * Decimal(part) / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Source:
    """One row a component's score was computed from: its kind ("indicator", "task", "return", "visit"), id,
    label and the figures used (as text)."""

    kind: str
    id: int | str
    label: str
    figures: dict[str, str]


@dataclass
class Component:
    key: str
    label: str
    weight: Decimal
    score: Decimal | None = None  # None: not applicable
    explanation: str = ""
    sources: list[Source] = field(default_factory=list)

    @property
    def applicable(self) -> bool:
        return self.score is not None


@dataclass
class AssessmentRow:
    key: str  # "m:<member unit id>" or "c:<committee id>"
    name: str
    member_unit: MemberUnit | None
    committee: Committee | None
    components: list[Component]
    total: Decimal = Decimal(0)
    rank: int = 0
    note: str = ""

    @property
    def unit(self):
        return self.member_unit or self.committee

    def component(self, key: str) -> Component:
        return next(c for c in self.components if c.key == key)

    def snapshot(self) -> dict:
        """The components as a proposal records them."""
        return {c.key: {"score": None if c.score is None else str(c.score), "weight": str(c.weight),
                        "applicable": c.applicable} for c in self.components}


# --- schemes ----------------------------------------------------------------------------------------------------

def scheme_list(*, actor) -> list[AssessmentScheme]:
    """The schemes of the committees whose office the actor runs."""
    return list(AssessmentScheme.objects.restrict(actor).filter(committee__in=committees_governed(actor=actor))
                .select_related("committee__place").order_by("-year", "committee__place__code", "subjects"))


def scheme_get(*, actor, pk: int, action: Action = Action.VIEW) -> AssessmentScheme:
    scheme = AssessmentScheme.objects.restrict(actor, action).select_related("committee__place").filter(pk=pk).first()
    if scheme is None:
        raise NotFound()
    return scheme


def scheme_weights(*, actor, scheme: AssessmentScheme) -> dict[str, Decimal]:
    """{component: weight} for every component (0 where the scheme has no row for it)."""
    found = dict(AssessmentWeight.objects.restrict(actor).filter(scheme=scheme).values_list("component", "weight"))
    return {c: found.get(c, Decimal(0)) for c in COMPONENTS}


def proposal_current(*, actor, scheme: AssessmentScheme) -> list[AdvancedUnitProposal]:
    """The rows of the scheme's proposal in force (the highest number), by rank; [] before the first."""
    rows = AdvancedUnitProposal.objects.restrict(actor).filter(scheme=scheme)
    latest = rows.aggregate(n=Max("number"))["n"]
    if latest is None:
        return []
    return list(rows.filter(number=latest).select_related("member_unit", "committee", "proposed_by")
                .order_by("rank", "id"))


def proposal_count(*, actor, scheme: AssessmentScheme) -> int:
    return AdvancedUnitProposal.objects.restrict(actor).filter(scheme=scheme).aggregate(n=Max("number"))["n"] or 0


# --- the table --------------------------------------------------------------------------------------------------

def _subjects(actor, scheme: AssessmentScheme) -> list[AssessmentRow]:
    if scheme.subjects == AssessmentSubjects.DISTRICTS:
        committees = (Committee.objects.restrict(actor).filter(place__parent_id=scheme.committee.place_id)
                      .select_related("place").order_by("place__code"))
        # once each: the committees' rule reaches them through their members too, a join that may repeat one
        return list({c.pk: AssessmentRow(f"c:{c.pk}", c.place.name, None, c, []) for c in committees}.values())
    units = MemberUnit.objects.restrict(actor).filter(committee=scheme.committee).order_by("id")
    return list({u.pk: AssessmentRow(f"m:{u.pk}", u.name, u, None, []) for u in units}.values())


def subjects_count(*, actor, scheme: AssessmentScheme) -> int:
    """How many units the scheme assesses (its table's rows), without scoring them."""
    return len(_subjects(actor, scheme))


def _key_of(member_unit_id, committee_id) -> str:
    return f"m:{member_unit_id}" if member_unit_id else f"c:{committee_id}"


def _unit_filter(rows: list[AssessmentRow], prefix: str = "") -> Q:
    return (Q(**{f"{prefix}member_unit_id__in": [r.member_unit.pk for r in rows if r.member_unit]})
            | Q(**{f"{prefix}committee_id__in": [r.committee.pk for r in rows if r.committee]}))


def _lead_tasks(actor, scheme: AssessmentScheme, rows: list[AssessmentRow]) -> dict[str, list[dict]]:
    """{unit key: [the task (id, title, state, due_on) of each task of the year's plan it leads, not cancelled]}."""
    plan = WorkPlan.objects.restrict(actor).filter(committee=scheme.committee, year=scheme.year).first()
    if plan is None:
        return {}
    found: dict[str, list[dict]] = defaultdict(list)
    for t in (TaskUnit.objects.restrict(actor).filter(_unit_filter(rows), task__plan=plan, part=UnitPart.LEAD)
              .exclude(task__state=TaskState.CANCELLED).order_by("task__due_on", "task_id")
              .values("member_unit_id", "committee_id", "task_id", "task__title", "task__state", "task__due_on")):
        found[_key_of(t["member_unit_id"], t["committee_id"])].append(t)
    return found


def _tasks(actor, scheme, rows: list[AssessmentRow], lead: dict[str, list[dict]]) -> None:
    ids = {t["task_id"] for ts in lead.values() for t in ts}
    done_at = dict(TaskTransition.objects.restrict(actor).filter(task_id__in=ids, to_state=TaskState.DONE)
                   .order_by().values("task_id").annotate(at=Max("at")).values_list("task_id", "at")) if ids else {}
    for row in rows:
        c = row.component(AssessmentComponent.TASKS)
        tasks = lead.get(row.key, [])
        if not tasks:
            c.explanation = gettext("没有牵头的年度任务，本项不计")
            continue
        done = on_time = 0
        for t in tasks:
            at = done_at.get(t["task_id"]) if t["task__state"] == TaskState.DONE else None
            day = timezone.localtime(at).date() if at else None
            timely = day is not None and day <= t["task__due_on"]
            done += day is not None
            on_time += timely
            c.sources.append(Source("task", t["task_id"], t["task__title"], {
                "state": t["task__state"], "due_on": t["task__due_on"].isoformat(),
                "done_on": day.isoformat() if day else "", "on_time": "1" if timely else "0"}))
        n = len(tasks)
        c.score = (HUNDRED * (Decimal(done) + Decimal(on_time)) / (2 * n)).quantize(CENT, rounding=ROUND_HALF_UP)
        c.explanation = gettext("牵头任务 %(n)s 项，完成 %(done)s 项，按时完成 %(on_time)s 项；"
                                "得分 = 100 ×（完成率 + 按时率）÷ 2") % {"n": n, "done": done, "on_time": on_time}


def _reports(actor, scheme, rows: list[AssessmentRow], now: datetime.datetime) -> None:
    returns = list(ReportReturn.objects.restrict(actor).filter(
        _unit_filter(rows), round__committee=scheme.committee, round__period_end__year=scheme.year)
        .filter(Q(round__deadline__lte=now) | Q(first_submitted_at__isnull=False))
        .order_by("round__period_end", "round_id", "id")
        .values("id", "member_unit_id", "committee_id", "round__title", "round__deadline", "first_submitted_at",
                "state"))
    events = ReturnEvent.objects.restrict(actor).filter(report_return_id__in=[r["id"] for r in returns],
                                                        action=ReturnAction.RETURN).values("pk")
    sent_back = dict(ReturnEvent.objects.unscoped("the events the actor reads, restricted in the subquery")
                     .filter(pk__in=events).order_by().values("report_return_id").annotate(n=Count("id"))
                     .values_list("report_return_id", "n")) if returns else {}
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for r in returns:
        by_unit[_key_of(r["member_unit_id"], r["committee_id"])].append(r)
    for row in rows:
        c = row.component(AssessmentComponent.REPORTS)
        mine = by_unit.get(row.key, [])
        if not mine:
            c.explanation = gettext("本年度没有应报的报表，本项不计")
            continue
        on_time = back = 0
        for r in mine:
            timely = r["first_submitted_at"] is not None and r["first_submitted_at"] <= r["round__deadline"]
            n_back = sent_back.get(r["id"], 0)
            on_time += timely
            back += n_back
            c.sources.append(Source("return", r["id"], r["round__title"], {
                "deadline": timezone.localtime(r["round__deadline"]).isoformat(),
                "first_submitted_at": (timezone.localtime(r["first_submitted_at"]).isoformat()
                                       if r["first_submitted_at"] else ""),
                "on_time": "1" if timely else "0", "returned": str(n_back), "state": r["state"]}))
        c.score = max(Decimal(0), _pct(on_time, len(mine)) - RETURN_PENALTY * back)
        c.explanation = gettext("应报 %(n)s 份，按时报送 %(on_time)s 份，被退回 %(back)s 次（每次扣 %(penalty)s 分）") % {
            "n": len(mine), "on_time": on_time, "back": back, "penalty": RETURN_PENALTY}


def _visits(actor, scheme, rows: list[AssessmentRow]) -> dict[str, list[dict]]:
    """{unit key: its submitted visits of the committee's rounds of the year (a district's: on its place or an
    institution in it)}, each with its score's sum and its standard's points."""
    districts = {r.committee.place.path: r.key for r in rows if r.committee}
    target = Q(member_unit_id__in=[r.member_unit.pk for r in rows if r.member_unit]) | Q(
        place_id__in=[r.committee.place_id for r in rows if r.committee])
    for path in districts:
        target |= Q(institution__place__path__startswith=path)
    visits = list(InspectionVisit.objects.restrict(actor).filter(
        target, round__committee=scheme.committee, round__year=scheme.year, state=VisitState.SUBMITTED)
        .order_by("round_id", "id").values("id", "round_id", "round__title", "round__standard_id", "member_unit_id",
                                           "place_id", "institution_id", "institution__name", "institution__place__path",
                                           "place__name", "member_unit__name"))
    if not visits:
        return {}
    # summed over the rows the actor reads, selected by id (a rule's joins would repeat a row in the sum)
    scores = InspectionScore.objects.restrict(actor).filter(visit_id__in=[v["id"] for v in visits]).values("pk")
    sums = dict(InspectionScore.objects.unscoped("the scores the actor reads, restricted in the subquery")
                .filter(pk__in=scores).order_by().values("visit_id").annotate(s=Sum("score"))
                .values_list("visit_id", "s"))
    criteria = InspectionCriterion.objects.restrict(actor).filter(
        standard_id__in={v["round__standard_id"] for v in visits}).values("pk")
    points = dict(InspectionCriterion.objects.unscoped("the criteria the actor reads, restricted in the subquery")
                  .filter(pk__in=criteria).order_by().values("standard_id").annotate(p=Sum("points"))
                  .values_list("standard_id", "p"))
    place_key = {r.committee.place_id: r.key for r in rows if r.committee}
    found: dict[str, list[dict]] = defaultdict(list)
    for v in visits:
        v["score_sum"], v["points"] = sums.get(v["id"]) or Decimal(0), points.get(v["round__standard_id"])
        if v["member_unit_id"]:
            found[f"m:{v['member_unit_id']}"].append(v)
        elif v["place_id"]:
            found[place_key[v["place_id"]]].append(v)
        else:
            key = next(k for p, k in districts.items() if v["institution__place__path"].startswith(p))
            found[key].append(v)
    return found


def _inspections(actor, scheme, rows: list[AssessmentRow]) -> None:
    visits = _visits(actor, scheme, rows)
    for row in rows:
        c = row.component(AssessmentComponent.INSPECTIONS)
        mine = [v for v in visits.get(row.key, []) if v["points"]]
        if not mine:
            c.explanation = gettext("本年度没有督导评估，本项不计")
            continue
        shares = []
        for v in mine:
            share = HUNDRED * v["score_sum"] / v["points"]
            shares.append(share)
            target = v["institution__name"] or v["place__name"] or v["member_unit__name"]
            c.sources.append(Source("visit", v["id"], f"{v['round__title']} · {target}", {
                "score": str(v["score_sum"].quantize(CENT)), "points": str(v["points"].quantize(CENT)),
                "percent": str(share.quantize(CENT, rounding=ROUND_HALF_UP))}))
        c.score = (sum(shares) / len(shares)).quantize(CENT, rounding=ROUND_HALF_UP)
        c.explanation = gettext("督导 %(n)s 次，得分率的平均值") % {"n": len(mine)}


def _year(year: int) -> Period:
    return Period("year", datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _indicator_rows(actor, scheme, rows: list[AssessmentRow],
                    lead: dict[str, list[dict]]) -> dict[str, list]:
    """{unit key: the monitoring rows (IndicatorRow) it is judged on, those with a target only}."""
    from learncity.monitoring import selectors as monitoring

    period = _year(scheme.year)
    if scheme.subjects == AssessmentSubjects.DISTRICTS:
        if not rows:
            return {}
        place_key = {r.committee.place_id: r.key for r in rows}
        found: dict[str, list] = defaultdict(list)
        for d in monitoring.indicators_by_children(actor=actor, place_id=scheme.committee.place_id, period=period):
            for child in d.children:
                if child.place.id in place_key and child.target is not None:
                    found[place_key[child.place.id]].append(child)
        return found
    task_ids = {t["task_id"]: key for key, ts in lead.items() for t in ts}
    codes: dict[str, set[str]] = defaultdict(set)
    for code, task_id in (Indicator.objects.restrict(actor).filter(tasks__in=list(task_ids)).order_by()
                          .values_list("code", "tasks__id")):
        codes[task_ids[task_id]].add(code)
    if not codes:
        return {}
    overview = monitoring.monitoring_overview(actor=actor, place_id=scheme.committee.place_id, period=period)
    by_code = {r.indicator.code: r for r in overview.rows if r.target is not None}
    return {key: [by_code[c] for c in sorted(cs) if c in by_code] for key, cs in codes.items()}


def _indicators(actor, scheme, rows: list[AssessmentRow], lead: dict[str, list[dict]]) -> None:
    found = _indicator_rows(actor, scheme, rows, lead)
    for row in rows:
        c = row.component(AssessmentComponent.INDICATORS)
        mine = found.get(row.key, [])
        if not mine:
            c.explanation = gettext("没有设定年度目标的监测指标，本项不计")
            continue
        met = 0
        for r in mine:
            ok = r.actual.value is not None and r.actual.value >= r.target
            met += ok
            c.sources.append(Source("indicator", r.indicator.code, r.indicator.name, {
                "place": r.place.name, "target": str(r.target),
                "actual": "" if r.actual.value is None else str(r.actual.value), "met": "1" if ok else "0"}))
        c.score = _pct(met, len(mine))
        c.explanation = gettext("有年度目标的指标 %(n)s 项，达标 %(met)s 项") % {"n": len(mine), "met": met}


def _rank(rows: list[AssessmentRow]) -> list[AssessmentRow]:
    for row in rows:
        used = [c for c in row.components if c.applicable and c.weight > 0]
        weights = sum((c.weight for c in used), Decimal(0))
        row.total = (sum((c.score * c.weight for c in used), Decimal(0)) / weights).quantize(
            CENT, rounding=ROUND_HALF_UP) if weights else Decimal("0.00")
        idle = [str(c.label) for c in row.components if not c.applicable and c.weight > 0]
        if idle:
            row.note = gettext("%(items)s不适用，其权重按比例分摊到其他项目") % {"items": "、".join(idle)}
    rows.sort(key=lambda r: (-r.total, r.name, r.key))
    for i, row in enumerate(rows):
        row.rank = rows[i - 1].rank if i and rows[i - 1].total == row.total else i + 1
    return rows


def assessment_table(actor, scheme: AssessmentScheme, *, now: datetime.datetime | None = None) -> list[AssessmentRow]:
    """The scheme's subjects ranked, each with its components' scores, weights, explanations and source rows."""
    scheme = scheme_get(actor=actor, pk=scheme.pk)
    weights = scheme_weights(actor=actor, scheme=scheme)
    labels = dict(AssessmentComponent.choices)
    rows = _subjects(actor, scheme)
    for row in rows:
        row.components = [Component(c, str(labels[c]), weights[c]) for c in COMPONENTS]
    lead = _lead_tasks(actor, scheme, rows) if rows else {}
    _indicators(actor, scheme, rows, lead)
    _tasks(actor, scheme, rows, lead)
    if rows:
        _reports(actor, scheme, rows, now or timezone.now())
        _inspections(actor, scheme, rows)
    return _rank(rows)
