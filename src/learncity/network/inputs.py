"""The learning network's input schemas (core.inputs): one per command, shared by the page form and the service."""

from typing import Any

from django.utils.translation import gettext
from pydantic import model_validator

from learncity.core.errors import DomainError
from learncity.core.inputs import Input
from learncity.network.models import DesignationKind, DesignationTier

DESIGNATION_YEARS = (1990, 2100)


class DesignationInput(Input):
    """A demonstration or experimental zone's title: its kind, tier and year (every wrong field named at once)."""

    kind: str
    tier: str
    year: Any  # an integer, or its digits; anything else is named with the year's own message

    @model_validator(mode="after")
    def _check(self) -> "DesignationInput":
        errors = {}
        if self.kind not in DesignationKind.values:
            errors["kind"] = gettext("未知的类别「%(kind)s」") % {"kind": self.kind}
        if self.tier not in DesignationTier.values:
            errors["tier"] = gettext("未知的级别「%(tier)s」") % {"tier": self.tier}
        year = int(self.year) if isinstance(self.year, str) and self.year.strip().isdigit() else self.year
        if isinstance(year, bool) or not isinstance(year, int):
            errors["year"] = gettext("年份必须是整数") if isinstance(year, str) else (
                gettext("年份「%(year)s」不正确") % {"year": year})
        elif not DESIGNATION_YEARS[0] <= year <= DESIGNATION_YEARS[1]:
            errors["year"] = gettext("年份「%(year)s」不正确") % {"year": year}
        if errors:
            raise DomainError(errors)
        object.__setattr__(self, "year", year)  # the schema is frozen; the year is kept as the integer it reads
        return self
