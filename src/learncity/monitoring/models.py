"""Indicators (kept as data, versioned), targets, and the rollups that make the dashboards cheap.

The rollup tables are derived data: `rollups.rollups_recompute()` rebuilds them from the raw records, and
`rollups.rollups_refresh()` keeps them up to date incrementally past a watermark per source stream.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import Action, Capability, RestrictedManager, rules, scoped
from learncity.core.scopes.rules import NOTHING, Rule
from learncity.people.models import User
from learncity.places.models import Place

# Who reads what (core/scopes): indicator definitions are reference data any signed-in user reads (the monitoring
# pages themselves ask for Capability.MONITOR) and the public dashboard shows the published ones; only those who
# define indicators change them. Targets are their place's. The rollup tables are derived data read in bulk for
# places already restricted (the selectors restrict the places, then read their cells), never row by row for a
# user: superuser only.
DEFINES_INDICATORS = Rule(
    lambda s, a: Q() if a == Action.CHANGE and s.may(Capability.DEFINE_INDICATORS) else NOTHING,
    "may(DEFINE_INDICATORS)")
INTERNAL = rules.superuser_only()


class UnescoArea(models.TextChoices):
    """UNESCO's Key Features of Learning Cities: 3 areas of benefits, 6 building blocks, 3 fundamental conditions."""

    BENEFIT_EMPOWERMENT = "benefit_empowerment", _("个人赋能与社会凝聚")
    BENEFIT_ECONOMY = "benefit_economy", _("经济发展与文化繁荣")
    BENEFIT_SUSTAINABILITY = "benefit_sustainability", _("可持续发展")
    BLOCK_EDUCATION = "block_education", _("教育体系中的全纳学习")
    BLOCK_COMMUNITY = "block_community", _("家庭与社区中的学习")
    BLOCK_WORKPLACE = "block_workplace", _("为了工作和在工作场所中的学习")
    BLOCK_TECHNOLOGY = "block_technology", _("现代学习技术的应用")
    BLOCK_QUALITY = "block_quality", _("学习质量")
    BLOCK_CULTURE = "block_culture", _("终身学习文化")
    CONDITION_WILL = "condition_will", _("强有力的政治意愿与承诺")
    CONDITION_GOVERNANCE = "condition_governance", _("全体利益相关方的治理与参与")
    CONDITION_RESOURCES = "condition_resources", _("资源的调动与利用")


AREA_GROUPS = {
    "benefits": _("学习型城市建设的广泛效益"),
    "building_blocks": _("学习型城市的主要构件"),
    "conditions": _("学习型城市建设的基本条件"),
}


def area_group_of(area: str) -> str:
    if area.startswith("benefit_"):
        return "benefits"
    if area.startswith("block_"):
        return "building_blocks"
    return "conditions"


