"""Reads of the committee's year; each starts from `restrict(actor, action)`."""

import datetime

from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from learncity.core.errors import NotFound
from learncity.core.scopes import Action, Capability, scope_for
from learncity.governance.models import (
    Evidence,
    Milestone,
    ProgressUpdate,
    Task,
    TaskState,
    TaskTransition,
    TaskUnit,
    UpdateState,
    WorkItem,
    WorkPlan,
)
from learncity.governance.selectors.reports import returns_to_fill
from learncity.network.models import Committee
from learncity.people.models import User

OPEN = (TaskState.NOT_STARTED, TaskState.IN_PROGRESS, TaskState.OVERDUE)


def plan_list(*, actor) -> QuerySet[WorkPlan]:
    """The plans the actor reads, each with its count of tasks by state."""
    # distinct: the rule reaches a plan through its committee's members, a join that repeats each task
    counts = {f"n_{s}": Count("tasks", filter=Q(tasks__state=s), distinct=True) for s in TaskState.values}
    return (WorkPlan.objects.restrict(actor).select_related("committee__place")
            .annotate(n_tasks=Count("tasks", distinct=True), **counts).order_by("-year", "committee__place__code"))


def plan_get(*, actor, pk: int) -> WorkPlan:
    plan = WorkPlan.objects.restrict(actor).select_related("committee__place").filter(pk=pk).first()
    if plan is None:
        raise NotFound()
    return plan


def plan_items(*, actor, plan: WorkPlan) -> list[WorkItem]:
    """The plan's items in order, each with the tasks of it the actor reads (their units prefetched)."""
    tasks = task_list(actor=actor).filter(plan=plan)
    return list(WorkItem.objects.restrict(actor).filter(plan=plan).order_by("position")
                .prefetch_related(Prefetch("tasks", queryset=tasks)))


def task_milestones(*, actor, task: Task) -> QuerySet[Milestone]:
    return Milestone.objects.restrict(actor).filter(task=task).order_by("due_on", "id")


def milestone_get(*, actor, pk: int) -> Milestone:
    milestone = Milestone.objects.restrict(actor).select_related("task__plan__committee").filter(pk=pk).first()
    if milestone is None:
        raise NotFound()
    return milestone


def plan_other_tasks(*, actor, plan: WorkPlan) -> QuerySet[Task]:
    """The plan's tasks under no item (a joint meeting's decisions, rectifications) the actor reads."""
    return task_list(actor=actor).filter(plan=plan, item__isnull=True)


def task_list(*, actor, state: str | None = None, mine: bool = False) -> QuerySet[Task]:
    """The tasks the actor reads; `mine`: only those of their own units (not every task of their area)."""
    qs = Task.objects.restrict(actor).select_related("plan__committee", "item").prefetch_related(
        Prefetch("units", queryset=TaskUnit.objects.restrict(actor).select_related("member_unit", "committee")))
    if state:
        qs = qs.filter(state=state)
    if mine:
        qs = qs.filter(pk__in=TaskUnit.objects.restrict(actor, Action.CHANGE).values("task_id"))
    return qs.order_by("due_on", "plan_id", F("item__position").asc(nulls_last=True), "id")


def task_get(*, actor, pk: int) -> Task:
    task = task_list(actor=actor).filter(pk=pk).first()
    if task is None:
        raise NotFound()
    return task


def task_history(*, actor, task: Task) -> QuerySet[TaskTransition]:
    return TaskTransition.objects.restrict(actor).filter(task=task).select_related("actor").order_by("at", "id")


def task_updates(*, actor, task: Task) -> QuerySet[ProgressUpdate]:
    return (ProgressUpdate.objects.restrict(actor).filter(task=task)
            .select_related("member_unit", "committee", "author", "decided_by")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.restrict(actor).defer("content")))
            .order_by("-created_at", "-id"))


def update_get(*, actor, pk: int) -> ProgressUpdate:
    update = ProgressUpdate.objects.restrict(actor).select_related("task__plan__committee").filter(pk=pk).first()
    if update is None:
        raise NotFound()
    return update


def evidence_get(*, actor, update_pk: int, pk: int) -> Evidence:
    evidence = Evidence.objects.restrict(actor).filter(pk=pk, update_id=update_pk).first()
    if evidence is None:
        raise NotFound()
    return evidence


def committees_governed(*, actor) -> QuerySet[Committee]:
    """The committees whose office the actor runs (where they may import work points, add tasks): none for a role
    that runs no office, whatever its place."""
    scope = scope_for(actor)
    governed = Committee.objects.restrict(scope, Action.CHANGE).select_related("place").order_by("place__code")
    return governed if scope.may(Capability.GOVERN) else governed.none()


def governs(*, actor, committee: Committee) -> bool:
    """Whether the actor runs the committee's office."""
    return committees_governed(actor=actor).filter(pk=committee.pk).exists()


