"""Inspection's pages (governance/views/inspections.py): the office imports the shipped standard, opens a round,
sends an inspector, sends a finding to rectification, closes the round and publishes the circular; the inspector
scores on the phone page (one criterion a card with its maximum, a photo input that opens the camera) and submits.
A refused form shows its message with status 400 and writes nothing; outside one's scope 404, an action on what one
reads 403."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learncity.governance.models import (
    Circular,
    InspectionRound,
    InspectionScore,
    InspectionStandard,
    InspectionVisit,
    Rectification,
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


def snapshot():
    return (InspectionStandard.objects.count(), list(InspectionRound.objects.values_list("pk", "closed_at")),
            list(InspectionVisit.objects.order_by("pk").values_list("pk", "state")),
            list(InspectionScore.objects.order_by("pk").values_list("pk", "score", "finding")),
            Rectification.objects.count(), Circular.objects.count())


@pytest.fixture
def as_(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def inspector(gov):
    return inspector_make(gov)


@pytest.fixture
def visit(gov, inspector):
    return visit_make(gov, round_make(gov, standard_make(gov)), inspector, institution_id=gov.institution.pk)


def test_the_office_imports_the_shipped_standard_and_opens_a_round(gov, as_):
    client = as_(gov.city_admin)
    page = client.get(reverse("governance:inspections"))
    assert page.status_code == 200
    assert f'data-testid="standard-import-{gov.committee.pk}"' in page.content.decode()
    response = client.post(reverse("governance:inspection_standard_import", args=[gov.committee.pk]),
                           {"shipped": "community_school"})
    standard = InspectionStandard.objects.get(committee=gov.committee)
    assert response.status_code == 302 and response["Location"] == reverse("governance:inspection_standard",
                                                                            args=[standard.pk])
    assert "社区学校示范校评估标准" in client.get(response["Location"]).content.decode()
    response = client.post(reverse("governance:inspection_round_new", args=[gov.committee.pk]), {
        "standard_id": standard.pk, "title": "年度督导", "year": TODAY.year, "starts_on": f"{TODAY.year}-04-01",
        "ends_on": f"{TODAY.year}-10-31"})
    found = InspectionRound.objects.get(committee=gov.committee)
    assert response["Location"] == reverse("governance:inspection_round", args=[found.pk])


def test_a_bad_standard_and_a_bad_round_show_their_errors_and_write_nothing(gov, as_):
    client = as_(gov.city_admin)
    before = snapshot()
    response = client.post(reverse("governance:inspection_standard_import", args=[gov.committee.pk]),
                           {"data": "{not json"})
    assert response.status_code == 400 and "不是有效的 JSON" in response.content.decode()
    standard = standard_make(gov)
    before = snapshot()
    response = client.post(reverse("governance:inspection_round_new", args=[gov.committee.pk]), {
        "standard_id": standard.pk, "title": "督导", "year": TODAY.year, "starts_on": f"{TODAY.year}-06-01",
        "ends_on": f"{TODAY.year}-05-01"})
    assert response.status_code == 400 and "结束日期早于开始日期" in response.content.decode()
    assert snapshot() == before


def test_the_scoring_page_is_phone_first_one_card_a_criterion(gov, as_, visit, inspector):
    page = as_(inspector).get(reverse("governance:inspection_visit", args=[visit.pk])).content.decode()
    first = criteria_of(visit.round.standard)[0]
    assert page.count('class="card iv-card') == 21
    assert 'max="5" step="0.5"' in page and 'accept="image/*" capture="environment"' in page
    assert f'action="{reverse("governance:inspection_score", args=[visit.pk, first.pk])}"' in page


def test_the_inspector_scores_with_a_photo_and_an_over_maximum_score_is_refused_naming_the_criterion(
        gov, as_, visit, inspector):
    client = as_(inspector)
    first = criteria_of(visit.round.standard)[0]
    url = reverse("governance:inspection_score", args=[visit.pk, first.pk])
    before = snapshot()
    response = client.post(url, {"score": "6", "finding": ""})
    assert response.status_code == 400
    assert f"第 1 项「{first.text}」的得分须在 0 到 5 之间" in response.content.decode()
    assert snapshot() == before
    response = client.post(url, {"score": "4.5", "finding": "分工不明确", "rectify": "on",
                                 "evidence": SimpleUploadedFile("p.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    score = InspectionScore.objects.get(visit=visit, criterion=first)
    assert (str(score.score), score.finding, score.rectify, score.evidence.count()) == ("4.50", "分工不明确", True, 1)
    response = client.post(reverse("governance:inspection_visit_submit", args=[visit.pk]))
    assert response.status_code == 400 and "还有 20 项未评分" in response.content.decode()


def test_another_inspector_gets_404_and_the_office_403_on_the_scoring(gov, as_, visit):
    first = criteria_of(visit.round.standard)[0]
    url = reverse("governance:inspection_score", args=[visit.pk, first.pk])
    other = inspector_make(gov)
    before = snapshot()
    assert as_(other).post(url, {"score": "1"}).status_code == 404
    assert as_(gov.city_admin).post(url, {"score": "1"}).status_code == 403
    assert as_(gov.district_admin).get(reverse("governance:inspection_visit", args=[visit.pk])).status_code == 404
    assert as_(gov.reporter).get(reverse("governance:inspections")).status_code == 403
    assert snapshot() == before


def test_the_office_sends_a_finding_to_rectification_closes_and_publishes(gov, as_, visit, inspector):
    dazhou_plan(gov)
    scored(visit, inspector, rectify=(2,), minus={2: 1})
    client = as_(gov.city_admin)
    round_url = reverse("governance:inspection_round", args=[visit.round_id])
    response = client.post(reverse("governance:circular_publish", args=[visit.round_id]), {"title": "通报"})
    assert response.status_code == 400 and "尚未结束，结束后才能发布通报" in response.content.decode()
    score = InspectionScore.objects.get(visit=visit, criterion__position=2)
    before = snapshot()
    response = client.post(reverse("governance:rectification_new", args=[score.pk]), {"due_on": ""})
    assert response.status_code == 400 and snapshot() == before
    response = client.post(reverse("governance:rectification_new", args=[score.pk]),
                           {"due_on": f"{TODAY.year + 1}-02-01"})
    assert response["Location"] == round_url
    page = client.get(round_url).content.decode()
    assert f'data-testid="rectification-{score.pk}"' in page and f"1. {gov.institution}" in page
    assert client.post(reverse("governance:inspection_round_close", args=[visit.round_id]))["Location"] == round_url
    response = client.post(reverse("governance:circular_publish", args=[visit.round_id]),
                           {"title": "督导通报", "text": "特此通报。"})
    circular = Circular.objects.get(round_id=visit.round_id)
    assert response["Location"] == reverse("governance:circular", args=[circular.pk])
    page = as_(gov.reporter).get(response["Location"]).content.decode()
    assert "特此通报。" in page and f"1. {gov.institution}：99 分" in page
    pdf = client.get(reverse("governance:circular_pdf", args=[circular.pk]))
    assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
