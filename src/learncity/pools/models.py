"""The people pools: teachers (师资库), textbooks (教材库), experts (专家库) and volunteers (志愿者库) with their
service hours. They moved here from catalog with their tables untouched (catalog_teacher, …: db_table below), in
Django's state only (migrations/0001). Courses name their teachers and textbooks (catalog.Course)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile, User
from learncity.places.models import Place
from learncity.pools import scope_rules


class TeacherKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")
    VOLUNTEER = "volunteer", _("志愿者")


@scoped(view=scope_rules.teachers_of_institutions(), change=scope_rules.teachers_of_institutions())
class Teacher(models.Model):
    """The teacher pool (师资库)."""

    name = models.CharField(_("姓名"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=TeacherKind.choices)
    specialities = models.CharField(_("专长"), max_length=200, blank=True)
    institutions = models.ManyToManyField(Institution, related_name="teachers", verbose_name=_("任教机构"))
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher")

    objects = RestrictedManager()

    class Meta:
        db_table = "catalog_teacher"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


@scoped(view=rules.staff(), change=scope_rules.textbooks_not_used_elsewhere())
class Textbook(models.Model):
    """The textbook library (教材库)."""

    title = models.CharField(_("书名"), max_length=200)
    authors = models.CharField(_("作者"), max_length=200, blank=True)
    publisher = models.CharField(_("出版社"), max_length=100, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=17, blank=True)
    topic = models.CharField(_("主题"), max_length=64, blank=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "catalog_textbook"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ExpertKind(models.TextChoices):
    CONSULTANCY = "consultancy", _("咨询专家")
    GUIDANCE = "guidance", _("指导专家")
    REVIEWER = "reviewer", _("评审专家")


@scoped(view=scope_rules.experts_near(), change=rules.by_place("city"))
class Expert(models.Model):
    """The expert pool (专家库)."""

    name = models.CharField(_("姓名"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=ExpertKind.choices)
    specialities = models.CharField(_("专长"), max_length=200, blank=True)
    organisation = models.CharField(_("单位"), max_length=128, blank=True)
    city = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="expert")

    objects = RestrictedManager()

    class Meta:
        db_table = "catalog_expert"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


@scoped(view=scope_rules.volunteers_of_institutions(), change=rules.by_institution("institution"))
class Volunteer(models.Model):
    """The volunteer pool (志愿者库): a resident who serves, with their service hours."""

    learner = models.OneToOneField(LearnerProfile, on_delete=models.CASCADE, related_name="volunteer")
    skills = models.CharField(_("技能"), max_length=200, blank=True)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="volunteers")

    objects = RestrictedManager()

    class Meta:
        db_table = "catalog_volunteer"

    def __str__(self) -> str:
        return str(self.learner)


@scoped(view=scope_rules.volunteers_of_institutions("volunteer__institution"),
        change=rules.by_institution("volunteer__institution"))
class VolunteerService(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="services")
    date = models.DateField(_("日期"))
    hours = models.DecimalField(_("时长"), max_digits=6, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5"))])
    activity = models.CharField(_("服务内容"), max_length=200)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()

    class Meta:
        db_table = "catalog_volunteerservice"
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="volunteer_service_hours_positive")]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.date} {self.hours}h"
