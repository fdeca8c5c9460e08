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

Any unknown key is refused with its path (`numerator.filters.colour`), and so is any unknown value: the input
schema `inputs.SpecInput` checks a formula against the registries below (`inputs.spec_validate`).
"""

import json
from dataclasses import dataclass

from learncity.catalog.models import Venue as _Venue
from learncity.core.scopes import Action
from learncity.creditbank.models import CreditClass, RecognitionMethod
from learncity.network.models import (
    DesignationKind,
    DesignationTier,
    InstitutionKind,
    LearningOrganisationKind,
)
from learncity.people.models import LearnerGroup
from learncity.places.models import AGE_BANDS, PlaceLevel
from learncity.records.models import CourseKind, RecordKind

AGE_BOUNDS = sorted({low for _, low, _ in AGE_BANDS} | {high for _, _, high in AGE_BANDS if high is not None})
ROLLUP_SOURCES = ("records", "outcomes", "volunteering")
REFERENCE_SOURCES = ("places_with_institution", "designations", "learning_organisations", "venues")
LEVELS = {"district": PlaceLevel.DISTRICT, "street": PlaceLevel.STREET, "community": PlaceLevel.COMMUNITY}


def _group_codes() -> list[str]:
    return list(LearnerGroup.objects.restrict(None, Action.BROWSE).values_list("code", flat=True))  # public


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
    """A formula as stored in an indicator version (validated by `inputs.spec_validate` when it was saved): read without
    asking the database again, so a page of indicators costs no query per formula."""
    num = document["numerator"]
    source = num["source"]
    return Spec(source=source, count=num.get("count", NUMERATOR_SOURCES[source]["counts"][0]),
                filters=dict(num.get("filters", {})), denominator=document.get("denominator"))
