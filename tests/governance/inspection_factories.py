"""Inspection in the governance world (tests/governance/factories.py, 达州市): the community-school standard the
project ships imported by the city's office, inspectors granted by the administrators, a round of the current
year, and a visit scored through the services."""

import datetime

from django.utils import timezone

from learncity.core.scopes import Role
from learncity.governance import services
from learncity.governance.inputs import InspectionRoundIn, ScoreIn, StandardIn, VisitIn
from learncity.governance.models import (
    InspectionCriterion,
    InspectionRound,
    InspectionStandard,
    InspectionVisit,
)
from tests.governance.factories import PNG, Governance
from tests.people.factories import account_make

TODAY = timezone.localdate()


def standard_make(gov: Governance, *, committee=None) -> InspectionStandard:
    return services.standard_import(actor=gov.city_admin, committee=committee or gov.committee,
                                    data=StandardIn(**services.standard_shipped()))


def inspector_make(gov: Governance, place=None, *, actor=None):
    """An inspector over `place` (the city by default), granted by the city's administrator."""
    return account_make(Role.INSPECTOR, actor=actor or gov.city_admin, place=place or gov.city)


def round_make(gov: Governance, standard: InspectionStandard, *, actor=None, committee=None,
               year: int | None = None) -> InspectionRound:
    year = year or TODAY.year
    return services.round_create(actor=actor or gov.city_admin, committee=committee or gov.committee, data=InspectionRoundIn(
        standard_id=standard.pk, title=f"{year}年社区学校示范校专项督导", year=year,
        starts_on=datetime.date(year, 1, 1), ends_on=datetime.date(year, 12, 31)))


def visit_make(gov: Governance, round: InspectionRound, inspector, **target) -> InspectionVisit:
    return services.visit_assign(actor=gov.city_admin, round=round, data=VisitIn(inspector_id=inspector.pk, **target))


def criteria_of(standard) -> list[InspectionCriterion]:
    return list(InspectionCriterion.objects.filter(standard=standard).order_by("position"))


def scored(visit: InspectionVisit, inspector, *, rectify: tuple[int, ...] = (), minus: dict | None = None,
           submit: bool = True) -> InspectionVisit:
    """Every criterion of the visit scored by its inspector: full points but `minus` {position: points off}; a
    finding at each position of `rectify` (marked to rectify); a PNG where evidence is required; then submitted."""
    minus = minus or {}
    for c in criteria_of(visit.round.standard):
        finding = f"{c.section}存在不足（第{c.position}项）" if c.position in rectify else ""
        services.score_record(actor=inspector, visit=visit, data=ScoreIn(
            criterion_id=c.pk, score=c.points - minus.get(c.position, 0), finding=finding,
            rectify=c.position in rectify), files=[("photo.png", PNG)] if c.evidence_required else [])
    if submit:
        visit = services.visit_submit(actor=inspector, visit=visit)
    return InspectionVisit.objects.get(pk=visit.pk)
