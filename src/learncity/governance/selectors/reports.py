"""Reads of the member units' reports; each starts from `restrict(actor, action)`. The office reads its committee's
forms, rounds and every return of them; a unit (a member unit's reporters, a lower committee's officials) its own
returns and the rounds that ask it for one."""

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from learncity.core.errors import NotFound
from learncity.core.scopes import Action, Capability, scope_for
from learncity.governance.models import (
    ReportForm,
    ReportReturn,
    ReportRound,
    ReturnAttachment,
    ReturnEvent,
    ReturnState,
)

S = ReturnState
OPEN_STATES = (S.DRAFT, S.RETURNED)


def form_list(*, actor) -> QuerySet[ReportForm]:
    return ReportForm.objects.restrict(actor).select_related("committee__place").order_by("committee_id", "code")


def form_get(*, actor, pk: int) -> ReportForm:
    form = form_list(actor=actor).filter(pk=pk).first()
    if form is None:
        raise NotFound()
    return form


def report_round_list(*, actor) -> QuerySet[ReportRound]:
    """The rounds the actor reads (the office's and those asking the actor's units), newest period first."""
    return (ReportRound.objects.restrict(actor).select_related("committee__place", "form")
            .order_by("-period_end", "-deadline", "-id"))


def report_round_get(*, actor, pk: int) -> ReportRound:
    rnd = report_round_list(actor=actor).filter(pk=pk).first()
    if rnd is None:
        raise NotFound()
    return rnd


def is_late(report_return: ReportReturn, now: datetime.datetime) -> bool:
    """Submitted first after the deadline (or not yet submitted and the deadline past)."""
    deadline = report_return.round.deadline
    first = report_return.first_submitted_at
    return first > deadline if first is not None else now > deadline


def report_round_returns(*, actor, rnd: ReportRound) -> list[ReportReturn]:
    """The round's returns the actor reads (every one for the office), each with `late` and `extended` marks."""
    now = timezone.now()
    returns = list(ReportReturn.objects.restrict(actor).filter(round=rnd)
                   .select_related("round", "member_unit", "committee__place")
                   .order_by(F("member_unit_id").asc(nulls_last=True), "committee_id", "id"))
    for r in returns:
        r.late = is_late(r, now)
        r.extended = r.extended_until is not None
    return returns


def report_round_summary(*, returns: list[ReportReturn]) -> dict:
    """{"by_state": {state: count} for every state, "late": count, "extended": count, "total": count}."""
    by_state = {s: 0 for s in S.values}
    for r in returns:
        by_state[r.state] += 1
    return {"by_state": by_state, "total": len(returns), "late": sum(r.late for r in returns),
            "extended": sum(r.extended for r in returns)}


def return_get(*, actor, pk: int, action: Action = Action.VIEW) -> ReportReturn:
    ret = (ReportReturn.objects.restrict(actor, action)
           .select_related("round__form", "round__committee__place", "member_unit", "committee__place")
           .filter(pk=pk).first())
    if ret is None:
        raise NotFound()
    return ret


def returns_mine(*, actor) -> QuerySet[ReportReturn]:
    """The returns the actor fills in (their member unit's; their area's committees'), open ones first."""
    scope = scope_for(actor)
    if not scope.may(Capability.REPORT_PROGRESS):
        return ReportReturn.objects.restrict(scope).none()
    mine = _mine_q(scope)
    return (ReportReturn.objects.restrict(scope, Action.CHANGE).filter(mine)
            .select_related("round__form", "member_unit", "committee__place")
            .order_by("-round__deadline", "round_id", "id"))


def _mine_q(scope) -> Q:
    if scope.everything:
        return Q()
    return Q(member_unit_id__in=list(scope.grants(Action.CHANGE).member_unit_ids)) | scope.committees_q(
        Action.CHANGE, prefix="committee__", members=False)


def return_history(*, actor, report_return: ReportReturn) -> QuerySet[ReturnEvent]:
    return (ReturnEvent.objects.restrict(actor).filter(report_return=report_return).select_related("actor")
            .order_by("at", "id"))


def return_attachments(*, actor, report_return: ReportReturn) -> QuerySet[ReturnAttachment]:
    return (ReturnAttachment.objects.restrict(actor).filter(report_return=report_return).defer("content")
            .order_by("field", "id"))


def attachment_get(*, actor, return_pk: int, pk: int) -> ReturnAttachment:
    attachment = ReturnAttachment.objects.restrict(actor).select_related("report_return__round").filter(
        pk=pk, report_return_id=return_pk).first()
    if attachment is None:
        raise NotFound()
    return attachment


def returns_to_fill(*, actor, now: datetime.datetime) -> tuple[QuerySet[ReportReturn], QuerySet[ReportReturn]]:
    """(the actor's units' returns still to submit in open rounds, those the office sent back): their querysets,
    for the service hall's counts (selectors/plans.py home_tasks) and its list (home_reports); nothing for a role
    that fills in nothing."""
    scope = scope_for(actor)
    if not scope.may(Capability.REPORT_PROGRESS):
        none = ReportReturn.objects.restrict(scope).none()
        return none, none
    mine = ReportReturn.objects.restrict(scope, Action.CHANGE).filter(_mine_q(scope))
    return (mine.filter(Q(state=S.DRAFT, round__deadline__gt=now) | Q(state=S.DRAFT, extended_until__gt=now)),
            mine.filter(state=S.RETURNED))


def home_reports(*, actor, now: datetime.datetime | None = None) -> dict:
    """The service hall's reports: {"due": the actor's units' returns still to submit in open rounds (by
    deadline), "returned": those the office sent back}. One query (none for a role that fills in nothing)."""
    now = now or timezone.now()
    scope = scope_for(actor)
    if not scope.may(Capability.REPORT_PROGRESS):
        return {"due": [], "returned": []}
    rows = list(ReportReturn.objects.restrict(scope, Action.CHANGE).filter(_mine_q(scope)).filter(
        Q(state=S.RETURNED) | Q(state=S.DRAFT, round__deadline__gt=now) | Q(state=S.DRAFT, extended_until__gt=now))
        .select_related("round__form", "member_unit", "committee__place")
        .order_by("round__deadline", "id")[:50])
    return {"due": [r for r in rows if r.state == S.DRAFT], "returned": [r for r in rows if r.state == S.RETURNED]}


def report_round_counts(*, actor, rounds: list[ReportRound]) -> dict[int, dict[str, int]]:
    """{round id: {state: count}} of the returns the actor reads, one grouped query."""
    counts: dict[int, dict[str, int]] = {}
    for row in (ReportReturn.objects.restrict(actor).filter(round__in=rounds).order_by().values("round_id", "state")
                .annotate(n=Count("id", distinct=True))):
        counts.setdefault(row["round_id"], {})[row["state"]] = row["n"]
    return counts
