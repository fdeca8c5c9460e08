"""Inspection (专项督导): the office imports a standard (criteria with points and the evidence they need), opens a
round by it and sends inspectors (Role.INSPECTOR, over an area containing the target) to districts, institutions
or member units; the inspector scores each criterion with findings and evidence on their phone and submits the
visit; the office sends findings to rectification (a task of kind RECTIFICATION in its plan of the round's year,
led by the inspected district's committee or the member unit), closes the round once every visit is in, and
publishes its circular (通报). Each write checks who may, validates everything first, and audits in its
transaction.

    visit: assigned ──score…──▶ assigned ──submit──▶ submitted
    round: open ──close (every visit submitted)──▶ closed ──publish──▶ its circular
"""

import datetime
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.evidence import EVIDENCE_MAX_FILES, evidence_checked
from learncity.core.scopes import Action, Capability, Role, scope_for
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
    TaskUnit,
    UnitPart,
    VisitState,
    WorkPlan,
)
from learncity.governance.selectors import governs
from learncity.governance.selectors.inspections import round_findings, round_visits
from learncity.network.models import Committee, Institution, MemberUnit
from learncity.people.models import RoleAssignment
from learncity.places.models import Place, PlaceLevel

STANDARDS = Path(__file__).resolve().parents[1] / "standards"  # the standards the project ships, as data
CIRCULAR_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "governance" / "circular.typ"


def _office_of(actor, committee: Committee, what: str) -> None:
    if not governs(actor=actor, committee=committee):
        raise PermissionDenied(gettext("只有委员会办公室可以%(what)s") % {"what": what})


def _num(value: Decimal) -> str:
    """A decimal as people write it: 5, 3.5, 100 (not 5.00, not 1E+2)."""
    return f"{value.normalize():f}"


def _criterion_name(c) -> str:
    return gettext("第 %(position)s 项「%(text)s」") % {"position": c.position, "text": c.text[:40]}


# --- standards ----------------------------------------------------------------------------------------------------

def standard_shipped(name: str = "community_school") -> dict:
    """A standard the project ships (standards/<name>.json), as the data standard_import takes."""
    return json.loads((STANDARDS / f"{name}.json").read_text(encoding="utf-8"))


def standard_import(*, actor, committee: Committee, data: StandardIn) -> InspectionStandard:
    """A standard of the committee from its data: every criterion's points above zero, positions unique, the
    points' sum equal to `total` when the data states one. The sum is kept in the audit row."""
    _office_of(actor, committee, gettext("导入督导评估标准"))
    errors = {}
    seen: dict[int, int] = {}
    for i, c in enumerate(data.criteria):
        if c.points <= 0:
            errors[f"criteria.{i}.points"] = gettext("%(criterion)s的分值须大于 0") % {"criterion": _criterion_name(c)}
        if c.position in seen:
            errors[f"criteria.{i}.position"] = gettext("%(criterion)s的序号与第 %(other)s 条重复") % {
                "criterion": _criterion_name(c), "other": seen[c.position] + 1}
        seen.setdefault(c.position, i)
    total = sum((c.points for c in data.criteria), Decimal("0"))
    if data.total is not None and total != data.total:
        errors["total"] = gettext("各项分值合计 %(sum)s，与标准总分 %(total)s 不符") % {
            "sum": _num(total), "total": _num(data.total)}
    if InspectionStandard.objects.unscoped("a code's uniqueness in the office's committee").filter(
            committee=committee, code=data.code).exists():
        errors["code"] = gettext("本委员会已有代码为「%(code)s」的评估标准") % {"code": data.code}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        standard = InspectionStandard.objects.create(committee=committee, code=data.code, title=data.title,
                                                     description=data.description)
        InspectionCriterion.objects.bulk_create([InspectionCriterion(
            standard=standard, position=c.position, section=c.section, text=c.text, points=c.points,
            evidence_required=c.evidence_required) for c in data.criteria])
        audit_record(actor=actor, action="inspection.standard_import", obj=standard, criteria=len(data.criteria),
                     total=str(total))
    standard.total = total
    return standard


# --- rounds and visits --------------------------------------------------------------------------------------------

