"""Monitoring's input schemas (core.inputs): an indicator's formula.

`SpecInput` is the formula language of spec.py as an input schema: the numerator and the denominator, every key
and value checked against the registries of sources and fields (`NUMERATOR_SOURCES`, `DENOMINATOR_SOURCES`).
Its errors name the path of what is wrong, as deep as a list item (`numerator.filters.course_kind[0]`), and are
raised as one DomainError (code "bad_spec") with every path at once; `spec_validate(document)` gives the
checked `Spec`.
"""

from typing import Any

from django.utils.translation import gettext
from pydantic import ConfigDict, PrivateAttr, model_validator

from learncity.core.errors import DomainError
from learncity.core.inputs import Input, parse
from learncity.monitoring.spec import AGE_BOUNDS, DENOMINATOR_SOURCES, NUMERATOR_SOURCES, Spec

SPEC_KEYS = ("numerator", "denominator")
NUMERATOR_KEYS = ("source", "count", "filters")


class SpecInput(Input):
    """An indicator's formula: {"numerator": {source, count, filters}, "denominator": {source, …} | null}."""

    # unknown keys are kept to be refused with the formula's own message (not pydantic's)
    model_config = ConfigDict(extra="allow", frozen=True)

    numerator: Any = None
    denominator: Any = None
    _spec: Spec | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> "SpecInput":
        """Every path that is wrong, at once: a DomainError (pydantic lets it through as it is)."""
        errors: dict[str, str] = {}
        for key in self.model_extra or {}:
            errors[key] = gettext("未知的字段（可用：numerator, denominator）")
        source, count, filters = _numerator(self.numerator, errors)
        _denominator(self.denominator, count, errors)
        if errors:
            raise DomainError(errors, code="bad_spec")
        self._spec = Spec(source=source, count=count, filters=dict(filters), denominator=self.denominator)
        return self

    @property
    def spec(self) -> Spec:
        return self._spec


def spec_validate(document) -> Spec:
    """Check a formula; DomainError maps each wrong path (numerator.filters.colour) to what is wrong."""
    if not isinstance(document, dict):
        raise DomainError({"spec": gettext("公式须为 JSON 对象")})
    return parse(SpecInput, document).spec


# --- the checks, part by part ---------------------------------------------------------------------------------


def _numerator(num, errors: dict) -> tuple[str | None, str | None, dict]:
    """(source, count, filters) of the numerator, its errors added to `errors`."""
    if not isinstance(num, dict):
        errors["numerator"] = gettext("缺少分子（numerator）")
        return None, None, {}
    for key in num:
        if key not in NUMERATOR_KEYS:
            errors[f"numerator.{key}"] = gettext("未知的字段（可用：source, count, filters）")
    source = num.get("source")
    if source not in NUMERATOR_SOURCES:
        errors["numerator.source"] = gettext("未知的数据来源「%(source)s」，可选：%(join)s") % {
            "source": source, "join": ", ".join(NUMERATOR_SOURCES)}
        return None, None, {}
    reg = NUMERATOR_SOURCES[source]
    count = num.get("count", reg["counts"][0])
    if count not in reg["counts"]:
        errors["numerator.count"] = gettext("「%(source)s」可计：%(join)s，不能计「%(count)s」") % {
            "source": source, "join": ", ".join(reg["counts"]), "count": count}
    filters = num.get("filters", {})
    if not isinstance(filters, dict):
        errors["numerator.filters"] = gettext("须为 JSON 对象")
        filters = {}
    _filters(source, reg, filters, errors)
    if "group" in filters and count != "persons":
        errors["numerator.filters.group"] = gettext("按群体筛选只适用于计人数（count: persons）")
    if source == "records" and filters.get("recognised") is False and "credit_class" in filters:
        errors["numerator.filters.credit_class"] = gettext(
            "按学分类别筛选即只计已认定的记录，不能与 recognised: false 同用")
    return source, count, filters


def _filters(source: str, reg: dict, filters: dict, errors: dict) -> None:
    for key, value in filters.items():
        if key not in reg["filters"]:
            errors[f"numerator.filters.{key}"] = gettext("「%(source)s」没有这个字段，可用：%(join)s") % {
                "source": source, "join": ", ".join(reg["filters"])}
            continue
        kind, allowed = reg["filters"][key]
        _value(f"numerator.filters.{key}", kind, allowed, value, errors)
    for key in reg.get("required", ()):
        if key not in filters:
            errors[f"numerator.filters.{key}"] = gettext("必填")
    _ages("numerator.filters", filters, errors)


def _denominator(den, count: str | None, errors: dict) -> None:
    if den is None:
        return
    if not isinstance(den, dict):
        errors["denominator"] = gettext("须为 JSON 对象或 null")
        return
    dsource = den.get("source")
    if dsource not in DENOMINATOR_SOURCES:
        errors["denominator.source"] = gettext("未知的分母来源「%(dsource)s」，可选：%(join)s") % {
            "dsource": dsource, "join": ", ".join(DENOMINATOR_SOURCES)}
    else:
        fields = DENOMINATOR_SOURCES[dsource]
        for key, value in den.items():
            if key == "source":
                continue
            if key not in fields:
                errors[f"denominator.{key}"] = gettext("「%(dsource)s」没有这个字段，可用：%(join)s") % {
                    "dsource": dsource, "join": ", ".join(fields)}
                continue
            kind, allowed = fields[key]
            _value(f"denominator.{key}", kind, allowed, value, errors)
        if dsource == "places" and "level" not in den:
            errors["denominator.level"] = gettext("必填")
        _ages("denominator", den, errors)
    if count == "hours":
        errors["denominator"] = gettext("学时总量不能作比率的分子")


def _value(path: str, kind: str, allowed, value, errors: dict) -> None:
    if kind == "list":
        _list(path, allowed() if callable(allowed) else allowed, value, errors)
    elif kind == "choice":
        if value not in allowed:
            errors[path] = gettext("未知的值「%(value)s」，可选值：%(join)s") % {
                "value": value, "join": ", ".join(allowed)}
    elif kind == "bool":
        if not isinstance(value, bool):
            errors[path] = gettext("须为 true 或 false")
    elif kind == "age" and (isinstance(value, bool) or not isinstance(value, int) or value not in AGE_BOUNDS):
        errors[path] = gettext("年龄须为人口年龄段的分界之一：%(join)s") % {"join": ", ".join(map(str, AGE_BOUNDS))}


def _list(path: str, values, value, errors: dict) -> None:
    if not isinstance(value, list) or not value:
        errors[path] = gettext("须为非空列表，可选值：%(join)s") % {"join": ", ".join(values)}
        return
    for i, v in enumerate(value):
        if v not in values:
            errors[f"{path}[{i}]"] = gettext("未知的值「%(v)s」，可选值：%(join)s") % {"v": v, "join": ", ".join(values)}


def _ages(path: str, d: dict, errors: dict) -> None:
    lo, hi = d.get("age_min"), d.get("age_max")
    if isinstance(lo, int) and isinstance(hi, int) and f"{path}.age_max" not in errors and hi <= lo:
        errors[f"{path}.age_max"] = gettext("age_max（%(hi)s）须大于 age_min（%(lo)s）") % {"hi": hi, "lo": lo}
