"""Importing a committee's published work points: the document read (workpoints.py), each unit it names matched
to the committee's member units by name or alias, the names it does not know put to the office for a decision, and
the plan with its items, tasks and units written in one transaction once every name is decided."""

import datetime
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.governance import workpoints
from learncity.governance.inputs import ImportIn
from learncity.governance.models import Task, TaskState, TaskUnit, UnitAlias, UnitPart, WorkItem, WorkPlan
from learncity.governance.selectors import governs
from learncity.network.models import Committee, MemberUnit
from learncity.network.services import member_unit_create

IGNORE = "ignore"
NEW = "new"


@dataclass
class Resolved:
    """What a name in a units clause stands for: member units, committees, or nothing yet (`unknown`)."""

    ref: workpoints.UnitRef
    member_units: list[MemberUnit] = field(default_factory=list)
    committees: list[Committee] = field(default_factory=list)
    unknown: bool = False
    decision: str = ""  # for an unknown name: the office's decision, if any


@dataclass
class Preview:
    document: workpoints.Document
    year: int
    units: list[list[Resolved]]  # per item, in the document's order
    unknown: list[str]  # names no unit or alias matched, in the order first met
    undecided: list[str]  # those of them the office has not decided yet

    @property
    def task_count(self) -> int:
        return len(self.document.items)


def _short(place_name: str) -> str:
    """福州市 → 福州, 鼓楼区 → 鼓楼 (a document writes 市教育局 or 福州市教育局 for the same unit)."""
    return re.sub(r"(市|区|县|自治县|旗)$", "", place_name)


def unit_key(name: str, place_name: str) -> str:
    """A unit's name without its place: 福州市教育局 and 市教育局 are both 教育局."""
    name = re.sub(r"\s+", "", name)
    for prefix in (place_name, _short(place_name), "市", "区", "县"):
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):]
    return name


class _Matcher:
    """The committee's member units by key, its learnt aliases, and the committees of the places below it."""

    def __init__(self, committee: Committee):
        self.committee = committee
        place_name = committee.place.name
        units = list(MemberUnit.objects.unscoped("matching an import's names to every unit of the committee")
                     .filter(committee=committee).order_by("id"))
        self.units = units
        self.by_key = {unit_key(u.name, place_name): u for u in units}
        self.by_name = {u.name: u for u in units}
        for alias in UnitAlias.objects.unscoped("the committee's learnt names, read with its units").filter(
                committee=committee).select_related("member_unit"):
            self.by_name[alias.name] = alias.member_unit
            self.by_key.setdefault(unit_key(alias.name, place_name), alias.member_unit)
        self.lower = list(Committee.objects.unscoped("the committees of the places below, named by a clause")
                          .filter(place__parent=committee.place).select_related("place").order_by("place__code"))
        self.place_name = place_name

    def unit(self, name: str) -> MemberUnit | None:
        return self.by_name.get(name) or self.by_key.get(unit_key(name, self.place_name))

    def lower_committee(self, name: str) -> Committee | None:
        """A committee below named by its own name, or as its place's government (通川区人民政府)."""
        for c in self.lower:
            if name == c.name or name in (c.place.name, f"{c.place.name}人民政府", f"{c.place.name}政府"):
                return c
        return None

    def resolve(self, refs: list[workpoints.UnitRef]) -> list[Resolved]:
        out = []
        named = set()
        for ref in refs:
            r = Resolved(ref=ref)
            if ref.group == workpoints.ALL_MEMBERS:
                r.member_units = list(self.units)
            elif ref.group == workpoints.OTHER_MEMBERS:
                r.member_units = [u for u in self.units if u.pk not in named]
            elif ref.group == workpoints.OFFICE:
                r.committees = [self.committee]
            elif ref.group == workpoints.LOWER_GOVERNMENTS:
                r.committees = list(self.lower)
                r.unknown = not self.lower
            elif (lower := self.lower_committee(ref.name)) is not None:
                r.committees = [lower]
            else:
                unit = self.unit(ref.name)
                if unit is None:
                    r.unknown = True
                else:
                    r.member_units = [unit]
            named.update(u.pk for u in r.member_units)
            out.append(r)
        return out


