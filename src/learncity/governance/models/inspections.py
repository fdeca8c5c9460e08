"""Inspection (专项督导): standards kept as data (criteria with their points and the evidence they require), the
rounds that send inspectors to districts, institutions or member units, the inspectors' scores with findings and
evidence, the rectification (整改) a finding sets off as a task of the committee's plan, and the circular (通报)
the office publishes once a round is closed.

An inspector (core.scopes Role.INSPECTOR) reads and scores only the visits of the rounds they are sent on
(scope_rules.inspector); the committee's office reads everything of its rounds.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.governance.models.plans import Task
from learncity.governance.scope_rules import inspector, office
from learncity.network.models import Committee, Institution, MemberUnit
from learncity.people.models import User
from learncity.places.models import Place


@scoped(view=rules.by_committee("committee") | inspector("committee__inspection_rounds__visits__", many=True),
        change=office("committee"))
class InspectionStandard(models.Model):
    """An assessment standard (评估标准), e.g. for demonstration community schools (社区学校示范校)."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="inspection_standards",
                                  verbose_name=_("委员会"))
    code = models.SlugField(_("代码"), max_length=48)
    title = models.CharField(_("标准名称"), max_length=128)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["committee_id", "code"]
        constraints = [models.UniqueConstraint(fields=["committee", "code"], name="inspection_standard_code_unique")]
        verbose_name = _("督导评估标准")
        verbose_name_plural = _("督导评估标准")

    def __str__(self) -> str:
        return self.title


@scoped(view=rules.by_committee("standard__committee")
        | inspector("standard__committee__inspection_rounds__visits__", many=True),
        change=office("standard__committee"))
class InspectionCriterion(models.Model):
    standard = models.ForeignKey(InspectionStandard, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    section = models.CharField(_("一级指标"), max_length=64)
    text = models.CharField(_("评估内容"), max_length=500)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    evidence_required = models.CharField(_("佐证材料"), max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["standard_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "position"], name="inspection_criterion_position_unique"),
            models.CheckConstraint(condition=Q(points__gt=0), name="inspection_criterion_points_positive"),
        ]

    def __str__(self) -> str:
        return self.text


@scoped(view=office("committee") | inspector("visits__", many=True), change=office("committee"))
class InspectionRound(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="inspection_rounds",
                                  verbose_name=_("委员会"))
    standard = models.ForeignKey(InspectionStandard, on_delete=models.PROTECT, related_name="rounds",
                                 verbose_name=_("评估标准"))
    title = models.CharField(_("督导名称"), max_length=128)
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "-starts_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")),
                                              name="inspection_round_dates_order")]
        verbose_name = _("专项督导")
        verbose_name_plural = _("专项督导")

    def __str__(self) -> str:
        return self.title


class VisitState(models.TextChoices):
    ASSIGNED = "assigned", _("待评估")
    SUBMITTED = "submitted", _("已提交")


# The inspector sent, and the office; the inspected district's committee reads its findings through the
# rectification tasks (plans.Task), not the visit.
@scoped(view=office("round__committee") | inspector(), change=office("round__committee") | inspector())
class InspectionVisit(models.Model):
    """One inspector sent to one target in a round: a district (its place), an institution or a member unit."""

    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT, related_name="visits")
    inspector = models.ForeignKey(User, on_delete=models.PROTECT, related_name="inspection_visits",
                                  verbose_name=_("督导员"))
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member_unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=VisitState.choices, default=VisitState.ASSIGNED)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(place__isnull=False, institution__isnull=True, member_unit__isnull=True)
                           | Q(place__isnull=True, institution__isnull=False, member_unit__isnull=True)
                           | Q(place__isnull=True, institution__isnull=True, member_unit__isnull=False)),
                name="inspection_visit_one_target"),
            models.UniqueConstraint(fields=["round", "place"], name="inspection_visit_place_unique"),
            models.UniqueConstraint(fields=["round", "institution"], name="inspection_visit_institution_unique"),
            models.UniqueConstraint(fields=["round", "member_unit"], name="inspection_visit_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.target}"

    @property
    def target(self):
        return self.place or self.institution or self.member_unit


@scoped(view=office("visit__round__committee") | inspector("visit__"),
        change=office("visit__round__committee") | inspector("visit__"))
class InspectionScore(models.Model):
    """An inspector's score of one criterion at one visit, with what they found."""

    visit = models.ForeignKey(InspectionVisit, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(InspectionCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    finding = models.TextField(_("发现的问题"), blank=True)
    rectify = models.BooleanField(_("需要整改"), default=False)
    scored_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["visit_id", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["visit", "criterion"], name="inspection_score_unique"),
                       models.CheckConstraint(condition=Q(score__gte=0), name="inspection_score_not_negative")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


@scoped(view=office("score__visit__round__committee") | inspector("score__visit__"),
        change=office("score__visit__round__committee") | inspector("score__visit__"))
class InspectionEvidence(models.Model):
    """A photo or document an inspector brings for a score, kept in the database (core/evidence.py)."""

    score = models.ForeignKey(InspectionScore, on_delete=models.PROTECT, related_name="evidence")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, default="")
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    objects = RestrictedManager()

    class Meta:
        ordering = ["score_id", "id"]

    def __str__(self) -> str:
        return self.name


@scoped(view=office("score__visit__round__committee") | inspector("score__visit__"),
        change=office("score__visit__round__committee"))
class Rectification(models.Model):
    """A finding the office sent for rectification: the task (kind RECTIFICATION) of the committee's plan it
    became, given to the inspected district's committee or member unit."""

    score = models.ForeignKey(InspectionScore, on_delete=models.PROTECT, related_name="rectifications")
    task = models.OneToOneField(Task, on_delete=models.PROTECT, related_name="rectification")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["score_id", "id"]

    def __str__(self) -> str:
        return str(self.task)


# A circular is published to the committee's area: every official and member unit of it reads it.
@scoped(view=rules.by_committee("round__committee"), change=office("round__committee"))
class Circular(models.Model):
    """The circular (通报) of a closed round: its text as published, and who published it when."""

    round = models.OneToOneField(InspectionRound, on_delete=models.PROTECT, related_name="circular")
    title = models.CharField(_("标题"), max_length=128)
    text = models.TextField(_("正文"))
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-published_at", "id"]
        verbose_name = _("通报")
        verbose_name_plural = _("通报")

    def __str__(self) -> str:
        return self.title