def round_create(*, actor, committee: Committee, data: InspectionRoundIn) -> InspectionRound:
    """A round of the committee scored by one of its standards."""
    _office_of(actor, committee, gettext("组织专项督导"))
    errors = {}
    standard = InspectionStandard.objects.restrict(actor).filter(pk=data.standard_id, committee=committee).first()
    if standard is None:
        errors["standard_id"] = gettext("本委员会没有这个评估标准")
    if data.starts_on > data.ends_on:
        errors["ends_on"] = gettext("结束日期早于开始日期")
    if data.starts_on.year != data.year:
        errors["starts_on"] = gettext("开始日期不在 %(year)s 年") % {"year": data.year}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        found = InspectionRound.objects.create(committee=committee, standard=standard, title=data.title,
                                               year=data.year, starts_on=data.starts_on, ends_on=data.ends_on,
                                               created_by=actor)
        audit_record(actor=actor, action="inspection.round_create", obj=found, standard=standard.pk)
    return found


def _round_office(actor, round: InspectionRound, what: str) -> InspectionRound:
    """The round as its office changes it (403 for another who reads it)."""
    changed = InspectionRound.objects.restrict(actor, Action.CHANGE).filter(pk=round.pk).first()
    if changed is None or not scope_for(actor).may(Capability.GOVERN):
        raise PermissionDenied(gettext("只有委员会办公室可以%(what)s") % {"what": what})
    return round


def _target(errors: dict, committee: Committee, data: VisitIn):
    """(field, the target, its place's path): a district of the committee's area, an institution in it, or a
    member unit of the committee."""
    given = [(k, v) for k, v in (("place_id", data.place_id), ("institution_id", data.institution_id),
                                 ("member_unit_id", data.member_unit_id)) if v is not None]
    if len(given) != 1:
        errors["target"] = gettext("请选择一个督导对象：区县、机构或成员单位，只选一个")
        return None, None, ""
    field, pk = given[0]
    area = committee.place.path
    if field == "place_id":
        target = Place.objects.unscoped("a district of the office's area, checked by its path").filter(
            pk=pk, level=PlaceLevel.DISTRICT, path__startswith=area).first()
        path = target.path if target else ""
    elif field == "institution_id":
        target = Institution.objects.unscoped("an institution of the office's area, checked by its place") \
            .select_related("place").filter(pk=pk, place__path__startswith=area).first()
        path = target.place.path if target else ""
    else:
        target = MemberUnit.objects.unscoped("a member unit of the office's own committee").filter(
            pk=pk, committee=committee).first()
        path = area
    if target is None:
        errors[field] = gettext("督导对象不在本委员会的范围内（区县、其中的机构或本委员会的成员单位）")
    return field, target, path


def visit_assign(*, actor, round: InspectionRound, data: VisitIn) -> InspectionVisit:
    """An inspector sent to one target of the round: they hold Role.INSPECTOR over an area containing it, and the
    round has no visit to it yet."""
    _round_office(actor, round, gettext("派出督导员"))
    committee = Committee.objects.unscoped("the round's committee, read by its office").select_related(
        "place").get(pk=round.committee_id)
    errors = {}
    if round.closed_at is not None:
        errors["round"] = gettext("督导「%(title)s」已结束，不能再派出督导员") % {"title": round.title}
    field, target, path = _target(errors, committee, data)
    areas = list(RoleAssignment.objects.unscoped("the inspector's areas, to check the target lies in one")
                 .filter(user_id=data.inspector_id, role=Role.INSPECTOR, user__is_active=True)
                 .values_list("place__path", flat=True))
    if not areas:
        errors["inspector_id"] = gettext("该用户不是督导员")
    elif target is not None and not any(path.startswith(a) for a in areas):
        errors["inspector_id"] = gettext("督导员的督导范围不包括「%(target)s」") % {"target": target}
    if target is not None and InspectionVisit.objects.unscoped("one visit per target in a round").filter(
            round=round, **{field: target.pk}).exists():
        errors[field] = gettext("本轮督导已派员督导「%(target)s」") % {"target": target}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        visit = InspectionVisit.objects.create(round=round, inspector_id=data.inspector_id, **{
            field.removesuffix("_id"): target})
        audit_record(actor=actor, action="inspection.visit_assign", obj=visit, round=round.pk,
                     inspector=data.inspector_id, target=str(target))
    return visit


