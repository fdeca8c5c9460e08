"""The annual assessment's writes: the office makes a scheme (a year, its subjects, the components' weights),
changes its weights, and proposes the year's advanced units from the ranked table. Each checks who may and every
input before it writes, and audits in the same transaction.

Weights are data: one row per component (indicators, tasks, reports, inspections), each 0–100, summing to 100;
an unknown component or a sum other than 100 is refused naming the components. A proposal is a record: its rows
are written once, and proposing again writes a new proposal (the next number) that supersedes the last.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action
from learncity.governance.inputs.assessment import ProposeIn, SchemeIn, WeightsIn
from learncity.governance.models import (
    AdvancedUnitProposal,
    AssessmentComponent,
    AssessmentScheme,
    AssessmentSubjects,
    AssessmentWeight,
)
from learncity.governance.selectors.assessment import assessment_table
from learncity.governance.selectors.plans import governs
from learncity.network.models import Committee

TOTAL = Decimal(100)
CENT = Decimal("0.01")


def _check_office(actor, committee: Committee) -> None:
    if not Committee.objects.restrict(actor).filter(pk=committee.pk).exists():
        raise NotFound()
    if not governs(actor=actor, committee=committee):
        raise PermissionDenied(gettext("只有委员会办公室可以组织年度考核"))


def _weights_checked(weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Every component's weight (0 for one left out), or a DomainError naming the unknown components or, when
    the sum is not 100, every component and its weight."""
    labels = dict(AssessmentComponent.choices)
    unknown = sorted(set(weights) - set(labels))
    if unknown:
        raise DomainError({f"weights.{name[:32]}": gettext("没有考核项目「%(name)s」（可用：%(known)s）") % {
            "name": name[:32], "known": "、".join(AssessmentComponent.values)} for name in unknown})
    full = {c: weights.get(c, Decimal(0)).quantize(CENT) for c in AssessmentComponent.values}
    total = sum(full.values(), Decimal(0))
    if total != TOTAL:
        parts = " + ".join(f"{labels[c]} {w.normalize():f}" for c, w in full.items())
        raise DomainError({"weights": gettext("各项权重之和须为 100，现为 %(total)s（%(parts)s）") % {
            "total": f"{total.normalize():f}", "parts": parts}})
    return full


def scheme_create(*, actor, committee: Committee, data: SchemeIn) -> AssessmentScheme:
    """A scheme of the committee's assessment for a year and its subjects, with its weights (the office's)."""
    _check_office(actor, committee)
    errors = {}
    if data.subjects not in AssessmentSubjects.values:
        errors["subjects"] = gettext("考核对象须为 %(known)s 之一") % {"known": "、".join(AssessmentSubjects.values)}
    try:
        weights = _weights_checked(data.weights)
    except DomainError as exc:
        errors.update({k: v[0] for k, v in exc.errors.items()})
    if not errors and AssessmentScheme.objects.unscoped("a scheme of the office's own committee: one a year").filter(
            committee=committee, year=data.year, subjects=data.subjects).exists():
        errors["year"] = gettext("%(year)s 年度的这项考核方案已经存在") % {"year": data.year}
    if errors:
        raise DomainError(errors)
    try:
        with transaction.atomic():
            scheme = AssessmentScheme.objects.create(committee=committee, year=data.year, subjects=data.subjects,
                                                     created_by=actor)
            AssessmentWeight.objects.bulk_create(
                AssessmentWeight(scheme=scheme, component=c, weight=w) for c, w in weights.items())
            audit_record(actor=actor, action="assessment.scheme_create", obj=scheme, year=data.year,
                         subjects=data.subjects, weights={c: str(w) for c, w in weights.items()})
    except IntegrityError:  # the same scheme made at the same moment by another request
        raise DomainError({"year": gettext("%(year)s 年度的这项考核方案已经存在") % {"year": data.year}}) from None
    return scheme


def weights_set(*, actor, scheme: AssessmentScheme, data: WeightsIn) -> dict[str, Decimal]:
    """The scheme's new weights, all at once (the office's)."""
    if not AssessmentScheme.objects.restrict(actor).filter(pk=scheme.pk).exists():
        raise NotFound()
    _check_office(actor, scheme.committee)
    weights = _weights_checked(data.weights)
    with transaction.atomic():
        rows = {w.component: w for w in AssessmentWeight.objects.restrict(actor, Action.CHANGE)
                .select_for_update().filter(scheme=scheme)}
        before = {c: str(w.weight) for c, w in rows.items()}
        for component, weight in weights.items():
            if component in rows:
                AssessmentWeight.objects.restrict(actor, Action.CHANGE).filter(pk=rows[component].pk).update(
                    weight=weight)
        AssessmentWeight.objects.bulk_create(AssessmentWeight(scheme=scheme, component=c, weight=w)
                                             for c, w in weights.items() if c not in rows)
        audit_record(actor=actor, action="assessment.weights_set", obj=scheme, before=before,
                     after={c: str(w) for c, w in weights.items()})
    return weights


def advanced_propose(*, actor, scheme: AssessmentScheme, data: ProposeIn) -> list[AdvancedUnitProposal]:
    """The first `count` of the scheme's ranked table proposed as advanced units (a unit tied with the last one
    proposed is proposed too): a new proposal, superseding the last."""
    if not AssessmentScheme.objects.restrict(actor).filter(pk=scheme.pk).exists():
        raise NotFound()
    _check_office(actor, scheme.committee)
    table = assessment_table(actor, scheme)
    if not table:
        raise DomainError({"count": gettext("考核方案没有考核对象，无法提名")})
    if data.count > len(table):
        raise DomainError({"count": gettext("只有 %(n)s 个考核对象，不能提名 %(count)s 个") % {
            "n": len(table), "count": data.count}})
    chosen = [r for r in table if r.rank <= data.count]  # ties share a rank: one tied with the last goes too
    with transaction.atomic():
        AssessmentScheme.objects.unscoped("the scheme locked for its next proposal number").select_for_update().get(
            pk=scheme.pk)
        last = AdvancedUnitProposal.objects.restrict(actor).filter(scheme=scheme).order_by("-number").first()
        number = last.number + 1 if last else 1
        rows = AdvancedUnitProposal.objects.bulk_create(AdvancedUnitProposal(
            scheme=scheme, number=number, member_unit=r.member_unit, committee=r.committee, rank=r.rank,
            total=r.total, components=r.snapshot(), proposed_by=actor) for r in chosen)
        audit_record(actor=actor, action="assessment.advanced_propose", obj=scheme, number=number,
                     count=data.count, units=[r.key for r in chosen])
    return rows
