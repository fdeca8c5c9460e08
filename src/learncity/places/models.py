"""The administrative hierarchy, with the official civil-affairs codes, and its population."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped


class PlaceLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    DISTRICT = 3, _("区县级")
    STREET = 4, _("街道乡镇级")
    COMMUNITY = 5, _("社区村级")


class PlaceSource(models.TextChoices):
    MCA = "mca", _("民政部区划数据")
    IMPORT = "import", _("导入")
    MANUAL = "manual", _("手工录入")
    GENERATED = "generated", _("演示生成")


# Place names are public (the catalog filters by district); their data is the scope's.
@scoped(browse=rules.public(), view=rules.by_place(""), change=rules.by_place(""))
class Place(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=PlaceLevel.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialized path of codes, "/350000/350100/350102/": a subtree is a prefix, on SQLite and PostgreSQL alike.
    path = models.CharField(max_length=96, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=PlaceSource.choices, default=PlaceSource.MCA)

    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def is_generated(self) -> bool:
        return self.source == PlaceSource.GENERATED


SEX_CHOICES = [("M", _("男")), ("F", _("女"))]

# Age bands of the population tables: each band is [lower, next lower). The boundaries include 18 and 60,
# the ages the participation indicators start from (adults; the elderly).
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-14", 0, 15),
    ("15-17", 15, 18),
    ("18-24", 18, 25),
    ("25-34", 25, 35),
    ("35-44", 35, 45),
    ("45-59", 45, 60),
    ("60-69", 60, 70),
    ("70-79", 70, 80),
    ("80+", 80, None),
]
AGE_BAND_CODES = [b[0] for b in AGE_BANDS]


def age_band_of(age: int) -> str:
    for code, low, high in AGE_BANDS:
        if age >= low and (high is None or age < high):
            return code
    raise ValueError(f"bad age {age}")


# Population figures are public statistics (the public figures' denominators); the place's scope reads and sets them.
@scoped(browse=rules.public(), view=rules.by_place("place"), change=rules.by_place("place"))
class Population(models.Model):
    """A place's resident population in a year: the total, and optionally by sex and age band."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(_("年份"))
    total = models.PositiveIntegerField(_("常住人口"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["place", "year"], name="population_one_per_place_year")]

    def __str__(self) -> str:
        return f"{self.place} {self.year}: {self.total}"


@scoped(browse=rules.public(), view=rules.by_place("population__place"), change=rules.by_place("population__place"))
class PopulationBand(models.Model):
    population = models.ForeignKey(Population, on_delete=models.CASCADE, related_name="bands")
    sex = models.CharField(max_length=1, choices=SEX_CHOICES)
    age_band = models.CharField(max_length=8, choices=[(c, c) for c in AGE_BAND_CODES])
    count = models.PositiveIntegerField()

    objects = RestrictedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["population", "sex", "age_band"], name="population_band_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.population} {self.sex} {self.age_band}: {self.count}"
