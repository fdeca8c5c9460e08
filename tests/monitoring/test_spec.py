"""The indicator formula language: every seed is valid; every unknown field or value is refused with its path."""

import pytest

from learncity.core.errors import DomainError, PermissionDenied
from learncity.monitoring import services
from learncity.monitoring.inputs import spec_validate
from learncity.monitoring.models import Indicator, IndicatorVersion
from learncity.monitoring.seeds import INDICATORS
from learncity.monitoring.spec import bands_between

from .factories import officials_make

RATE = {"numerator": {"source": "records", "count": "persons", "filters": {"course_kind": ["community"]}},
        "denominator": {"source": "population", "age_min": 18}}


@pytest.fixture
def officials(db):
    """达州市's own administrators and auditor (see factories.officials_make)."""
    return officials_make()


def errors_of(document) -> dict:
    with pytest.raises(DomainError) as exc:
        spec_validate(document)
    return exc.value.errors


@pytest.mark.django_db
def test_every_seeded_indicator_is_a_valid_formula():
    for code, _name, unit, _area, _published, spec, _explanation in INDICATORS:
        checked = spec_validate(spec)
        assert checked.is_rate == (unit == "%"), code


@pytest.mark.django_db
@pytest.mark.parametrize(("document", "path"), [
    ({**RATE, "numerator": {**RATE["numerator"], "filters": {"colour": ["red"]}}}, "numerator.filters.colour"),
    ({**RATE, "numerator": {**RATE["numerator"], "filters": {"course_kind": ["knitting"]}}},
     "numerator.filters.course_kind[0]"),
    ({**RATE, "numerator": {**RATE["numerator"], "source": "tweets"}}, "numerator.source"),
    ({**RATE, "numerator": {**RATE["numerator"], "count": "smiles"}}, "numerator.count"),
    ({**RATE, "numerator": {**RATE["numerator"], "weight": 2}}, "numerator.weight"),
    ({**RATE, "denominator": {"source": "population", "age_min": 21}}, "denominator.age_min"),
    ({**RATE, "denominator": {"source": "population", "height": 2}}, "denominator.height"),
    ({**RATE, "denominator": {"source": "households"}}, "denominator.source"),
    ({**RATE, "denominator": {"source": "places"}}, "denominator.level"),
    ({**RATE, "denominator": {"source": "population", "age_min": 60, "age_max": 18}}, "denominator.age_max"),
    ({**RATE, "extra": 1}, "extra"),
    ({"denominator": None}, "numerator"),
    ({"numerator": {"source": "records", "count": "person_times", "filters": {"group": ["employee"]}}},
     "numerator.filters.group"),
    ({"numerator": {"source": "records", "count": "persons", "filters": {"group": ["astronauts"]}}},
     "numerator.filters.group[0]"),
    ({"numerator": {"source": "records", "filters": {"recognised": "yes"}}}, "numerator.filters.recognised"),
    ({"numerator": {"source": "records", "filters": {"recognised": False, "credit_class": ["academic"]}}},
     "numerator.filters.credit_class"),
    ({"numerator": {"source": "places_with_institution", "filters": {"level": "street"}}},
     "numerator.filters.institution_kind"),
    ({"numerator": {"source": "volunteering", "count": "hours"}, "denominator": {"source": "residents"}},
     "denominator"),
    ({"numerator": {"source": "records", "filters": {"sex": "X"}}}, "numerator.filters.sex"),
    ({"numerator": {"source": "records", "filters": {"kind": "completion"}}}, "numerator.filters.kind"),
])
def test_a_wrong_formula_names_the_path_of_what_is_wrong(document, path):
    assert path in errors_of(document)


@pytest.mark.django_db
def test_the_selection_ignores_read_time_filters_and_order():
    a = spec_validate({"numerator": {"source": "records", "count": "persons",
                                     "filters": {"course_kind": ["law", "community"], "age_min": 18, "sex": "F"}}})
    b = spec_validate({"numerator": {"source": "records", "count": "person_times",
                                     "filters": {"course_kind": ["community", "law"]}}})
    c = spec_validate({"numerator": {"source": "records", "filters": {"course_kind": ["community", "law"],
                                                                      "credit_class": ["training"]}}})
    assert a.selection_key() == b.selection_key()
    assert c.selection()["recognised"] is True and c.selection_key() != a.selection_key()


def test_age_bands_between_bounds():
    assert bands_between(18, None) == ["18-24", "25-34", "35-44", "45-59", "60-69", "70-79", "80+"]
    assert bands_between(18, 60) == ["18-24", "25-34", "35-44", "45-59"]
    assert bands_between(None, 15) == ["0-14"]


def test_a_new_version_with_an_unknown_field_is_refused_and_nothing_is_saved(officials):
    indicator = Indicator.objects.get(code="CE-PART")
    versions = list(IndicatorVersion.objects.filter(indicator=indicator).values_list("version", "status", "spec"))
    bad = {**RATE, "numerator": {**RATE["numerator"], "filters": {"colour": ["red"]}}}
    with pytest.raises(DomainError) as exc:
        services.indicator_version_create(actor=officials["city_admin"], code="CE-PART", spec=bad)
    assert "numerator.filters.colour" in exc.value.errors
    # a rate cannot turn into a count (its targets are percentages)
    with pytest.raises(DomainError) as exc:
        services.indicator_version_create(actor=officials["city_admin"], code="CE-PART",
                                          spec={"numerator": RATE["numerator"]})
    assert "spec.denominator" in exc.value.errors
    with pytest.raises(PermissionDenied):
        services.indicator_version_create(actor=officials["district_admin"], code="CE-PART", spec=RATE)
    assert list(IndicatorVersion.objects.filter(indicator=indicator).values_list("version", "status", "spec")) == versions


def test_a_new_version_supersedes_the_active_one(officials):
    v = services.indicator_version_create(actor=officials["city_admin"], code="CE-PART", spec=RATE)
    assert v.version == 2
    assert list(IndicatorVersion.objects.filter(indicator__code="CE-PART").order_by("version")
                .values_list("version", "status")) == [(1, "superseded"), (2, "active")]


def test_publishing_is_for_the_city_admin(officials):
    services.indicator_publish(actor=officials["city_admin"], code="EMP-CE", published=True)
    assert Indicator.objects.get(code="EMP-CE").published is True
    with pytest.raises(PermissionDenied):
        services.indicator_publish(actor=officials["auditor"], code="EMP-CE", published=False)
    assert Indicator.objects.get(code="EMP-CE").published is True