# --- the inspector's scores ---------------------------------------------------------------------------------------

def _inspecting(actor, visit: InspectionVisit, what: str) -> InspectionVisit:
    """The visit, locked, when the actor is its inspector and it is still open (round not closed, not submitted)."""
    if visit.inspector_id != actor.pk or not scope_for(actor).may(Capability.INSPECT):
        raise PermissionDenied(gettext("只有派往该对象的督导员可以%(what)s") % {"what": what})
    visit = InspectionVisit.objects.unscoped("the visit locked again after the inspector's check") \
        .select_for_update().select_related("round").get(pk=visit.pk)
    if visit.round.closed_at is not None:
        raise DomainError({"round": gettext("督导「%(title)s」已结束") % {"title": visit.round.title}},
                          code="round_closed")
    if visit.state != VisitState.ASSIGNED:
        raise DomainError({"state": gettext("对「%(target)s」的督导已提交，不能再修改") % {"target": visit.target}},
                          code="visit_submitted")
    return visit


def score_record(*, actor, visit: InspectionVisit, data: ScoreIn,
                 files: list[tuple[str, bytes]] = ()) -> InspectionScore:
    """The inspector's score of one criterion (recorded again until the visit is submitted): 0 ≤ score ≤ its
    points, a finding to rectify, evidence files added to those already there (five in all)."""
    if visit.inspector_id != actor.pk or not scope_for(actor).may(Capability.INSPECT):
        raise PermissionDenied(gettext("只有派往该对象的督导员可以评分"))
    criterion = InspectionCriterion.objects.restrict(actor).filter(
        pk=data.criterion_id, standard_id=visit.round.standard_id).first()
    errors = {}
    if criterion is None:
        raise DomainError({"criterion_id": gettext("本轮督导的评估标准没有这一项")})
    if not Decimal("0") <= data.score <= criterion.points:
        errors["score"] = gettext("%(criterion)s的得分须在 0 到 %(points)s 之间") % {
            "criterion": _criterion_name(criterion), "points": _num(criterion.points)}
    if data.rectify and not data.finding:
        errors["finding"] = gettext("%(criterion)s需要整改时请写明发现的问题") % {
            "criterion": _criterion_name(criterion)}
    checked = evidence_checked(errors, list(files or []))
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        visit = _inspecting(actor, visit, gettext("评分"))
        score, created = InspectionScore.objects.unscoped("the visit's score of the criterion, locked visit") \
            .update_or_create(visit=visit, criterion=criterion, defaults={
                "score": data.score, "finding": data.finding, "rectify": data.rectify, "scored_by": actor})
        already = 0 if created else InspectionEvidence.objects.unscoped("the score's files, to count them").filter(
            score=score).count()
        if already + len(checked) > EVIDENCE_MAX_FILES:
            raise DomainError({"evidence": gettext("%(criterion)s的佐证材料最多 %(n)s 份，已有 %(already)s 份") % {
                "criterion": _criterion_name(criterion), "n": EVIDENCE_MAX_FILES, "already": already}})
        for name, mime, content in checked:
            InspectionEvidence.objects.create(score=score, name=name, content_type=mime, size=len(content),
                                              sha256=hashlib.sha256(content).hexdigest(), content=content)
        audit_record(actor=actor, action="inspection.score_record", obj=score, visit=visit.pk,
                     criterion=criterion.position, score=str(data.score), rectify=data.rectify, files=len(checked))
    return score


