"""The indicator formula language: a small JSON document, validated against a registry of sources and fields.

    {"numerator": {"source": "records", "count": "persons",
                   "filters": {"course_kind": ["community"], "recognised": true, "age_min": 18}},
     "denominator": {"source": "population", "age_min": 18}}

Numerator sources:
- `records` (learning records), `outcomes` (credit-bank recognitions, reversals taken off), `volunteering`
  (volunteer service): counted as `persons` (distinct), `person_times` or `hours`, from the rollups;
- reference tables, counted as a plain `count` of what exists now: `places_with_institution`, `designations`,
  `learning_organisations`, `venues`.

Denominator: none (a plain count), `population` (resident population by age band and sex), `residents`
(registered learner profiles, optionally of groups), or `places` (places of a level).

Any unknown key is refused with its path (`numerator.filters.colour`), and so is any unknown value.
"""

import json
from dataclasses import dataclass

from django.utils.translation import gettext

from learncity.catalog.models import CourseKind, RecordKind
from learncity.catalog.models import Venue as _Venue
from learncity.core.errors import DomainError
from learncity.creditbank.models import CreditClass, RecognitionMethod
from learncity.network.models import (
    DesignationKind,
    DesignationTier,
    InstitutionKind,
    LearningOrganisationKind,
)
from learncity.places.models import AGE_BANDS, PlaceLevel

AGE_BOUNDS = sorted({low for _, low, _ in AGE_BANDS} | {high for _, _, high in AGE_BANDS if high is not None})
ROLLUP_SOURCES = ("records", "outcomes", "volunteering")
REFERENCE_SOURCES = ("places_with_institution", "designations", "learning_organisations", "venues")
LEVELS = {"district": PlaceLevel.DISTRICT, "street": PlaceLevel.STREET, "community": PlaceLevel.COMMUNITY}


def _group_codes() -> list[str]:
    from learncity.people.models import LearnerGroup

    return list(LearnerGroup.objects.values_list("code", flat=True))


# field -> (kind, allowed values or a callable giving them)
_PERSON_FILTERS = {
    "age_min": ("age", None),
    "age_max": ("age", None),
    "sex": ("choice", ["M", "F"]),
    "group": ("list", _group_codes),
}
NUMERATOR_SOURCES: dict[str, dict] = {
    "records": {
        "counts": ("persons", "person_times", "hours"),
        "filters": {
            "kind": ("list", RecordKind.values),
            "course_kind": ("list", CourseKind.values),
            "provider_kind": ("list", InstitutionKind.values),
            "recognised": ("bool", None),
            "credit_class": ("list", CreditClass.values),
            **_PERSON_FILTERS,
        },
    },
    "outcomes": {
        "counts": ("persons", "person_times", "hours"),
        "filters": {
            "credit_class": ("list", CreditClass.values),
            "method": ("list", RecognitionMethod.values),
            "provider_kind": ("list", InstitutionKind.values),
            **_PERSON_FILTERS,
        },
    },
    "volunteering": {
        "counts": ("persons", "person_times", "hours"),
        "filters": {"provider_kind": ("list", InstitutionKind.values), **_PERSON_FILTERS},
    },
    "places_with_institution": {
        "counts": ("count",),
        "filters": {"level": ("choice", list(LEVELS)), "institution_kind": ("list", InstitutionKind.values)},
        "required": ("level", "institution_kind"),
    },
    "designations": {
        "counts": ("count",),
        "filters": {"kind": ("list", DesignationKind.values), "tier": ("list", DesignationTier.values)},
    },
    "learning_organisations": {
        "counts": ("count",),
        "filters": {"kind": ("list", LearningOrganisationKind.values)},
    },
    "venues": {
        "counts": ("count",),
        "filters": {"kind": ("list", _Venue.Kind.values), "free_open": ("bool", None)},
    },
}
DENOMINATOR_SOURCES: dict[str, dict] = {
    "population": {"age_min": ("age", None), "age_max": ("age", None), "sex": ("choice", ["M", "F"])},
    "residents": {"age_min": ("age", None), "age_max": ("age", None), "sex": ("choice", ["M", "F"]),
                  "group": ("list", _group_codes)},
    "places": {"level": ("choice", list(LEVELS))},
}
# Filters applied when reading the rollups (cells keep these dimensions), not part of a measure's selection.
READ_TIME_FILTERS = ("age_min", "age_max", "sex", "group")


