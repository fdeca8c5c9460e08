"""Reads of inspection (专项督导); each starts from `restrict(actor, action)`. The office reads its committee's
standards, rounds, visits and scores; an inspector only the visits they are sent on (and the rounds and standards
of those); a circular is read by the committee's whole area."""

from decimal import Decimal

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, When

from learncity.core.errors import NotFound
from learncity.core.scopes import Action, Capability, Role, scope_for
from learncity.governance.models import (
    Circular,
    InspectionCriterion,
    InspectionEvidence,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    Rectification,
    VisitState,
)

_TARGETS = ("place", "institution", "member_unit")


def standard_list(*, actor) -> QuerySet[InspectionStandard]:
    """The standards the actor reads, each with its number of criteria and their points' sum."""
    # subqueries: the standard's rule may join its committee's members, which would repeat each criterion
    criteria = (InspectionCriterion.objects.unscoped("the criteria of a standard the actor reads")
                .filter(standard=OuterRef("pk")).order_by().values("standard"))
    return (InspectionStandard.objects.restrict(actor).select_related("committee__place")
            .annotate(n_criteria=Subquery(criteria.annotate(n=Count("id")).values("n")),
                      total=Subquery(criteria.annotate(t=Sum("points")).values("t")))
            .order_by("committee__place__code", "code"))


def standard_get(*, actor, pk: int) -> InspectionStandard:
    standard = InspectionStandard.objects.restrict(actor).select_related("committee__place").filter(pk=pk).first()
    if standard is None:
        raise NotFound()
    return standard


def standard_criteria(*, actor, standard: InspectionStandard) -> list[InspectionCriterion]:
    return list(InspectionCriterion.objects.restrict(actor).filter(standard=standard).order_by("position"))


def round_list(*, actor) -> QuerySet[InspectionRound]:
    """The rounds the actor reads (the office's; an inspector's own), with their visits counted."""
    visits = (InspectionVisit.objects.restrict(actor).filter(round=OuterRef("pk")).order_by().values("round"))
    return (InspectionRound.objects.restrict(actor).select_related("committee__place", "standard")
            .annotate(n_visits=Subquery(visits.annotate(n=Count("id")).values("n")),
                      n_submitted=Subquery(visits.annotate(
                          n=Count("id", filter=Q(state=VisitState.SUBMITTED))).values("n")))
            .order_by("-year", "-starts_on", "id"))


def round_get(*, actor, pk: int, action: Action = Action.VIEW) -> InspectionRound:
    found = (InspectionRound.objects.restrict(actor, action).select_related("committee__place", "standard")
             .filter(pk=pk).first())
    if found is None:
        raise NotFound()
    return found


def round_visits(*, actor, round: InspectionRound) -> list[InspectionVisit]:
    """The round's visits the actor reads, each with its total and its number of scores, best total first (a visit
    not scored yet last), then by id: the round's ranking."""
    rows = list(InspectionVisit.objects.restrict(actor).filter(round=round)
                .select_related("inspector", "place", "institution__place", "member_unit")
                .annotate(total=Sum("scores__score"), n_scored=Count("scores"),
                          n_rectify=Count("scores", filter=Q(scores__rectify=True)))
                .order_by("id"))
    for visit in rows:
        # to the scores' two places whatever the database's sum gives (SQLite: 97, PostgreSQL: 97.00)
        visit.total = (visit.total if visit.total is not None else Decimal("0")).quantize(Decimal("0.01"))
    rows.sort(key=lambda v: (v.n_scored == 0, -v.total, v.pk))
    for rank, visit in enumerate(rows, start=1):
        visit.rank = rank
    return rows


def round_findings(*, actor, round: InspectionRound) -> list[InspectionScore]:
    """The round's scores with a finding, by criterion then visit, with their rectification tasks (if any)."""
    return list(InspectionScore.objects.restrict(actor).filter(visit__round=round).exclude(finding="")
                .select_related("criterion", "visit__place", "visit__institution", "visit__member_unit")
                .prefetch_related(Prefetch("rectifications", queryset=Rectification.objects.restrict(actor)
                                           .select_related("task")))
                .order_by("criterion__position", "visit_id"))


def visit_list_mine(*, actor) -> QuerySet[InspectionVisit]:
    """The visits the actor is sent on (an inspector's own), open ones first."""
    return (InspectionVisit.objects.restrict(actor).filter(inspector_id=actor.pk)
            .select_related("round__standard", "place", "institution", "member_unit")
            .annotate(n_scored=Count("scores"))
            .order_by("state", "round__ends_on", "id"))


