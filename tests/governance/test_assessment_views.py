"""The annual assessment's pages (governance/views/assessment.py): the office's schemes and its new scheme with
weights (refused weights shown, naming the component, nothing written), a scheme's ranked table with each
component's sources and their links, the weights changed, the advanced units proposed, the .xlsx export opened
back with openpyxl; 403 for a role that runs no office, 404 for a scheme outside, 403 for a change on one read."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest

from learncity.core.audit import AuditEvent
from learncity.governance.models import AdvancedUnitProposal, AssessmentScheme, AssessmentWeight
from learncity.governance.selectors.assessment import assessment_table
from tests.governance.assessment_factories import YEAR, scheme_make, year_build
from tests.governance.factories import governance_fixtures

governance_built, gov = governance_fixtures()
BASE = "/governance/assessment/"


def snapshot():
    return (list(AssessmentScheme.objects.order_by("pk").values_list("pk", "year", "subjects")),
            list(AssessmentWeight.objects.order_by("pk").values_list("pk", "component", "weight")),
            AdvancedUnitProposal.objects.count(), AuditEvent.objects.count())


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def as_(client):
    def sign_in(user):
        client.logout()
        client.force_login(user)
        return client

    return sign_in


WEIGHTS = {"weight_indicators": "30", "weight_tasks": "30", "weight_reports": "20", "weight_inspections": "20"}


def test_the_office_makes_a_scheme_from_the_page(gov, as_):
    client = as_(gov.city_admin)
    page = client.get(BASE)
    assert page.status_code == 200 and "新建考核方案" in text_of(page)
    response = client.post(BASE + "new/", {"committee": gov.committee.pk, "year": YEAR, "subjects": "districts",
                                           **WEIGHTS})
    scheme = AssessmentScheme.objects.get(committee=gov.committee)
    assert response.status_code == 302 and response["Location"] == f"{BASE}{scheme.pk}/"
    assert dict(scheme.weights.values_list("component", "weight")) == {
        "indicators": Decimal(30), "tasks": Decimal(30), "reports": Decimal(20), "inspections": Decimal(20)}
    assert f"{YEAR} 年度考核" in text_of(client.get(BASE))


@pytest.mark.parametrize(("posted", "message"), [
    ({**WEIGHTS, "weight_tasks": "40"}, "各项权重之和须为 100，现为 110"),
    ({**WEIGHTS, "weight_tasks": "abc"}, "任务完成及时：「abc」不是数字"),
    ({**WEIGHTS, "weight_tasks": "120"}, "任务完成及时：不能大于 100，而不是 120"),
    ({**WEIGHTS, "subjects": "streets"}, "考核对象须为 districts、member_units 之一"),
])
def test_bad_scheme_input_is_shown_and_nothing_is_written(gov, as_, posted, message):
    client = as_(gov.city_admin)
    before = snapshot()
    response = client.post(BASE + "new/", {"committee": gov.committee.pk, "year": YEAR, "subjects": "districts",
                                           **posted})
    assert response.status_code == 400
    assert snapshot() == before
    assert 'data-testid="form-errors"' in response.content.decode()
    assert message in text_of(response)


def test_the_table_shows_every_unit_its_components_and_their_sources(gov, as_):
    y = year_build(gov)
    scheme = scheme_make(gov, "districts")
    client = as_(gov.city_admin)
    response = client.get(f"{BASE}{scheme.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for row in assessment_table(gov.city_admin, scheme):
        assert f'data-testid="total-{row.key}">{row.total}<' in body
    tong = gov.lower["通川区"]
    assert f'data-testid="component-c:{tong.pk}-tasks"' in body
    assert f'href="/governance/tasks/{y.tasks["tong_late"].pk}/"' in body  # a source links to its task
    assert "第 1 名" in text_of(response)


def test_weights_changed_and_refused(gov, as_):
    scheme = scheme_make(gov, "member_units")
    client = as_(gov.city_admin)
    before = snapshot()
    response = client.post(f"{BASE}{scheme.pk}/weights/", {**WEIGHTS, "weight_reports": "0"})
    assert response.status_code == 400 and snapshot() == before
    assert "各项权重之和须为 100，现为 80" in text_of(response)
    response = client.post(f"{BASE}{scheme.pk}/weights/", {**WEIGHTS, "weight_reports": "10",
                                                           "weight_inspections": "30"})
    assert response.status_code == 302
    assert scheme.weights.get(component="inspections").weight == Decimal(30)


def test_the_office_proposes_advanced_units(gov, as_):
    year_build(gov)
    scheme = scheme_make(gov, "districts")
    client = as_(gov.city_admin)
    before = snapshot()
    assert client.post(f"{BASE}{scheme.pk}/propose/", {"count": "5"}).status_code == 400
    assert client.post(f"{BASE}{scheme.pk}/propose/", {"count": "x"}).status_code == 400
    assert snapshot() == before
    assert client.post(f"{BASE}{scheme.pk}/propose/", {"count": "1"}).status_code == 302
    first = assessment_table(gov.city_admin, scheme)[0]
    assert list(AdvancedUnitProposal.objects.filter(scheme=scheme).values_list("number", "committee_id", "rank")) == [
        (1, first.committee.pk, 1)]
    page = text_of(client.get(f"{BASE}{scheme.pk}/"))
    assert "第 1 次提名" in page and "重新提名（取代上一次）" in page


def test_the_export_opens_back_with_the_ranking_and_the_sources(gov, as_):
    y = year_build(gov)
    scheme = scheme_make(gov, "districts")
    table = assessment_table(gov.city_admin, scheme)
    response = as_(gov.city_admin).get(f"{BASE}{scheme.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["排名", "来源明细"]
    ranking = list(wb["排名"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], Decimal(str(r[10]))) for r in ranking] == [(t.rank, t.name, t.total) for t in table]
    tong = next(t for t in table if t.committee == gov.lower["通川区"])
    tong_row = next(r for r in ranking if r[1] == tong.name)
    assert Decimal(str(tong_row[4])) == tong.component("tasks").score  # 任务完成及时得分
    sources = list(wb["来源明细"].iter_rows(min_row=2, values_only=True))
    task_rows = [r for r in sources if r[0] == tong.name and r[4] == "工作任务"]
    assert sorted(int(r[5]) for r in task_rows) == sorted([y.tasks["districts"].pk, y.tasks["tong_late"].pk])
    late = next(r for r in task_rows if int(r[5]) == y.tasks["tong_late"].pk)
    assert "按时=0" in late[7] and f"完成时限={y.tasks['tong_late'].due_on.isoformat()}" in late[7]


def test_scopes_403_without_an_office_404_outside_403_for_a_reader(gov, as_):
    scheme = scheme_make(gov, "districts")
    # a member unit's reporter runs no office
    client = as_(gov.reporter)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}{scheme.pk}/").status_code == 404
    assert client.get(f"{BASE}{scheme.pk}/export.xlsx").status_code == 404
    # a district's administrator runs its own office, not the city's
    client = as_(gov.district_admin)
    assert client.get(BASE).status_code == 200
    before = snapshot()
    assert client.get(f"{BASE}{scheme.pk}/").status_code == 404
    assert client.post(f"{BASE}{scheme.pk}/propose/", {"count": "1"}).status_code == 404
    assert client.post(BASE + "new/", {"committee": gov.committee.pk, "year": YEAR, "subjects": "member_units",
                                       **WEIGHTS}).status_code == 404
    # the city's auditor reads the table, and changes nothing
    client = as_(gov.auditor)
    assert client.get(f"{BASE}{scheme.pk}/").status_code == 200
    assert client.post(f"{BASE}{scheme.pk}/propose/", {"count": "1"}).status_code == 403
    assert client.post(f"{BASE}{scheme.pk}/weights/", WEIGHTS).status_code == 403
    assert snapshot() == before