@dataclass(frozen=True)
class Spec:
    """A validated formula."""

    source: str
    count: str
    filters: dict
    denominator: dict | None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    @property
    def uses_rollups(self) -> bool:
        return self.source in ROLLUP_SOURCES

    def selection(self) -> dict:
        """What the measure selects: the source and the filters that choose events (sorted, canonical)."""
        chosen = {k: (sorted(v) if isinstance(v, list) else v) for k, v in self.filters.items()
                  if k not in READ_TIME_FILTERS}
        if self.source == "records" and "credit_class" in chosen:
            chosen["recognised"] = True
        if chosen.get("recognised") is False:
            del chosen["recognised"]
        return {"source": self.source, **dict(sorted(chosen.items()))}

    def selection_key(self) -> str:
        return json.dumps(self.selection(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _check_value(path: str, kind: str, allowed, value, errors: dict) -> None:
    if kind == "list":
        values = allowed() if callable(allowed) else allowed
        if not isinstance(value, list) or not value:
            errors[path] = gettext("须为非空列表，可选值：%(join)s") % {"join": ', '.join(values)}
            return
        for i, v in enumerate(value):
            if v not in values:
                errors[f"{path}[{i}]"] = gettext("未知的值「%(v)s」，可选值：%(join)s") % {"v": v, "join": ', '.join(values)}
    elif kind == "choice":
        if value not in allowed:
            errors[path] = gettext("未知的值「%(value)s」，可选值：%(join)s") % {"value": value, "join": ', '.join(allowed)}
    elif kind == "bool":
        if not isinstance(value, bool):
            errors[path] = gettext("须为 true 或 false")
    elif kind == "age" and (isinstance(value, bool) or not isinstance(value, int) or value not in AGE_BOUNDS):
        errors[path] = gettext("年龄须为人口年龄段的分界之一：%(join)s") % {"join": ', '.join(map(str, AGE_BOUNDS))}


def _check_ages(path: str, d: dict, errors: dict) -> None:
    lo, hi = d.get("age_min"), d.get("age_max")
    if isinstance(lo, int) and isinstance(hi, int) and f"{path}.age_max" not in errors and hi <= lo:
        errors[f"{path}.age_max"] = gettext("age_max（%(hi)s）须大于 age_min（%(lo)s）") % {"hi": hi, "lo": lo}


def spec_validate(document) -> Spec:
    """Check a formula; DomainError maps each wrong path (numerator.filters.colour) to what is wrong."""
    errors: dict[str, str] = {}
    if not isinstance(document, dict):
        raise DomainError({"spec": gettext("公式须为 JSON 对象")})
    for key in document:
        if key not in ("numerator", "denominator"):
            errors[key] = gettext("未知的字段（可用：numerator, denominator）")
    num = document.get("numerator")
    source = count = None
    filters: dict = {}
    if not isinstance(num, dict):
        errors["numerator"] = gettext("缺少分子（numerator）")
    else:
        for key in num:
            if key not in ("source", "count", "filters"):
                errors[f"numerator.{key}"] = gettext("未知的字段（可用：source, count, filters）")
        source = num.get("source")
        if source not in NUMERATOR_SOURCES:
            errors["numerator.source"] = gettext("未知的数据来源「%(source)s」，可选：%(join)s") % {"source": source, "join": ', '.join(NUMERATOR_SOURCES)}
            source = None
        else:
            reg = NUMERATOR_SOURCES[source]
            count = num.get("count", reg["counts"][0])
            if count not in reg["counts"]:
                errors["numerator.count"] = gettext("「%(source)s」可计：%(join)s，不能计「%(count)s」") % {"source": source, "join": ', '.join(reg['counts']), "count": count}
            filters = num.get("filters", {})
            if not isinstance(filters, dict):
                errors["numerator.filters"] = gettext("须为 JSON 对象")
                filters = {}
            for key, value in filters.items():
                if key not in reg["filters"]:
                    errors[f"numerator.filters.{key}"] = (
                        gettext("「%(source)s」没有这个字段，可用：%(join)s") % {"source": source, "join": ', '.join(reg['filters'])})
                    continue
                kind, allowed = reg["filters"][key]
                _check_value(f"numerator.filters.{key}", kind, allowed, value, errors)
            for key in reg.get("required", ()):
                if key not in filters:
                    errors[f"numerator.filters.{key}"] = gettext("必填")
            _check_ages("numerator.filters", filters, errors)
            if "group" in filters and count != "persons":
                errors["numerator.filters.group"] = gettext("按群体筛选只适用于计人数（count: persons）")
            if source == "records" and filters.get("recognised") is False and "credit_class" in filters:
                errors["numerator.filters.credit_class"] = gettext("按学分类别筛选即只计已认定的记录，不能与 recognised: false 同用")
    den = document.get("denominator")
    if den is not None:
        if not isinstance(den, dict):
            errors["denominator"] = gettext("须为 JSON 对象或 null")
            den = None
        else:
            dsource = den.get("source")
            if dsource not in DENOMINATOR_SOURCES:
                errors["denominator.source"] = gettext("未知的分母来源「%(dsource)s」，可选：%(join)s") % {"dsource": dsource, "join": ', '.join(DENOMINATOR_SOURCES)}
            else:
                for key, value in den.items():
                    if key == "source":
                        continue
                    if key not in DENOMINATOR_SOURCES[dsource]:
                        errors[f"denominator.{key}"] = (
                            gettext("「%(dsource)s」没有这个字段，可用：%(join)s") % {"dsource": dsource, "join": ', '.join(DENOMINATOR_SOURCES[dsource])})
                        continue
                    kind, allowed = DENOMINATOR_SOURCES[dsource][key]
                    _check_value(f"denominator.{key}", kind, allowed, value, errors)
                if dsource == "places" and "level" not in den:
                    errors["denominator.level"] = gettext("必填")
                _check_ages("denominator", den, errors)
            if count == "hours":
                errors["denominator"] = gettext("学时总量不能作比率的分子")
    if errors:
        raise DomainError(errors, code="bad_spec")
    return Spec(source=source, count=count, filters=dict(filters), denominator=den)


def bands_between(age_min: int | None, age_max: int | None) -> list[str]:
    """The age bands wholly inside [age_min, age_max)."""
    out = []
    for code, low, high in AGE_BANDS:
        if age_min is not None and low < age_min:
            continue
        if age_max is not None and (high is None or high > age_max):
            continue
        out.append(code)
    return out


def spec_load(document: dict) -> Spec:
    """A formula as stored in an indicator version (validated by `spec_validate` when it was saved): read without
    asking the database again, so a page of indicators costs no query per formula."""
    num = document["numerator"]
    source = num["source"]
    return Spec(source=source, count=num.get("count", NUMERATOR_SOURCES[source]["counts"][0]),
                filters=dict(num.get("filters", {})), denominator=document.get("denominator"))