def import_preview(*, actor, committee: Committee, data: ImportIn) -> Preview:
    """What importing the document would write, and the names the office must decide first: nothing written."""
    _office_check(actor, committee)
    document = workpoints.document_read(data.text)
    year = data.year or document.year or timezone.localdate().year
    matcher = _Matcher(committee)
    units = [matcher.resolve(item.units) for item in document.items]
    unknown: list[str] = []
    for resolved in units:
        for r in resolved:
            if r.unknown and r.ref.name not in unknown:
                unknown.append(r.ref.name)
    errors = {}
    for name, decision in data.decisions.items():
        if name not in unknown:
            continue
        if decision not in (IGNORE, NEW) and _decided_unit(matcher, decision) is None:
            errors["decisions"] = gettext("「%(name)s」的处理方式「%(decision)s」不是本委员会的成员单位") % {
                "name": name, "decision": decision[:40]}
    if errors:
        raise DomainError(errors)
    for resolved in units:
        for r in resolved:
            if r.unknown:
                r.decision = data.decisions.get(r.ref.name, "")
    undecided = [n for n in unknown if not data.decisions.get(n)]
    return Preview(document=document, year=year, units=units, unknown=unknown, undecided=undecided)


def _decided_unit(matcher: _Matcher, decision: str) -> MemberUnit | None:
    return next((u for u in matcher.units if str(u.pk) == decision), None) if decision.isdigit() else None


def _office_check(actor, committee: Committee) -> None:
    if not governs(actor=actor, committee=committee):
        raise PermissionDenied(gettext("只有该委员会办公室（所在地管理员）可以导入工作要点"))


def workplan_import(*, actor, committee: Committee, data: ImportIn) -> WorkPlan:
    """The plan, its items and one task an item with its lead and cooperating units, due by the year's end.
    Refused, with nothing written, while a name is undecided, or when the committee already has the year's plan."""
    preview = import_preview(actor=actor, committee=committee, data=data)
    if preview.undecided:
        raise DomainError({"units": gettext("以下单位名称未能对应到本委员会的成员单位，请逐一确定（对应到成员单位、"
                                            "新增为成员单位或不列入任务）：%(names)s")
                           % {"names": "、".join(preview.undecided)}}, code="units_undecided")
    due_on = datetime.date(preview.year, 12, 31)
    try:
        with transaction.atomic():
            plan = WorkPlan.objects.create(committee=committee, year=preview.year, title=preview.document.title,
                                           source_text=data.text, created_by=actor)
            decided = _decisions_apply(actor, committee, preview)
            for position, (item, resolved) in enumerate(zip(preview.document.items, preview.units, strict=True), 1):
                row = WorkItem.objects.create(plan=plan, section=item.section[:128], position=position,
                                              number=item.number[:8], title=item.title[:128], text=item.text)
                task = Task.objects.create(plan=plan, item=row, title=item.title[:128], description=item.text,
                                           due_on=due_on, state=TaskState.NOT_STARTED)
                _task_units_write(task, resolved, decided)
            audit_record(actor=actor, action="workplan.import", obj=plan, items=len(preview.document.items),
                         decisions=dict(data.decisions))
    except IntegrityError:
        raise DomainError({"year": gettext("%(committee)s已有 %(year)s 年的工作要点") % {
            "committee": committee.name, "year": preview.year}}) from None
    return plan


def _decisions_apply(actor, committee: Committee, preview: Preview) -> dict[str, MemberUnit | None]:
    """The unit each decided name now stands for (None: left out); a name matched to a unit is learnt as its
    alias, a new one is added to the committee."""
    decided: dict[str, MemberUnit | None] = {}
    matcher = _Matcher(committee)
    for name in preview.unknown:
        decision = next(r.decision for resolved in preview.units for r in resolved if r.ref.name == name)
        if decision == IGNORE:
            decided[name] = None
        elif decision == NEW:
            full = committee.place.name + name[1:] if name.startswith("市") and committee.place.name.endswith(
                "市") else name
            decided[name] = member_unit_create(actor=actor, committee=committee, name=full)
        else:
            unit = _decided_unit(matcher, decision)
            UnitAlias.objects.create(committee=committee, name=name, member_unit=unit)
            decided[name] = unit
    return decided


def _task_units_write(task: Task, resolved: list[Resolved], decided: dict[str, MemberUnit | None]) -> None:
    """A unit named twice keeps its first part (lead before cooperating, as the clause writes them)."""
    rows: dict[tuple[str, int], TaskUnit] = {}
    for r in resolved:
        member_units = list(r.member_units)
        if r.unknown and decided.get(r.ref.name) is not None:
            member_units.append(decided[r.ref.name])
        part = UnitPart.LEAD if r.ref.part == workpoints.LEAD else UnitPart.COOPERATING
        for unit in member_units:
            rows.setdefault(("m", unit.pk), TaskUnit(task=task, part=part, member_unit=unit))
        for c in r.committees:
            rows.setdefault(("c", c.pk), TaskUnit(task=task, part=part, committee=c))
    if not any(u.part == UnitPart.LEAD for u in rows.values()):
        raise DomainError({"units": gettext("任务「%(title)s」没有牵头单位：其牵头单位都被确定为不列入") % {
            "title": task.title}})
    TaskUnit.objects.bulk_create(rows.values())
