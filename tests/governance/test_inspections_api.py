"""Inspection through the JSON API (governance/api/inspections.py), with bearer tokens: the office imports the
standard, opens a round and sends an inspector; the inspector scores on the API with a Base64 photo and submits;
the office sends a finding to rectification, closes and publishes the circular, read by the committee's area and
as a PDF. A malformed body is a 422, a refused one a 400 naming the field, an action on what one reads a 403,
anything outside the caller's scope a 404, and no refusal writes anything."""

import base64

import pytest

from learncity.core.audit import AuditEvent
from learncity.governance import services
from learncity.governance.models import (
    Circular,
    InspectionEvidence,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    Rectification,
    Task,
)
from tests.governance.factories import PNG, dazhou_plan, governance_fixtures
from tests.governance.inspection_factories import (
    TODAY,
    criteria_of,
    inspector_make,
    round_make,
    scored,
    standard_make,
    visit_make,
)

governance_built, gov = governance_fixtures()
URL = "/api/governance"


def snapshot():
    return (InspectionStandard.objects.count(), list(InspectionRound.objects.values_list("pk", "closed_at")),
            list(InspectionVisit.objects.order_by("pk").values_list("pk", "state")),
            list(InspectionScore.objects.order_by("pk").values_list("pk", "score", "finding")),
            InspectionEvidence.objects.count(), Rectification.objects.count(), Task.objects.count(),
            Circular.objects.count(), AuditEvent.objects.count())


def refused(send, status: int) -> dict:
    before = snapshot()
    response = send()
    assert response.status_code == status, response.content.decode()[:800]
    assert snapshot() == before, "a refused call must change nothing"
    return response.json()


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def inspector(gov):
    return inspector_make(gov)


@pytest.fixture
def clients(gov, api_as, inspector):
    """Every client made first (its token's audit row before anything a test compares)."""
    return {"office": api_as(gov.city_admin), "inspector": api_as(inspector), "district": api_as(gov.district_admin),
            "reporter": api_as(gov.reporter), "other_inspector": api_as(inspector_make(gov))}


def test_a_round_through_the_api_from_the_standard_to_the_circular(gov, clients, inspector):
    office, mine = clients["office"], clients["inspector"]
    dazhou_plan(gov)
    response = post(office, f"{URL}/committees/{gov.committee.pk}/inspection-standards", services.standard_shipped())
    assert response.status_code == 201, response.content
    standard = response.json()
    assert (standard["code"], len(standard["criteria"])) == ("community-school-model", 21)
    response = post(office, f"{URL}/committees/{gov.committee.pk}/inspections", {
        "standard_id": standard["id"], "title": "社区学校督导", "year": TODAY.year,
        "starts_on": f"{TODAY.year}-03-01", "ends_on": f"{TODAY.year}-11-30"})
    assert response.status_code == 201, response.content
    round_id = response.json()["id"]
    response = post(office, f"{URL}/inspections/{round_id}/visits",
                    {"inspector_id": inspector.pk, "institution_id": gov.institution.pk})
    assert response.status_code == 201, response.content
    visit = response.json()
    assert (visit["target"], visit["state"], visit["inspector_id"]) == (str(gov.institution), "assigned", inspector.pk)
    assert [v["id"] for v in mine.get(f"{URL}/inspection-visits").json()] == [visit["id"]]
    for c in visit["criteria"]:
        files = [{"name": "现场.png", "content_base64": base64.b64encode(PNG).decode()}] if c["evidence_required"] else []
        body = {"criterion_id": c["id"], "score": c["points"], "files": files}
        if c["position"] == 4:
            body |= {"score": "2", "finding": "制度未上墙", "rectify": True}
        response = post(mine, f"{URL}/inspection-visits/{visit['id']}/scores", body)
        assert response.status_code == 200, response.content
    response = post(mine, f"{URL}/inspection-visits/{visit['id']}/submit")
    assert response.json()["state"] == "submitted"
    fourth = next(c for c in response.json()["criteria"] if c["position"] == 4)
    assert (fourth["score"]["score"], fourth["score"]["finding"]) == ("2.00", "制度未上墙")
    evidence = fourth["score"]["evidence"][0]
    download = mine.get(f"{URL}/inspection-scores/{fourth['score']['id']}/evidence/{evidence['id']}")
    assert download.content == PNG
    response = post(office, f"{URL}/inspection-scores/{fourth['score']['id']}/rectification",
                    {"due_on": f"{TODAY.year + 1}-01-31"})
    assert response.status_code == 201, response.content
    assert Task.objects.get(pk=response.json()["task_id"]).description == "制度未上墙"
    assert post(office, f"{URL}/inspections/{round_id}/close").json()["closed_at"] is not None
    response = post(office, f"{URL}/inspections/{round_id}/circular", {"title": "督导通报", "text": "通报如下。"})
    assert response.status_code == 201, response.content
    circular = response.json()
    assert circular["text"].split("\n")[:4] == ["通报如下。", "", "一、督导结果（满分 100 分）",
                                                  f"1. {gov.institution}：97 分"]
    assert clients["reporter"].get(f"{URL}/circulars/{circular['id']}").json()["title"] == "督导通报"
    pdf = office.get(f"{URL}/circulars/{circular['id']}/pdf")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    ranked = office.get(f"{URL}/inspections/{round_id}").json()
    assert ([(v["rank"], v["total"]) for v in ranked["visits"]], ranked["circular_id"]) == ([(1, "97.00")],
                                                                                           circular["id"])