def visit_get(*, actor, pk: int) -> InspectionVisit:
    visit = (InspectionVisit.objects.restrict(actor)
             .select_related("round__committee__place", "round__standard", "inspector", "place",
                             "institution__place", "member_unit__committee")
             .filter(pk=pk).first())
    if visit is None:
        raise NotFound()
    return visit


def visit_criteria(*, actor, visit: InspectionVisit) -> list[InspectionCriterion]:
    """The round's standard's criteria in order, each with `.mark`: the visit's score of it (with its evidence and
    rectifications) or None."""
    criteria = list(InspectionCriterion.objects.restrict(actor).filter(standard_id=visit.round.standard_id)
                    .order_by("position"))
    scores = {s.criterion_id: s for s in InspectionScore.objects.restrict(actor).filter(visit=visit)
              .prefetch_related(Prefetch("evidence", queryset=InspectionEvidence.objects.restrict(actor)
                                         .defer("content")),
                                Prefetch("rectifications", queryset=Rectification.objects.restrict(actor)
                                         .select_related("task")))}
    for criterion in criteria:
        criterion.mark = scores.get(criterion.pk)
    return criteria


def score_get(*, actor, pk: int, action: Action = Action.VIEW) -> InspectionScore:
    score = (InspectionScore.objects.restrict(actor, action)
             .select_related("criterion", "visit__round__committee__place", "visit__place",
                             "visit__institution__place", "visit__member_unit__committee")
             .filter(pk=pk).first())
    if score is None:
        raise NotFound()
    return score


def inspection_evidence_get(*, actor, score_pk: int, pk: int) -> InspectionEvidence:
    evidence = InspectionEvidence.objects.restrict(actor).filter(pk=pk, score_id=score_pk).first()
    if evidence is None:
        raise NotFound()
    return evidence


def circular_list(*, actor) -> QuerySet[Circular]:
    return Circular.objects.restrict(actor).select_related("round").order_by("-published_at", "-id")


def circular_get(*, actor, pk: int) -> Circular:
    circular = (Circular.objects.restrict(actor).select_related("round__committee__place", "published_by")
                .filter(pk=pk).first())
    if circular is None:
        raise NotFound()
    return circular


def home_inspections(*, actor) -> dict:
    """The service hall's to-do of an inspector: the visits they are sent on, not yet submitted, of rounds not
    closed (the five due soonest), and how many; one query, none for a user who inspects nothing."""
    if not scope_for(actor).may(Capability.INSPECT):
        return {"count": 0, "items": []}
    items = list(InspectionVisit.objects.restrict(actor)
                 .filter(inspector_id=actor.pk, state=VisitState.ASSIGNED, round__closed_at__isnull=True)
                 .select_related("round", "place", "institution", "member_unit")
                 .order_by("round__ends_on", "id")[:6])
    return {"count": len(items) if len(items) <= 5 else _open_count(actor), "items": items[:5]}


def _open_count(actor) -> int:
    return InspectionVisit.objects.restrict(actor).filter(
        inspector_id=actor.pk, state=VisitState.ASSIGNED, round__closed_at__isnull=True).count()


def inspectors_assignable(*, actor, committee) -> list:
    """The inspectors the office may send on a round of the committee: those granted over a place of its area (or
    over an area holding it) whose assignments the actor reads, once each, by username."""
    from learncity.people.models import RoleAssignment

    path = committee.place.path
    rows = (RoleAssignment.objects.restrict(actor).filter(role=Role.INSPECTOR, user__is_active=True)
            .select_related("user", "place").order_by("user__username", "id"))
    found = {}
    for ra in rows:
        if ra.place.path.startswith(path) or path.startswith(ra.place.path):
            found.setdefault(ra.user_id, (ra.user, ra.place))
    return list(found.values())


def visit_targets(*, actor, committee) -> dict:
    """What a round of the committee may visit: the districts of its area, its institutions (community schools
    first, 500 at most) and its member units."""
    from learncity.network.models import Institution, InstitutionKind, MemberUnit
    from learncity.places.models import Place, PlaceLevel

    path = committee.place.path
    return {
        "districts": list(Place.objects.restrict(actor).filter(level=PlaceLevel.DISTRICT, path__startswith=path)
                          .order_by("code")),
        "institutions": list(Institution.objects.restrict(actor).filter(place__path__startswith=path)
                             .select_related("place")
                             .annotate(other_kind=Case(When(kind=InstitutionKind.COMMUNITY_SCHOOL, then=0), default=1))
                             .order_by("other_kind", "place__path", "name")[:500]),
        "member_units": list(MemberUnit.objects.restrict(actor).filter(committee=committee).order_by("id")),
    }
