"""The monitoring API (/api/monitoring): the selectors' numbers as JSON, scoped; targets set, refused, deleted and
imported; indicator versions validated (an unknown field named by its path); the public routes without sign-in."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from learncity.core.models import AuditEvent
from learncity.monitoring import selectors
from learncity.monitoring.models import IndicatorVersion, Target
from learncity.monitoring.periods import period_parse
from learncity.places.models import Place
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place, street_of

from .factories import officials_make

YEAR = period_parse("2026")
BASE = "/api/monitoring"


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _value(v):
    return None if v is None else str(v)


@pytest.fixture
def officials(db):
    """达州市's own administrators, auditor and learner (see factories.officials_make)."""
    return officials_make()


@pytest.fixture
def dazhou(db) -> Place:
    return place(DAZHOU)


# The overview and the drill-down compare the API's numbers with the selectors': on the demo city, whose seeded
# figures give numbers to compare (an empty city of the test's own would compare nothing but blanks).


def test_the_overview_is_the_selectors_overview(users, api_as):
    admin = users["city_admin"]
    response = api_as(admin).get(f"{BASE}/overview?period=2026")
    assert response.status_code == 200
    body = response.json()
    overview = selectors.monitoring_overview(actor=admin, period=YEAR)
    assert body["place"]["code"] == "350100" and body["period"]["key"] == "2026"
    assert [(r["indicator"], r["actual"]["value"], r["target"], r["status"]) for r in body["rows"]] == [
        (r.indicator.code, _value(r.actual.value), _value(r.target), r.status) for r in overview.rows]
    assert all(r["actual"]["suppressed"] is False for r in body["rows"])


def test_drill_down_breakdown_and_series(users, api_as, city):
    admin = users["city_admin"]
    c = api_as(admin)
    body = c.get(f"{BASE}/indicators/CE-PART/drilldown?period=2026").json()
    assert body["indicator"]["is_rate"] is True and body["place"]["id"] == city.pk
    assert [x["place"]["code"] for x in body["children"]] == list(
        Place.objects.filter(parent=city).order_by("code").values_list("code", flat=True))

    body = c.get(f"{BASE}/indicators/NONACAD-PT/breakdown?by=provider_kind&period=2026").json()
    b = selectors.indicator_breakdown(actor=admin, code="NONACAD-PT", by="provider_kind", period=YEAR)
    assert [(r["key"], r["value"]["value"]) for r in body["rows"]] == [(r.key, _value(r.value.value)) for r in b.rows]

    body = c.get(f"{BASE}/indicators/NONACAD-PT/series?grain=quarter&year=2026").json()
    assert [p["period"]["key"] for p in body["points"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    year_total = selectors.monitoring_overview(actor=admin, period=YEAR).rows
    total = next(r.actual.value for r in year_total if r.indicator.code == "NONACAD-PT")
    assert sum(Decimal(p["value"]["value"] or 0) for p in body["points"]) == total


def test_indicators_and_their_specs(officials, api_as):
    c = api_as(officials["auditor"])
    body = c.get(f"{BASE}/indicators").json()
    assert len(body) == 14 and {i["area_group"] for i in body} == {"benefits", "building_blocks", "conditions"}
    detail = c.get(f"{BASE}/indicators/CE-PART").json()
    assert detail["spec"]["denominator"] == {"source": "population", "age_min": 18}


def test_scopes(officials, api_as):
    dachuan = place(DACHUAN)
    assert api_as(None).get(f"{BASE}/overview").status_code == 401
    assert api_as(officials["learner"]).get(f"{BASE}/overview").status_code == 403
    district = api_as(officials["district_admin"])
    assert district.get(f"{BASE}/overview").json()["place"]["code"] == TONGCHUAN
    assert district.get(f"{BASE}/overview?place={dachuan.pk}").status_code == 404
    assert district.get(f"{BASE}/indicators/CE-PART/drilldown?place={dachuan.pk}").status_code == 404


def test_bad_query_values_are_refused_with_what_and_where(officials, api_as):
    c = api_as(officials["city_admin"])
    response = c.get(f"{BASE}/overview?period=2026-06-30..2026-01-01")
    assert response.status_code == 400 and "period" in response.json()["errors"]
    response = c.get(f"{BASE}/indicators/CE-PART/breakdown?by=colour")
    assert response.status_code == 400
    assert c.get(f"{BASE}/indicators/NOPE/drilldown").status_code == 404


# --- targets ------------------------------------------------------------------------------------------------------


def test_a_target_is_set_listed_and_deleted(officials, api_as, dazhou):
    c = api_as(officials["city_admin"])
    audit = AuditEvent.objects.count()
    response = _post(c, f"{BASE}/targets", {"indicator": "ELDER-PART", "place": dazhou.pk, "period": "2026-Q4",
                                             "value": "25.5"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["indicator"] == "ELDER-PART" and body["value"] == "25.50" and body["period"]["key"] == "2026-Q4"
    assert AuditEvent.objects.count() == audit + 1
    listed = c.get(f"{BASE}/targets?indicator=ELDER-PART").json()
    assert body["id"] in [t["id"] for t in listed]

    response = c.delete(f"{BASE}/targets/{body['id']}")
    assert response.status_code == 200 and response.json()["id"] == body["id"]
    assert not Target.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"indicator": "CE-PART", "period": "2026", "value": "120"}, "value"),
    ({"indicator": "CE-PART", "period": "2026", "value": "-1"}, "value"),
    ({"indicator": "NONACAD-PT", "period": "2026", "value": "-5"}, "value"),
    ({"indicator": "CE-PART", "period": "2026-Q5", "value": "30"}, "period"),
    ({"indicator": "NOPE", "period": "2026", "value": "30"}, "indicator"),
])
def test_a_bad_target_is_refused_and_nothing_saved(officials, api_as, dazhou, body, field):
    c = api_as(officials["city_admin"])
    before = Target.objects.count(), AuditEvent.objects.count()
    response = _post(c, f"{BASE}/targets", {**body, "place": dazhou.pk})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert (Target.objects.count(), AuditEvent.objects.count()) == before