@pytest.fixture
def visit(gov, inspector):
    return visit_make(gov, round_make(gov, standard_make(gov)), inspector, institution_id=gov.institution.pk)


def test_a_score_over_the_maximum_is_a_400_naming_the_criterion_and_a_malformed_one_a_422(gov, clients, visit):
    first = criteria_of(visit.round.standard)[0]
    body = refused(lambda: post(clients["inspector"], f"{URL}/inspection-visits/{visit.pk}/scores",
                                {"criterion_id": first.pk, "score": "9"}), 400)
    assert body["errors"]["score"] == [f"第 1 项「{first.text}」的得分须在 0 到 5 之间"]
    refused(lambda: post(clients["inspector"], f"{URL}/inspection-visits/{visit.pk}/scores",
                         {"criterion_id": first.pk, "score": "many"}), 422)
    body = refused(lambda: post(clients["inspector"], f"{URL}/inspection-visits/{visit.pk}/submit"), 400)
    assert body["errors"]["scores"][0].startswith("还有 21 项未评分")


def test_an_inspector_of_another_round_gets_404_and_the_office_403_on_scoring(gov, clients, visit):
    first = criteria_of(visit.round.standard)[0]
    score = {"criterion_id": first.pk, "score": "1"}
    refused(lambda: post(clients["other_inspector"], f"{URL}/inspection-visits/{visit.pk}/scores", score), 404)
    refused(lambda: clients["other_inspector"].get(f"{URL}/inspections/{visit.round_id}"), 404)
    refused(lambda: post(clients["office"], f"{URL}/inspection-visits/{visit.pk}/scores", score), 403)
    refused(lambda: clients["district"].get(f"{URL}/inspection-visits/{visit.pk}"), 404)


def test_the_inspector_may_not_close_send_or_publish_and_the_circular_waits_for_the_close(gov, clients, visit,
                                                                                         inspector):
    scored(visit, inspector)
    refused(lambda: post(clients["inspector"], f"{URL}/inspections/{visit.round_id}/close"), 403)
    refused(lambda: post(clients["inspector"], f"{URL}/inspections/{visit.round_id}/visits",
                         {"inspector_id": inspector.pk, "place_id": gov.district.pk}), 403)
    body = refused(lambda: post(clients["office"], f"{URL}/inspections/{visit.round_id}/circular",
                                {"title": "通报"}), 400)
    assert body["errors"] == {"round": [f"督导「{visit.round.title}」尚未结束，结束后才能发布通报"]}
    body = refused(lambda: post(clients["office"], f"{URL}/inspections/{visit.round_id}/visits",
                                {"inspector_id": inspector.pk, "institution_id": gov.institution.pk}), 400)
    assert body["errors"] == {"institution_id": [f"本轮督导已派员督导「{gov.institution}」"]}


def test_a_standard_refused_names_the_criterion(gov, clients):
    data = services.standard_shipped()
    data["criteria"][0]["points"] = "-1"
    body = refused(lambda: post(clients["office"], f"{URL}/committees/{gov.committee.pk}/inspection-standards",
                                data), 400)
    assert body["errors"]["criteria.0.points"][0].startswith("第 1 项「")
    refused(lambda: post(clients["district"], f"{URL}/committees/{gov.committee.pk}/inspection-standards",
                         services.standard_shipped()), 404)