def visit_submit(*, actor, visit: InspectionVisit) -> InspectionVisit:
    """The inspector hands the visit in: every criterion scored, those requiring evidence with a file."""
    with transaction.atomic():
        visit = _inspecting(actor, visit, gettext("提交督导结果"))
        criteria = list(InspectionCriterion.objects.unscoped("the criteria of the visit's round's standard")
                        .filter(standard_id=visit.round.standard_id).order_by("position"))
        scored = dict(InspectionScore.objects.unscoped("the locked visit's scores").filter(visit=visit)
                      .values_list("criterion_id", "pk"))
        with_files = set(InspectionEvidence.objects.unscoped("the locked visit's evidence").filter(
            score__visit=visit).values_list("score__criterion_id", flat=True))
        errors = {}
        unscored = [c for c in criteria if c.pk not in scored]
        if unscored:
            errors["scores"] = gettext("还有 %(n)s 项未评分：%(items)s") % {
                "n": len(unscored), "items": "、".join(_criterion_name(c) for c in unscored)}
        bare = [c for c in criteria if c.evidence_required and c.pk in scored and c.pk not in with_files]
        if bare:
            errors["evidence"] = gettext("这些项目要求佐证材料：%(items)s") % {
                "items": "、".join(_criterion_name(c) for c in bare)}
        if errors:
            raise DomainError(errors)
        visit.state = VisitState.SUBMITTED
        visit.submitted_at = timezone.now()
        visit.save(update_fields=["state", "submitted_at"])
        audit_record(actor=actor, action="inspection.visit_submit", obj=visit, from_state=VisitState.ASSIGNED,
                     to_state=VisitState.SUBMITTED)
    return visit


# --- rectification, closing, the circular -------------------------------------------------------------------------

def _lead_of(visit: InspectionVisit):
    """The unit answering for a finding: a district's committee (the visited district's; an institution's, the
    committee of the district it is in), or the visited member unit itself. None when the district has none."""
    if visit.member_unit_id is not None:
        return visit.member_unit
    path = visit.place.path if visit.place_id is not None else visit.institution.place.path
    ancestors = ["/".join(path.split("/")[:i]) + "/" for i in range(2, path.count("/") + 1)]
    return Committee.objects.unscoped("the committee of the visited target's district").filter(
        place__level=PlaceLevel.DISTRICT, place__path__in=ancestors).first()


def rectification_create(*, actor, score: InspectionScore, data: RectificationIn,
                         today: datetime.date | None = None) -> Rectification:
    """A finding marked to rectify, sent as a task (kind RECTIFICATION, no work item) of the committee's plan of
    the round's year, led by the inspected district's committee or member unit, the finding as its description.
    Once per score; the visit must be submitted."""
    visit = score.visit
    round = visit.round
    _round_office(actor, round, gettext("下发整改任务"))
    today = today or timezone.localdate()
    errors = {}
    if not score.rectify:
        errors["score"] = gettext("%(criterion)s未标记为需要整改") % {"criterion": _criterion_name(score.criterion)}
    if visit.state != VisitState.SUBMITTED:
        errors["visit"] = gettext("对「%(target)s」的督导尚未提交") % {"target": visit.target}
    if Rectification.objects.unscoped("one rectification per finding").filter(score=score).exists():
        errors["score"] = gettext("%(criterion)s的问题已下发整改") % {"criterion": _criterion_name(score.criterion)}
    plan = WorkPlan.objects.restrict(actor, Action.CHANGE).filter(committee_id=round.committee_id,
                                                                  year=round.year).first()
    if plan is None:
        errors["plan"] = gettext("委员会还没有 %(year)s 年的工作要点，整改任务无处可放：请先导入工作要点") % {
            "year": round.year}
    lead = _lead_of(visit)
    if lead is None:
        errors["lead"] = gettext("「%(target)s」所在区县还没有终身教育促进委员会，无法确定整改牵头单位") % {
            "target": visit.target}
    if data.due_on <= today:
        errors["due_on"] = gettext("整改时限须晚于今天")
    if errors:
        raise DomainError(errors)
    title = (data.title or gettext("整改：%(target)s %(criterion)s") % {
        "target": visit.target, "criterion": score.criterion.text})[:128]
    with transaction.atomic():
        task = Task.objects.create(plan=plan, item=None, kind=TaskKind.RECTIFICATION, title=title,
                                   description=score.finding, due_on=data.due_on)
        TaskUnit.objects.create(task=task, part=UnitPart.LEAD, **{
            "member_unit" if isinstance(lead, MemberUnit) else "committee": lead})
        rectification = Rectification.objects.create(score=score, task=task)
        audit_record(actor=actor, action="inspection.rectification_create", obj=rectification, task=task.pk,
                     score=score.pk, lead=str(lead))
    return rectification


