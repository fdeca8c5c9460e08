"""The annual assessment (年度考核) of a committee's districts or member units: a scheme for a year and its
subjects, the components' weights kept as data (they sum to 100, which the service checks), and the year-end
proposal of advanced units (先进单位) taken from the ranked table.

How the table is computed lives in governance/selectors/assessment.py; a proposal is a record of it at the time:
its rows are written once (rank, total, the components as they were), and a new proposal of the same scheme
supersedes the last by its higher `number`, never editing it.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, scoped
from learncity.governance.scope_rules import office
from learncity.network.models import Committee, MemberUnit
from learncity.people.models import User


class AssessmentSubjects(models.TextChoices):
    DISTRICTS = "districts", _("区县（下级委员会）")
    MEMBER_UNITS = "member_units", _("成员单位")


class AssessmentComponent(models.TextChoices):
    INDICATORS = "indicators", _("监测指标达标")
    TASKS = "tasks", _("任务完成及时")
    REPORTS = "reports", _("报表按时报送")
    INSPECTIONS = "inspections", _("专项督导得分")


# The assessment is the office's work: its committee's office (and the area's reviewers and auditors) read it.
@scoped(view=office("committee"), change=office("committee"))
class AssessmentScheme(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="assessment_schemes",
                                  verbose_name=_("委员会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    subjects = models.CharField(_("考核对象"), max_length=16, choices=AssessmentSubjects.choices)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "committee_id", "subjects"]
        constraints = [models.UniqueConstraint(fields=["committee", "year", "subjects"],
                                               name="assessment_scheme_once")]
        verbose_name = _("年度考核方案")
        verbose_name_plural = _("年度考核方案")

    def __str__(self) -> str:
        return f"{self.committee} {self.year} {self.get_subjects_display()}"


@scoped(view=office("scheme__committee"), change=office("scheme__committee"))
class AssessmentWeight(models.Model):
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="weights")
    component = models.CharField(_("考核项目"), max_length=16, choices=AssessmentComponent.choices)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)

    objects = RestrictedManager()

    class Meta:
        ordering = ["scheme_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "component"], name="assessment_weight_once"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=100), name="assessment_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_component_display()} {self.weight}"


@scoped(view=office("scheme__committee"), change=office("scheme__committee"))
class AdvancedUnitProposal(models.Model):
    """One unit of a proposal of advanced units: all the rows of one `number` are one proposal, written at once."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveSmallIntegerField(_("第几次提名"))  # 1, 2, …: the highest is the proposal in force
    member_unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("名次"))
    total = models.DecimalField(_("综合得分"), max_digits=6, decimal_places=2)
    components = models.JSONField(_("各项得分"))  # {component: {"score", "weight", "applicable"}} as computed
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["scheme_id", "-number", "rank", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(member_unit__isnull=True) ^ Q(committee__isnull=True),
                                   name="advanced_unit_one_unit"),
            models.UniqueConstraint(fields=["scheme", "number", "member_unit"], name="advanced_unit_member_once"),
            models.UniqueConstraint(fields=["scheme", "number", "committee"], name="advanced_unit_committee_once"),
        ]
        verbose_name = _("先进单位提名")
        verbose_name_plural = _("先进单位提名")

    def __str__(self) -> str:
        return f"{self.rank}. {self.unit}"

    @property
    def unit(self):
        return self.member_unit or self.committee
