"""The committee's joint meetings (联席会议): when and where, who convened it, the member units (and lower
committees) that attended, the agenda, the minutes and the decisions, and the tasks each decision became.

A meeting is a draft while the office writes it (its agenda, attendance, minutes and decisions may change), then
published once: its minutes are then the record, and nothing of it changes any more; a mistake is corrected by
the next meeting's minutes, not by editing these (`governance.services.meetings` refuses every edit of a
published meeting). Only a published meeting's decisions become tasks (TaskKind.DECISION, no work item) of the
committee's plan for the meeting's year, each linked to its decision by a `DecisionTask` row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.governance.models.plans import Task
from learncity.governance.scope_rules import office
from learncity.network.models import Committee, MemberUnit
from learncity.people.models import User


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已印发")


# The committee's members read its meetings (its area's officials and its member units); its office writes them.
@scoped(view=rules.by_committee("committee"), change=office("committee"))
class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings",
                                  verbose_name=_("委员会"))
    year = models.PositiveSmallIntegerField(_("年度"))  # the year whose plan its decisions' tasks go into
    title = models.CharField(_("会议名称"), max_length=128)
    held_on = models.DateField(_("会议日期"))
    location = models.CharField(_("地点"), max_length=128, blank=True)
    convener = models.CharField(_("召集人"), max_length=64)  # who convened it, as written: 分管副市长
    member_units = models.ManyToManyField(MemberUnit, blank=True, related_name="meetings",
                                          verbose_name=_("出席成员单位"))
    committees = models.ManyToManyField(Committee, blank=True, related_name="meetings_attended",
                                        verbose_name=_("出席下级委员会"))
    agenda = models.TextField(_("议题"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=MeetingState.choices, default=MeetingState.DRAFT)
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")

    def __str__(self) -> str:
        return self.title


@scoped(view=rules.by_committee("meeting__committee"), change=office("meeting__committee"))
class MeetingDecision(models.Model):
    """One decision of the meeting (议定事项), in the minutes' order."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    position = models.PositiveSmallIntegerField()  # from 1
    text = models.TextField(_("议定事项"))
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    tasks = models.ManyToManyField(Task, through="DecisionTask", related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["meeting_id", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="meeting_decision_position")]

    def __str__(self) -> str:
        return self.text[:40]


@scoped(view=rules.by_committee("decision__meeting__committee"), change=office("decision__meeting__committee"))
class DecisionTask(models.Model):
    """A task (kind DECISION) a decision became."""

    decision = models.ForeignKey(MeetingDecision, on_delete=models.PROTECT, related_name="task_links")
    task = models.OneToOneField(Task, on_delete=models.PROTECT, related_name="decision_link")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["decision_id", "task_id"]

    def __str__(self) -> str:
        return str(self.task)
