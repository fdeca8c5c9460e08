"""The promotion committee's year: its work points (年度工作要点) as sections and items, each item's tasks with the
units that lead and cooperate, the tasks' milestones, their state and its history, and the units' progress updates.

A task's state moves only by the transitions `governance.services` allows; each move is a `TaskTransition` row
(who, when, from, to, why), append-only like the audit trail. A task's units are a member unit of the committee,
or a committee (a lower committee, or the plan's own for its office): exactly one of the two.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.governance.scope_rules import office, task_units, unit_of
from learncity.monitoring.models import Indicator
from learncity.network.models import Committee, MemberUnit
from learncity.people.models import User


# The plan is what the committee sent to its members: its area's officials and its member units read it.
@scoped(view=rules.by_committee("committee"), change=office("committee"))
class WorkPlan(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="work_plans",
                                  verbose_name=_("委员会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=128)
    source_text = models.TextField(_("原文"), blank=True)  # the document as imported, for the record
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "committee_id", "id"]
        constraints = [models.UniqueConstraint(fields=["committee", "year"], name="work_plan_one_a_year")]
        verbose_name = _("年度工作要点")
        verbose_name_plural = _("年度工作要点")

    def __str__(self) -> str:
        return self.title


@scoped(view=rules.by_committee("plan__committee"), change=office("plan__committee"))
class WorkItem(models.Model):
    """One item of the work points, under its section's heading."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(_("部分"), max_length=128, blank=True)
    position = models.PositiveSmallIntegerField()  # the item's order in the whole plan, from 1
    number = models.CharField(_("序号"), max_length=8)  # as the document numbers it in its section: 一, 二, or 1, 2
    title = models.CharField(_("要点"), max_length=128)
    text = models.TextField(_("内容"), blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="work_item_position_unique")]

    def __str__(self) -> str:
        return self.title


class TaskState(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("逾期")
    CANCELLED = "cancelled", _("取消")


class TaskKind(models.TextChoices):
    WORK_POINT = "work_point", _("工作要点")
    DECISION = "decision", _("联席会议议定事项")
    RECTIFICATION = "rectification", _("督导整改")


# Officials of the plan's committee area see every task; a member unit sees the tasks it leads or cooperates on,
# a lower committee's officials those given to their committee. The office changes them.
@scoped(view=office("plan__committee") | task_units(), change=office("plan__committee"))
class Task(models.Model):
    """A task of the plan: under one of its work items, or (no item) given by a joint meeting's decision
    (models/meetings.py) or by an inspection's finding to rectify (models/inspections.py): `kind` says which."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.PROTECT, related_name="tasks")
    item = models.ForeignKey(WorkItem, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("来源"), max_length=16, choices=TaskKind.choices, default=TaskKind.WORK_POINT)
    title = models.CharField(_("任务"), max_length=128)
    description = models.TextField(_("说明"), blank=True)
    due_on = models.DateField(_("完成时限"))
    state = models.CharField(_("状态"), max_length=16, choices=TaskState.choices, default=TaskState.NOT_STARTED,
                             db_index=True)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="tasks", verbose_name=_("服务的监测指标"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan_id", models.F("item__position").asc(nulls_last=True), "id"]
        indexes = [models.Index(fields=["state", "due_on"], name="task_state_due")]
        constraints = [models.CheckConstraint(condition=Q(kind="work_point", item__isnull=False)
                                              | (~Q(kind="work_point") & Q(item__isnull=True)),
                                              name="task_item_for_work_points")]
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")

    def __str__(self) -> str:
        return self.title


class UnitPart(models.TextChoices):
    LEAD = "lead", _("牵头")
    COOPERATING = "cooperating", _("配合")


# Changing a task unit's part means answering for it: its member unit's reporters, its committee's officials.
@scoped(view=office("task__plan__committee") | unit_of(), change=unit_of())
class TaskUnit(models.Model):
    """A unit answering for a task: a member unit, or a committee (a lower one, or the plan's own office)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="units")
    part = models.CharField(_("分工"), max_length=16, choices=UnitPart.choices)
    member_unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")

    objects = RestrictedManager()

    class Meta:
        ordering = ["task_id", "-part", "id"]  # lead before cooperating ("lead" > "cooperating")
        constraints = [
            models.CheckConstraint(condition=Q(member_unit__isnull=True) ^ Q(committee__isnull=True),
                                   name="task_unit_one_of_two"),
            models.UniqueConstraint(fields=["task", "member_unit"], name="task_unit_member_unique"),
            models.UniqueConstraint(fields=["task", "committee"], name="task_unit_committee_unique"),
        ]

    def __str__(self) -> str:
        return str(self.unit)

    @property
    def unit(self):
        return self.member_unit or self.committee


@scoped(view=office("task__plan__committee") | task_units("task__"), change=office("task__plan__committee"))
class Milestone(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=128)
    due_on = models.DateField(_("时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["task_id", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


@scoped(view=office("task__plan__committee") | task_units("task__"), change=rules.superuser_only())
class TaskTransition(models.Model):
    """One move of a task's state: append-only (a wrong move is undone by another move, with its reason)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=TaskState.choices)
    to_state = models.CharField(max_length=16, choices=TaskState.choices)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")  # None: the system
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["task_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class UpdateState(models.TextChoices):
    SUBMITTED = "submitted", _("待审阅")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("需补充")


# A unit's update: its unit's reporters (or its committee's officials) and the plan's office read it.
@scoped(view=office("task__plan__committee") | unit_of(), change=office("task__plan__committee") | unit_of())
class ProgressUpdate(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="updates")
    member_unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("进展情况"))
    figures = models.JSONField(_("数据"), default=list, blank=True)  # [{"label", "value" (a decimal's text), "unit"}]
    state = models.CharField(_("审阅"), max_length=16, choices=UpdateState.choices, default=UpdateState.SUBMITTED)
    comment = models.CharField(_("办公室意见"), max_length=500, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["task_id", "-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(member_unit__isnull=True) ^ Q(committee__isnull=True),
                                              name="progress_update_one_unit")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.text[:20]}"

    @property
    def unit(self):
        return self.member_unit or self.committee


@scoped(view=office("update__task__plan__committee") | unit_of("update__"),
        change=office("update__task__plan__committee") | unit_of("update__"))
class Evidence(models.Model):
    """A file an update brings (a photo, a signed report), kept in the database so an update and its files are
    written in one transaction (core/evidence.py checks them)."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="evidence")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, default="")
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    objects = RestrictedManager()

    class Meta:
        ordering = ["update_id", "id"]

    def __str__(self) -> str:
        return self.name


@scoped(view=rules.by_committee("committee"), change=office("committee"))
class UnitAlias(models.Model):
    """Another name a committee's documents use for one of its member units (市科技局 for 科学技术局): learnt
    when the office matches a name an import did not know."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="unit_aliases")
    name = models.CharField(_("名称"), max_length=128)
    member_unit = models.ForeignKey(MemberUnit, on_delete=models.CASCADE, related_name="aliases")

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="unit_alias_unique")]

    def __str__(self) -> str:
        return f"{self.name} → {self.member_unit}"
