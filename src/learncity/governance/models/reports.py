"""Member units' reports (成员单位报表): forms kept as data, the reporting rounds that open a form for a set of
units with a deadline, each unit's return with its history, extensions and attachments.

A form's `schema` is data (governance/report_schema.py reads and checks it): sections of number fields (a unit
such as 人 or 万元, a range, decimals), tables with fixed rows (departments, industries) and fixed number columns,
narrative text and attachments, and cross-field rules ("sum of rows = total"). A return's `data` holds the
answers by field key. A return moves draft → submitted → accepted, or submitted → returned → submitted; every
move is a ReturnEvent (who, when, from, to, why), append-only. After the round's deadline a return is locked
unless the office granted it an extension (`extended_until`, recorded as an event).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.governance.scope_rules import office, unit_of
from learncity.network.models import Committee, MemberUnit
from learncity.people.models import User


# A form is the committee's: its area's officials and member units read it, its office changes it.
@scoped(view=rules.by_committee("committee"), change=office("committee"))
class ReportForm(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="report_forms",
                                  verbose_name=_("委员会"))
    code = models.SlugField(_("代码"), max_length=48)
    title = models.CharField(_("报表名称"), max_length=128)
    schema = models.JSONField(_("报表结构"))
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["committee_id", "code"]
        constraints = [models.UniqueConstraint(fields=["committee", "code"], name="report_form_code_unique")]
        verbose_name = _("报表")
        verbose_name_plural = _("报表")

    def __str__(self) -> str:
        return self.title


# A round is read by its committee's office and by the units it asks for a return.
@scoped(view=office("committee") | unit_of("returns__", many=True), change=office("committee"))
class ReportRound(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="report_rounds",
                                  verbose_name=_("委员会"))
    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("报表"))
    title = models.CharField(_("报送轮次"), max_length=128)  # 2026年第三季度
    period_start = models.DateField(_("统计期起"))
    period_end = models.DateField(_("统计期止"))
    deadline = models.DateTimeField(_("截止时间"))
    remind_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    locked_at = models.DateTimeField(null=True, blank=True)  # when the sweep recorded the lock (the deadline decides)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-period_end", "committee_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")),
                                              name="report_round_period_order")]
        verbose_name = _("报送轮次")
        verbose_name_plural = _("报送轮次")

    def __str__(self) -> str:
        return self.title


class ReturnState(models.TextChoices):
    DRAFT = "draft", _("未报送")  # not yet submitted (saved or not)
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("已采纳")


# A unit's return: the unit (its reporters; a lower committee's officials) and the round's office.
@scoped(view=office("round__committee") | unit_of(), change=office("round__committee") | unit_of())
class ReportReturn(models.Model):
    round = models.ForeignKey(ReportRound, on_delete=models.PROTECT, related_name="returns")
    member_unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=ReturnState.choices, default=ReturnState.DRAFT,
                             db_index=True)
    data = models.JSONField(_("填报内容"), default=dict, blank=True)  # {field key: value}; tables {row: {col: v}}
    submitted_at = models.DateTimeField(null=True, blank=True)  # the last submission
    first_submitted_at = models.DateTimeField(null=True, blank=True)  # for timeliness
    accepted_at = models.DateTimeField(null=True, blank=True)
    extended_until = models.DateTimeField(null=True, blank=True)  # an extension the office granted
    comment = models.CharField(_("办公室意见"), max_length=1000, blank=True)  # the last return's reason
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["round_id", "member_unit_id", "committee_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(member_unit__isnull=True) ^ Q(committee__isnull=True),
                                   name="report_return_one_unit"),
            models.UniqueConstraint(fields=["round", "member_unit"], name="report_return_member_unique"),
            models.UniqueConstraint(fields=["round", "committee"], name="report_return_committee_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.unit}"

    @property
    def unit(self):
        return self.member_unit or self.committee


class ReturnAction(models.TextChoices):
    SAVE = "save", _("保存草稿")
    SUBMIT = "submit", _("报送")
    RETURN = "return", _("退回修改")
    ACCEPT = "accept", _("采纳")
    EXTEND = "extend", _("延期")
    REMIND = "remind", _("提醒")


@scoped(view=office("report_return__round__committee") | unit_of("report_return__"), change=rules.superuser_only())
class ReturnEvent(models.Model):
    """One thing done to a return (append-only): its action, the state before and after, who, when and why;
    a submission keeps the data as submitted."""

    report_return = models.ForeignKey(ReportReturn, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=ReturnAction.choices)
    from_state = models.CharField(max_length=16, choices=ReturnState.choices)
    to_state = models.CharField(max_length=16, choices=ReturnState.choices)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")  # None: the system
    comment = models.CharField(_("说明"), max_length=1000, blank=True)
    data = models.JSONField(null=True, blank=True)  # the return as submitted
    until = models.DateTimeField(null=True, blank=True)  # an extension's new deadline
    at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["report_return_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


@scoped(view=office("report_return__round__committee") | unit_of("report_return__"),
        change=office("report_return__round__committee") | unit_of("report_return__"))
class ReturnAttachment(models.Model):
    """A file for one of the form's attachment fields, kept in the database (core/evidence.py checks it)."""

    report_return = models.ForeignKey(ReportReturn, on_delete=models.PROTECT, related_name="attachments")
    field = models.CharField(max_length=48)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, default="")
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["report_return_id", "field", "id"]

    def __str__(self) -> str:
        return self.name