class _Count(Subquery):
    """The number of rows a queryset reads, as a scalar subquery (its DISTINCT, if any, kept inside)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    empty_result_set_value = 0  # what an empty queryset (.none()) counts
    output_field = IntegerField()


def home_tasks(*, actor, today: datetime.date, now: datetime.datetime | None = None) -> dict:
    """The service hall's to-do: the open tasks the actor's own units answer for (overdue first, then by time
    limit; five shown) and, where they run the office, the updates waiting for its decision and its overdue tasks;
    and their units' report returns to fill in before the deadline and those the office sent back
    (selectors/reports.py). One query: the five tasks, each carrying every figure as a scalar subquery; when the
    actor's units have no open task, the figures on the actor's user row instead."""
    scope = scope_for(actor)
    mine = TaskUnit.objects.restrict(scope, Action.CHANGE).values("task_id")
    visible = Task.objects.restrict(scope)
    figures = {"count": _Count(visible.filter(state__in=OPEN, pk__in=mine).values("pk")),
               "overdue": _Count(visible.filter(state=TaskState.OVERDUE, pk__in=mine).values("pk"))}
    if scope.may(Capability.GOVERN):
        governed = Task.objects.restrict(scope, Action.CHANGE)
        figures |= {"late": _Count(governed.filter(state=TaskState.OVERDUE).values("pk")),
                    "updates": _Count(ProgressUpdate.objects.restrict(scope).filter(
                        state=UpdateState.SUBMITTED, task__in=governed.values("pk")).values("pk"))}
    due, returned = returns_to_fill(actor=actor, now=now or timezone.now())
    figures |= {"returns_due": _Count(due.values("pk")), "returns_returned": _Count(returned.values("pk"))}
    # the five tasks carry the figures (one query); with no task of their own, the figures hang on the user's row
    items = list(visible.filter(state__in=OPEN, pk__in=mine).annotate(**{f"fig_{k}": v for k, v in figures.items()})
                 .order_by("-state", "due_on", "id")[:5])
    if items:
        totals = {k: getattr(items[0], f"fig_{k}") for k in figures}
    else:
        totals = (User.objects.unscoped("one row to hang the to-do's counts on").filter(pk=actor.pk)
                  .annotate(**figures).values(*figures).first()) or dict.fromkeys(figures, 0)
    return {"count": totals["count"], "items": items, "overdue": totals["overdue"],
            "updates": totals.get("updates", 0), "late": totals.get("late", 0), "today": today,
            "returns_due": totals["returns_due"], "returns_returned": totals["returns_returned"]}


# --- for the pages (governance/views.py) -------------------------------------------------------------------------

def item_get(*, actor, pk: int, action: Action = Action.VIEW) -> WorkItem:
    item = WorkItem.objects.restrict(actor, action).select_related("plan__committee__place").filter(pk=pk).first()
    if item is None:
        raise NotFound()
    return item


def task_units_mine(*, actor, task: Task) -> list[TaskUnit]:
    """The task's units the actor answers for (reports progress for): none for a role that reports nothing."""
    if not scope_for(actor).may(Capability.REPORT_PROGRESS):
        return []
    return list(TaskUnit.objects.restrict(actor, Action.CHANGE).filter(task=task)
                .select_related("member_unit", "committee"))


def task_indicators(*, actor, task: Task):
    from learncity.monitoring.models import Indicator

    return Indicator.objects.restrict(actor).filter(tasks=task).order_by("code")


def units_assignable(*, actor, committee: Committee) -> dict:
    """What the office may give a task of the committee: its member units, and the committee itself and those of
    the places right below it."""
    from learncity.network.models import MemberUnit

    return {"member_units": list(MemberUnit.objects.restrict(actor).filter(committee=committee).order_by("id")),
            "committees": list(Committee.objects.restrict(actor).filter(
                Q(pk=committee.pk) | Q(place__parent=committee.place)).select_related("place")
                .order_by("place__path"))}


def plan_counts(*, actor, plans: list[WorkPlan]) -> dict[int, list[tuple[str, str, int]]]:
    """{plan id: [(state, its label, count), …]} of the tasks of each plan the actor reads, the states they have,
    in the states' order. (One grouped query: `plan_list`'s annotations count a task once for every row the
    scope's joins give it.)"""
    counts: dict[int, dict[str, int]] = {}
    for row in (Task.objects.restrict(actor).filter(plan__in=plans).order_by().values("plan_id", "state")
                .annotate(n=Count("id", distinct=True))):
        counts.setdefault(row["plan_id"], {})[row["state"]] = row["n"]
    return {p.pk: [(value, label, counts.get(p.pk, {})[value]) for value, label in TaskState.choices
                   if counts.get(p.pk, {}).get(value)] for p in plans}


def updates_waiting(*, actor) -> QuerySet[ProgressUpdate]:
    """The submitted updates on the tasks whose office the actor runs, oldest first (what the office reviews)."""
    governed = Task.objects.restrict(actor, Action.CHANGE)
    return (ProgressUpdate.objects.restrict(actor).filter(state=UpdateState.SUBMITTED, task__in=governed)
            .select_related("task", "member_unit", "committee").order_by("created_at", "id"))
