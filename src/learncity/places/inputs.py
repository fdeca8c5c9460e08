"""Places' input schemas (core.inputs): one per command, shared by the API, the page form and the service."""

from typing import Any

from django.utils.translation import gettext
from pydantic import model_validator

from learncity.core.errors import DomainError
from learncity.core.inputs import Input
from learncity.places.models import AGE_BAND_CODES

MIN_YEAR, MAX_YEAR = 1950, 2100
MAX_PEOPLE = 2_000_000_000  # a population figure fits its column (2^31 - 1); a larger one was a 500


def year_of(year) -> int:
    """A population year: an integer (or its text) between MIN_YEAR and MAX_YEAR, or DomainError on "year"."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError({"year": gettext("年份「%(year)s」不是整数") % {"year": year}}) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError({"year": gettext("年份 %(year)s 不在 %(MIN_YEAR)s–%(MAX_YEAR)s 之间") % {
            "year": year, "MIN_YEAR": MIN_YEAR, "MAX_YEAR": MAX_YEAR}})
    return year


def _is_count(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= MAX_PEOPLE


class BandInput(Input):
    sex: str
    age_band: str
    count: Any


class PopulationInput(Input):
    """A place's population in a year: the total and, optionally, every sex and age band adding up to it. The
    first wrong part is named (year, then total, then bands)."""

    year: Any
    total: Any
    bands: list[BandInput] = []

    @model_validator(mode="after")
    def _check(self) -> "PopulationInput":
        object.__setattr__(self, "year", year_of(self.year))  # frozen: the year kept as the integer it reads
        if not _is_count(self.total):
            raise DomainError({"total": gettext("总人口「%(total)s」必须是非负整数") % {"total": self.total}})
        seen = set()
        for b in self.bands:
            if (b.sex, b.age_band) in seen:
                raise DomainError({"bands": gettext("%(sex)s %(age_band)s 重复") % {"sex": b.sex,
                                                                                   "age_band": b.age_band}})
            seen.add((b.sex, b.age_band))
            if b.sex not in ("M", "F") or b.age_band not in AGE_BAND_CODES:
                raise DomainError({"bands": gettext("未知的性别/年龄段「%(sex)s %(band)s」") % {"sex": b.sex,
                                                                                            "band": b.age_band}})
            if not isinstance(b.count, int) or not 0 <= b.count <= MAX_PEOPLE:
                raise DomainError({"bands": gettext("%(sex)s %(band)s 的人数必须是非负整数") % {"sex": b.sex,
                                                                                           "band": b.age_band}})
        if self.bands and sum(b.count for b in self.bands) != self.total:
            raise DomainError({"bands": gettext("分性别年龄段人数之和 %(sum)s 与总人口 %(total)s 不相等") % {
                "sum": sum(b.count for b in self.bands), "total": self.total}})
        return self

    @property
    def band_counts(self) -> dict[tuple[str, str], int]:
        return {(b.sex, b.age_band): b.count for b in self.bands}