@scoped(browse=rules.public(published=True), view=rules.signed_in(), change=DEFINES_INDICATORS)
class Indicator(models.Model):
    code = models.CharField(_("指标代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    unit = models.CharField(_("单位"), max_length=16)
    area = models.CharField(_("UNESCO 领域"), max_length=32, choices=UnescoArea.choices)
    explanation = models.TextField(_("说明"))
    published = models.BooleanField(_("在公众看板公开"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = RestrictedManager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("监测指标")
        verbose_name_plural = _("监测指标")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorVersionStatus(models.TextChoices):
    ACTIVE = "active", _("现行")
    SUPERSEDED = "superseded", _("已被新版本取代")


@scoped(browse=rules.public(indicator__published=True), view=rules.signed_in(), change=DEFINES_INDICATORS)
class IndicatorVersion(models.Model):
    """The indicator's formula (spec.py's JSON language). A change is a new version; the old one is kept."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    spec = models.JSONField()
    status = models.CharField(max_length=12, choices=IndicatorVersionStatus.choices,
                              default=IndicatorVersionStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["indicator", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "version"], name="indicator_version_once"),
            models.UniqueConstraint(fields=["indicator"], condition=Q(status="active"), name="indicator_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")
    CUSTOM = "custom", _("自定义区间")


class TargetSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("导入")
    SEED = "seed", _("政策文件（演示）")


@scoped(browse=rules.public(indicator__published=True), view=rules.by_place("place"),
        change=rules.by_place("place"))
class Target(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=2)
    source = models.CharField(max_length=8, choices=TargetSource.choices, default=TargetSource.MANUAL)
    set_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["indicator__order", "place__code", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "place", "period_start", "period_end"], name="target_once"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="target_period_order"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.place} {self.period_start}..{self.period_end}: {self.value}"


@scoped(view=rules.by_place("place"), change=INTERNAL)
class ReportedFigure(models.Model):
    """A figure of an indicator a unit reported for a place and period (a member unit's accepted annual statistics
    feeding EMP-CE): kept beside the figures the rollups count from records, never mixed into them. One row per
    source (the return it came from), replaced when that source is accepted again."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="reported")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    numerator = models.DecimalField(_("分子"), max_digits=18, decimal_places=2)
    denominator = models.DecimalField(_("分母"), max_digits=18, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=64)  # "governance.return:123"
    reporter = models.CharField(_("报送单位"), max_length=128)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["indicator_id", "place_id", "period_start", "reporter", "id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "source"], name="reported_figure_once"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="reported_figure_period_order"),
            models.CheckConstraint(condition=Q(numerator__gte=0), name="reported_figure_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.reporter} {self.period_start}..{self.period_end}: {self.numerator}"


# --- rollups (derived data) -------------------------------------------------------------------------------

@scoped(view=INTERNAL)
class Measure(models.Model):
    """A selection of events (records, outcomes, volunteer services) that indicators count. Indicators whose
    numerators select the same events share one measure; the read-time filters (age, sex, group) are not part
    of it because the rollup cells keep those dimensions."""

    key = models.TextField(unique=True)  # canonical JSON of the selection (any length a valid formula gives)
    selection = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return self.key


@scoped(view=INTERNAL)
class Watermark(models.Model):
    """The last source id a measure has processed, per event stream (records, outcomes, reversals, services)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="watermarks")
    stream = models.CharField(max_length=16)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "stream"], name="watermark_once")]

    def __str__(self) -> str:
        return f"{self.measure_id}/{self.stream}: {self.last_id}"


@scoped(view=INTERNAL)
class PlaceAncestor(models.Model):
    """Closure of the place tree (each place with itself and every ancestor), so a rollup adds to all levels at
    once with one join."""

    place_id = models.IntegerField()
    ancestor_id = models.IntegerField()
    level = models.PositiveSmallIntegerField()  # the ancestor's level
    depth = models.PositiveSmallIntegerField()  # 0: the place itself, 1: its parent, ...

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place_id", "ancestor_id"], name="place_ancestor_once")]
        indexes = [models.Index(fields=["ancestor_id"]), models.Index(fields=["depth", "place_id"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} ⊇ {self.place_id}"


def _month_fields():
    return {f"c{m}": models.IntegerField(default=0) for m in range(1, 13)}


@scoped(view=INTERNAL)
class PersonYear(models.Model):
    """One learner's events of a measure in a year: a count per month and the mask of months with any.
    The place, sex and age band (at 1 January) are those the cells were counted under."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    learner_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    place_id = models.IntegerField()
    sex = models.CharField(max_length=1)
    age_band = models.CharField(max_length=8)
    gmask = models.BigIntegerField(default=0)  # the learner's groups (GroupBit values added up) when counted
    mask = models.IntegerField(default=0)
    locals().update(_month_fields())

    objects = RestrictedManager()

    class Meta:
        # read by (measure, learner, year) only: the unique index serves every statement that joins a batch
        constraints = [models.UniqueConstraint(fields=["measure", "learner_id", "year"], name="person_year_once")]

    def __str__(self) -> str:
        return f"{self.measure_id}/{self.learner_id}/{self.year}: {self.mask:012b}"


@scoped(view=INTERNAL)
class PersonCell(models.Model):
    """How many persons of a measure, in a year, living under a place (at every level), of a sex, age band and
    set of groups (`gmask`), were active in exactly the months of `mask`.
    Persons in period P = SUM(persons) WHERE mask & P ≠ 0 (and, of groups G, gmask & G ≠ 0)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    place_id = models.IntegerField()
    sex = models.CharField(max_length=1)
    age_band = models.CharField(max_length=8)
    gmask = models.BigIntegerField(default=0)
    mask = models.IntegerField()
    persons = models.IntegerField(default=0)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["measure", "year", "place_id", "sex", "age_band", "gmask", "mask"], name="person_cell_once")]

    def __str__(self) -> str:
        return f"{self.measure_id}/{self.year}/{self.place_id}/{self.mask:012b}: {self.persons}"


@scoped(view=INTERNAL)
class TimeCell(models.Model):
    """Additive counts of a measure per month, place (every level), sex, age band, record kind and provider kind."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    place_id = models.IntegerField()
    sex = models.CharField(max_length=1)
    age_band = models.CharField(max_length=8)
    record_kind = models.CharField(max_length=16)
    provider_kind = models.CharField(max_length=32)
    person_times = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=18, decimal_places=1, default=0)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["measure", "year", "month", "place_id", "sex", "age_band", "record_kind", "provider_kind"],
            name="time_cell_once")]

    def __str__(self) -> str:
        return f"{self.measure_id}/{self.year}-{self.month}/{self.place_id}: {self.person_times}"


@scoped(view=INTERNAL)
class GroupBit(models.Model):
    """The bit a learner group takes in the rollups' group masks (`gmask`): assigned once, in group order, for up
    to 63 groups. A group without one (a 64th) is counted by the slower path over PersonYear and the profiles."""

    group_id = models.BigIntegerField(unique=True)
    value = models.BigIntegerField(unique=True)  # 1 << bit

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.group_id}: {self.value:b}"


@scoped(view=INTERNAL)
class ResidentState(models.Model):
    """A registered learner as the resident cells count them: place, sex, the year from which their age at
    1 January is counted (`age_base`: the age at 1 January of year Y is Y − age_base), groups, and the month they
    registered (`since`, YYYYMM: a period ending before it does not count them)."""

    learner_id = models.BigIntegerField(primary_key=True)
    place_id = models.IntegerField()
    sex = models.CharField(max_length=1)
    age_base = models.PositiveSmallIntegerField()
    gmask = models.BigIntegerField(default=0)
    since = models.IntegerField(default=0)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.place_id}"


@scoped(view=INTERNAL)
class ResidentCell(models.Model):
    """Registered learners living under a place (at every level), by sex, age base and group mask: the
    denominators of the `residents` source (employees, for example) without counting a million profiles. By the
    month they registered (`since`, YYYYMM), so a period counts those registered by its end and no one later."""

    place_id = models.IntegerField()
    sex = models.CharField(max_length=1)
    age_base = models.PositiveSmallIntegerField()
    gmask = models.BigIntegerField(default=0)
    since = models.IntegerField(default=0)
    residents = models.IntegerField(default=0)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place_id", "sex", "age_base", "gmask", "since"],
                                               name="resident_cell_once_since")]

    def __str__(self) -> str:
        return f"{self.place_id}/{self.sex}/{self.age_base}/{self.gmask:b}: {self.residents}"


@scoped(view=INTERNAL)
class ResidentMark(models.Model):
    """The resident cells' watermark (one row): the last profile id counted and the latest `updated_at` seen."""

    last_id = models.BigIntegerField(default=0)
    last_changed = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.last_id} / {self.last_changed}"


@scoped(view=INTERNAL)
class RefreshMark(models.Model):
    """When the rollups were last brought up to date (one row): what the pages print as "数据更新于 …"."""

    refreshed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.refreshed_at}"