def round_close(*, actor, round: InspectionRound) -> InspectionRound:
    """The office closes the round once every visit is submitted (refused naming the open ones)."""
    _round_office(actor, round, gettext("结束督导"))
    with transaction.atomic():
        round = InspectionRound.objects.unscoped("the round locked again after the office's check") \
            .select_for_update().get(pk=round.pk)
        if round.closed_at is not None:
            raise DomainError({"round": gettext("督导「%(title)s」已于 %(at)s 结束") % {
                "title": round.title, "at": timezone.localtime(round.closed_at).date()}}, code="round_closed")
        visits = list(InspectionVisit.objects.unscoped("the locked round's visits").filter(round=round)
                      .select_related("place", "institution", "member_unit"))
        if not visits:
            raise DomainError({"visits": gettext("本轮督导还没有派出督导员")})
        open_ = [v for v in visits if v.state != VisitState.SUBMITTED]
        if open_:
            raise DomainError({"visits": gettext("这些对象的督导尚未提交：%(targets)s") % {
                "targets": "、".join(str(v.target) for v in open_)}})
        round.closed_at = timezone.now()
        round.closed_by = actor
        round.save(update_fields=["closed_at", "closed_by"])
        audit_record(actor=actor, action="inspection.round_close", obj=round, from_state="open", to_state="closed",
                     visits=len(visits))
    return round


def circular_text(*, actor, round: InspectionRound, text: str = "") -> str:
    """The circular's body from the round's results: the office's own text, the targets ranked by total, the
    findings common to more than one target, the rectifications sent."""
    visits = round_visits(actor=actor, round=round)
    findings = round_findings(actor=actor, round=round)
    full = sum((c.points for c in InspectionCriterion.objects.restrict(actor).filter(standard_id=round.standard_id)),
               Decimal("0"))
    lines = [text.strip(), ""] if text.strip() else []
    lines.append(gettext("一、督导结果（满分 %(full)s 分）") % {"full": _num(full)})
    for v in visits:
        lines.append(gettext("%(rank)s. %(target)s：%(total)s 分") % {
            "rank": v.rank, "target": v.target, "total": _num(v.total)})
    by_criterion: dict[int, list] = {}
    for s in findings:
        by_criterion.setdefault(s.criterion.position, []).append(s)
    common = [scores for scores in by_criterion.values() if len({s.visit_id for s in scores}) > 1]
    lines += ["", gettext("二、共性问题")]
    lines += [gettext("%(criterion)s：%(n)s 个对象存在问题") % {"criterion": _criterion_name(scores[0].criterion),
                                                               "n": len({s.visit_id for s in scores})}
              for scores in common] or [gettext("无")]
    sent = [(s, r) for s in findings for r in s.rectifications.all()]
    lines += ["", gettext("三、整改要求")]
    lines += [gettext("%(target)s：%(finding)s（整改时限 %(due)s）") % {
        "target": s.visit.target, "finding": s.finding, "due": r.task.due_on} for s, r in sent] or [gettext("无")]
    return "\n".join(lines)


def circular_publish(*, actor, round: InspectionRound, data: CircularIn) -> Circular:
    """The office publishes the round's circular once the round is closed: its text and the results."""
    _round_office(actor, round, gettext("发布通报"))
    with transaction.atomic():
        round = InspectionRound.objects.unscoped("the round locked again after the office's check") \
            .select_for_update().get(pk=round.pk)
        if round.closed_at is None:
            raise DomainError({"round": gettext("督导「%(title)s」尚未结束，结束后才能发布通报") % {
                "title": round.title}}, code="round_open")
        if Circular.objects.unscoped("one circular per round").filter(round=round).exists():
            raise DomainError({"round": gettext("督导「%(title)s」的通报已发布") % {"title": round.title}},
                              code="already_published")
        circular = Circular.objects.create(round=round, title=data.title, published_by=actor,
                                           text=circular_text(actor=actor, round=round, text=data.text))
        audit_record(actor=actor, action="inspection.circular_publish", obj=circular, round=round.pk)
    return circular


def circular_pdf(circular: Circular) -> bytes:
    """The circular as a PDF (Typst, core.documents): its title, the committee, the date, its text."""
    from learncity.core import documents

    data = {"title": circular.title, "committee": circular.round.committee.name,
            "date": str(timezone.localtime(circular.published_at).date()),
            "paragraphs": circular.text.split("\n")}
    return documents.pdf_render(CIRCULAR_TEMPLATE, data)