def test_who_may_set_targets(officials, api_as, dazhou):
    tongchuan, dachuan = place(TONGCHUAN), place(DACHUAN)
    before = Target.objects.count()
    body = {"indicator": "CE-PART", "period": "2026", "value": "45"}
    assert _post(api_as(officials["auditor"]), f"{BASE}/targets", {**body, "place": dazhou.pk}).status_code == 403
    district = api_as(officials["district_admin"])
    assert _post(district, f"{BASE}/targets", {**body, "place": dazhou.pk}).status_code == 403
    assert _post(district, f"{BASE}/targets", {**body, "place": dachuan.pk}).status_code == 403
    assert _post(district, f"{BASE}/targets", {**body, "place": tongchuan.pk}).status_code == 403  # the city's to set
    assert Target.objects.count() == before
    street = street_of(tongchuan)
    assert _post(district, f"{BASE}/targets", {**body, "place": street.pk}).status_code == 201
    assert _post(api_as(officials["city_admin"]), f"{BASE}/targets", {**body, "place": tongchuan.pk}).status_code == 201


def test_targets_are_imported_all_or_nothing(officials, api_as, dazhou):
    def upload(rows):
        wb = Workbook()
        for row in rows:
            wb.active.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        return SimpleUploadedFile("targets.xlsx", buf.getvalue())

    c = api_as(officials["city_admin"])
    before = Target.objects.count()
    header = ["指标代码", "区划代码", "期间", "目标值"]
    response = c.post(f"{BASE}/targets/import", {"file": upload([header, ["CE-PART", dazhou.code, "2026", 40],
                                                                  ["CE-PART", dazhou.code, "2026", 140]])})
    assert response.status_code == 400
    assert any("第 3 行「目标值」" in m for m in response.json()["errors"]["file"])
    assert Target.objects.count() == before
    response = c.post(f"{BASE}/targets/import", {"file": upload([header, ["ELDER-PART", dazhou.code, "2027", 40]])})
    assert response.status_code == 200 and response.json() == {"imported": 1}
    assert Target.objects.count() == before + 1


# --- indicator versions and publication ---------------------------------------------------------------------------


def test_a_version_with_an_unknown_field_is_refused_naming_its_path(officials, api_as):
    c = api_as(officials["city_admin"])
    versions = IndicatorVersion.objects.count()
    spec = {"numerator": {"source": "records", "count": "persons", "filters": {"colour": ["red"]}},
            "denominator": {"source": "population", "age_min": 18}}
    response = _post(c, f"{BASE}/indicators/CE-PART/versions", {"spec": spec})
    assert response.status_code == 400
    assert "numerator.filters.colour" in response.json()["errors"]
    assert IndicatorVersion.objects.count() == versions


def test_a_new_version_becomes_the_active_one(officials, api_as):
    c = api_as(officials["city_admin"])
    spec = {"numerator": {"source": "records", "count": "persons",
                          "filters": {"course_kind": ["community"], "recognised": True, "age_min": 25}},
            "denominator": {"source": "population", "age_min": 25}}
    response = _post(c, f"{BASE}/indicators/CE-PART/versions", {"spec": spec})
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 2
    assert response.json()["spec"]["denominator"]["age_min"] == 25
    assert _post(api_as(officials["district_admin"]), f"{BASE}/indicators/CE-PART/versions",
                 {"spec": spec}).status_code == 403


def test_publishing_puts_an_indicator_on_the_public_dashboard(officials, api_as):
    public = api_as(None)
    assert "EMP-CE" not in [r["indicator"] for r in public.get(f"{BASE}/public/overview?period=2026").json()["rows"]]
    assert public.get(f"{BASE}/public/indicators/EMP-CE").status_code == 404
    response = _post(api_as(officials["city_admin"]), f"{BASE}/indicators/EMP-CE/publish", {"published": True})
    assert response.status_code == 200 and response.json()["published"] is True
    assert "EMP-CE" in [r["indicator"] for r in public.get(f"{BASE}/public/overview?period=2026").json()["rows"]]


def test_the_public_routes_suppress_small_cells_and_say_nothing_of_their_size(api_as, settings):
    settings.LEARNCITY_MONITORING_MIN_CELL = 10_000_000
    body = api_as(None).get(f"{BASE}/public/indicators/CE-PART?period=2026").json()
    assert body["row"]["actual"] == {"value": None, "numerator": None, "denominator": None, "suppressed": True}
    assert all(c["actual"]["suppressed"] for c in body["children"])


def test_a_refused_target_is_explained_in_english_to_an_admin_who_chose_english(officials, api_as, dazhou):
    api = api_as(officials["city_admin"])
    api.cookies["django_language"] = "en"
    before = Target.objects.count()

    response = api.post(f"{BASE}/targets", {"indicator": "NO-SUCH", "place": dazhou.pk, "period": "2026",
                                            "value": "10"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"indicator": ["Unknown indicator code “NO-SUCH”"]}
    assert Target.objects.count() == before
