"""The learning network: its configured levels, institutions, designations, committees and member units."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.places.models import Place


class Tier(models.IntegerChoices):
    """Where in the places a network level sits, counted down from the city itself."""

    CITY = 0, _("市")
    DISTRICT = 1, _("区县")
    STREET = 2, _("街道乡镇")
    COMMUNITY = 3, _("社区村")


# A city's network levels are configuration every back-office user reads (the network browser, the institution
# form); the city's administrators change them. Their names are public (an institution's level).
@scoped(browse=rules.public(), view=rules.staff(), change=rules.by_place("city"))
class NetworkLevel(models.Model):
    """One level of a city's learning network. Configured per city: Chongqing has four, Dazhou three."""

    city = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="network_levels")
    rank = models.PositiveSmallIntegerField(_("层级序号"))  # 1 is the top
    name = models.CharField(_("名称"), max_length=64)
    tier = models.PositiveSmallIntegerField(_("所在区划层级"), choices=Tier.choices)

    objects = RestrictedManager()

    class Meta:
        ordering = ["city", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["city", "rank"], name="network_level_rank_unique"),
            models.UniqueConstraint(fields=["city", "tier"], name="network_level_tier_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class InstitutionKind(models.TextChoices):
    COMMUNITY_UNIVERSITY = "community_university", _("社区大学")
    GUIDANCE_CENTRE = "guidance_centre", _("社区教育指导中心")
    COMMUNITY_COLLEGE = "community_college", _("社区学院")
    COMMUNITY_SCHOOL = "community_school", _("社区学校")
    LEARNING_ROOM = "learning_room", _("社区/村学习室")
    CONTINUING_EDUCATION_CENTRE = "continuing_education_centre", _("继续教育中心")
    OPEN_UNIVERSITY = "open_university", _("开放大学")
    OPEN_UNIVERSITY_BRANCH = "open_university_branch", _("开放大学分校/学习中心")
    UNIVERSITY = "university", _("高等学校")
    VOCATIONAL_SCHOOL = "vocational_school", _("职业学校")
    VOCATIONAL_CENTRE = "vocational_centre", _("县级职业教育中心")
    ENTERPRISE_TRAINING = "enterprise_training", _("企业培训中心")
    ELDERLY_UNIVERSITY = "elderly_university", _("老年大学")
    LIBRARY = "library", _("图书馆")
    MUSEUM = "museum", _("博物馆")
    CULTURAL_CENTRE = "cultural_centre", _("文化馆")
    CULTURAL_STATION = "cultural_station", _("文化站")
    SCIENCE_MUSEUM = "science_museum", _("科技馆")
    YOUTH_PALACE = "youth_palace", _("青少年宫")
    WORKERS_PALACE = "workers_palace", _("工人文化宫")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    FOLK_LEARNING_COMMUNITY = "folk_learning_community", _("民间学习共同体")
    OTHER = "other", _("其他")


# Institutions are public by name (providers of the catalog); managing one is the scope's.
@scoped(browse=rules.public(), view=rules.by_institution(""), change=rules.by_institution(""))
class Institution(models.Model):
    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=32, choices=InstitutionKind.choices, db_index=True)
    network_level = models.ForeignKey(
        NetworkLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="institutions",
        verbose_name=_("网络层级"),
    )
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("所在区划"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级机构")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("在办"), default=True)
    # The dates it opened and closed (both optional): monitoring's reference counts for a period honour them. An
    # institution no longer active without a closing date is taken as closed in every period.
    opened_on = models.DateField(_("开办日期"), null=True, blank=True)
    closed_on = models.DateField(_("停办日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(opened_on__isnull=True) | Q(closed_on__isnull=True)
                                              | Q(closed_on__gte=models.F("opened_on")),
                                              name="institution_closes_after_opening")]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name


class DesignationKind(models.TextChoices):
    DEMONSTRATION = "demonstration", _("社区教育示范区")
    EXPERIMENTAL = "experimental", _("社区教育实验区")


class DesignationTier(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")


# Demonstration and experimental zones are public titles; recording one is the place's administrators'.
@scoped(browse=rules.public(), view=rules.by_place("place"), change=rules.by_place("place"))
class Designation(models.Model):
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="designations")
    kind = models.CharField(_("类别"), max_length=16, choices=DesignationKind.choices)
    tier = models.CharField(_("级别"), max_length=16, choices=DesignationTier.choices)
    year = models.PositiveSmallIntegerField(_("年份"))
    # The day the title was withdrawn (摘牌) or lapsed, if it was: counted up to the day before.
    ended_on = models.DateField(_("撤销日期"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "place__code"]
        constraints = [models.UniqueConstraint(fields=["place", "kind", "tier"], name="designation_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_tier_display()}{self.get_kind_display()} {self.place}"


@scoped(view=rules.by_committee(""), change=rules.by_committee(""))
class Committee(models.Model):
    """The lifelong-education promotion committee of a place (city or district)."""

    place = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="committee")
    name = models.CharField(_("名称"), max_length=128)
    office = models.CharField(_("办公室设在"), max_length=128, blank=True)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return self.name


# Member units are public bodies by name (an administrator names one when granting its reporter role).
@scoped(browse=rules.public(), view=rules.by_member_unit(""), change=rules.by_member_unit(""))
class MemberUnit(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("名称"), max_length=128)
    responsibility = models.TextField(_("职责"), blank=True)
    is_lead = models.BooleanField(_("牵头单位"), default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["committee", "-is_lead", "id"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="member_unit_unique")]

    def __str__(self) -> str:
        return self.name


class LearningOrganisationKind(models.TextChoices):
    """The kinds of learning organisations the seeds ask cities to build (seven ministries 2014)."""

    AGENCY = "agency", _("学习型机关")
    ENTERPRISE = "enterprise", _("学习型企业")
    COMMUNITY = "community", _("学习型社区")
    FAMILY = "family", _("学习型家庭")
    SCHOOL = "school", _("学习型学校")
    ORGANISATION = "organisation", _("学习型社会组织")


@scoped(browse=rules.public(), view=rules.by_place("place"), change=rules.by_place("place"))
class LearningOrganisation(models.Model):
    """A learning organisation (学习型组织) recognised by a committee, at a place, in a year."""

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=LearningOrganisationKind.choices)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="learning_organisations")
    year = models.PositiveSmallIntegerField(_("命名年份"))
    member_unit = models.ForeignKey(MemberUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("推荐单位"))
    # The day the title was withdrawn, if it was: counted up to the day before.
    ended_on = models.DateField(_("撤销日期"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year", "place__code", "id"]
        constraints = [models.UniqueConstraint(fields=["place", "kind", "name"], name="learning_organisation_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.name}"
