"""The annual assessment through the JSON API (governance/api/assessment.py), with bearer tokens: the office makes a
scheme, reads its ranked table with every component's sources, changes its weights, proposes advanced units and
downloads the table as .xlsx. A malformed body is a 422, a refused one a 400 naming the component, a change on a
scheme the caller reads but does not run a 403, a scheme outside the caller's scope a 404; no refusal writes."""

import io
from decimal import Decimal

import openpyxl
import pytest

from learncity.core.audit import AuditEvent
from learncity.governance.models import AdvancedUnitProposal, AssessmentScheme, AssessmentWeight
from learncity.governance.selectors.assessment import assessment_table
from tests.governance.assessment_factories import YEAR, scheme_make, year_build
from tests.governance.factories import governance_fixtures

governance_built, gov = governance_fixtures()
URL = "/api/governance"
WEIGHTS = {"indicators": "30", "tasks": "30", "reports": "20", "inspections": "20"}


def snapshot():
    return (list(AssessmentScheme.objects.order_by("pk").values_list("pk", "year", "subjects")),
            list(AssessmentWeight.objects.order_by("pk").values_list("pk", "component", "weight")),
            AdvancedUnitProposal.objects.count(), AuditEvent.objects.count())


def refused(send, status: int) -> dict:
    before = snapshot()
    response = send()
    assert response.status_code == status, response.content.decode()[:500]
    assert snapshot() == before, "a refused call must change nothing"
    return response.json()


@pytest.fixture
def as_(gov, api_as):
    clients = {}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = api_as(user)
        return clients[user.pk]

    for user in (gov.city_admin, gov.district_admin, gov.reporter, gov.auditor):
        make(user)  # every token (and its audit row) before anything a test compares
    return make


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_office_makes_a_scheme_and_reads_its_table(gov, as_):
    y = year_build(gov)
    client = as_(gov.city_admin)
    response = post(client, f"{URL}/committees/{gov.committee.pk}/assessment/schemes",
                    {"year": YEAR, "subjects": "districts", "weights": WEIGHTS})
    assert response.status_code == 201, response.content
    body = response.json()
    scheme = AssessmentScheme.objects.get(pk=body["id"])
    assert body["weights"] == {"indicators": "30.00", "tasks": "30.00", "reports": "20.00", "inspections": "20.00"}
    assert [s["id"] for s in client.get(f"{URL}/assessment/schemes").json()] == [scheme.pk]
    table = client.get(f"{URL}/assessment/schemes/{scheme.pk}").json()
    expected = assessment_table(gov.city_admin, scheme)
    assert [(r["rank"], r["committee_id"], Decimal(r["total"])) for r in table["rows"]] == [
        (r.rank, r.committee.pk, r.total) for r in expected]
    tong = next(r for r in table["rows"] if r["committee_id"] == gov.lower["通川区"].pk)
    tasks = next(c for c in tong["components"] if c["key"] == "tasks")
    assert tasks["score"] == "75.00" and tasks["applicable"] is True
    assert sorted(int(s["id"]) for s in tasks["sources"]) == sorted([y.tasks["districts"].pk,
                                                                   y.tasks["tong_late"].pk])
    da = next(r for r in table["rows"] if r["committee_id"] == gov.lower["达川区"].pk)
    reports = next(c for c in da["components"] if c["key"] == "reports")
    assert reports["applicable"] is False and reports["score"] is None


def test_bad_bodies_are_refused_naming_the_component(gov, as_):
    client = as_(gov.city_admin)
    url = f"{URL}/committees/{gov.committee.pk}/assessment/schemes"
    body = refused(lambda: post(client, url, {"year": YEAR, "subjects": "districts",
                                              "weights": {**WEIGHTS, "tasks": "35"}}), 400)
    assert "各项权重之和须为 100，现为 105" in str(body)
    body = refused(lambda: post(client, url, {"year": YEAR, "subjects": "districts",
                                              "weights": {**WEIGHTS, "bonus": "0"}}), 400)
    assert "bonus" in str(body)
    refused(lambda: post(client, url, {"year": "soon", "subjects": "districts", "weights": WEIGHTS}), 422)
    refused(lambda: post(client, url, {"year": YEAR, "subjects": "districts", "weights": {"tasks": "-1"}}), 422)


def test_weights_and_proposals(gov, as_):
    year_build(gov)
    scheme = scheme_make(gov, "member_units")
    client = as_(gov.city_admin)
    url = f"{URL}/assessment/schemes/{scheme.pk}"
    refused(lambda: client.put(f"{url}/weights", {"weights": {"tasks": "50"}}, content_type="application/json"), 400)
    response = client.put(f"{url}/weights", {"weights": {"tasks": "50", "reports": "50"}},
                          content_type="application/json")
    assert response.status_code == 200 and response.json()["weights"]["indicators"] == "0.00"
    assert client.get(f"{url}/proposal").json() == []
    refused(lambda: post(client, f"{url}/proposals", {"count": 0}), 422)
    refused(lambda: post(client, f"{url}/proposals", {"count": 99}), 400)
    response = post(client, f"{url}/proposals", {"count": 1})
    assert response.status_code == 201
    first = assessment_table(gov.city_admin, scheme)[0]
    assert [(p["number"], p["member_unit_id"], p["rank"], Decimal(p["total"])) for p in response.json()] == [
        (1, first.member_unit.pk, 1, first.total)]
    assert [p["id"] for p in client.get(f"{url}/proposal").json()] == [p["id"] for p in response.json()]


def test_the_export(gov, as_):
    year_build(gov)
    scheme = scheme_make(gov, "member_units")
    response = as_(gov.city_admin).get(f"{URL}/assessment/schemes/{scheme.pk}/export.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    names = [r[1] for r in wb["排名"].iter_rows(min_row=3, values_only=True)]
    assert names == [r.name for r in assessment_table(gov.city_admin, scheme)]


def test_scopes(gov, as_):
    scheme = scheme_make(gov, "districts")
    url = f"{URL}/assessment/schemes/{scheme.pk}"
    for outsider in (gov.reporter, gov.district_admin):
        client = as_(outsider)
        assert client.get(url).status_code == 404
        assert client.get(f"{url}/export.xlsx").status_code == 404
        refused(lambda c=client: post(c, f"{url}/proposals", {"count": 1}), 404)
        assert client.get(f"{URL}/assessment/schemes").json() == []
    refused(lambda: post(as_(gov.reporter), f"{URL}/committees/{gov.committee.pk}/assessment/schemes",
                         {"year": YEAR + 1, "subjects": "districts", "weights": WEIGHTS}), 403)
    auditor = as_(gov.auditor)
    assert auditor.get(url).status_code == 200
    refused(lambda: post(auditor, f"{url}/proposals", {"count": 1}), 403)
    refused(lambda: auditor.put(f"{url}/weights", {"weights": WEIGHTS}, content_type="application/json"), 403)
