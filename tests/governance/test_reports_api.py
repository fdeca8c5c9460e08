"""Member units' reports through the JSON API (governance/api/reports.py), with bearer tokens: the office makes a
form and opens a round; a unit saves, submits (refused naming the cell), the office returns and accepts; an
extension; attachments in Base64; a malformed body is a 422, a refused one a 400 naming the field or cell, an
action not allowed a 403, outside the caller's scope a 404, and no refusal writes anything."""

import base64
import datetime

import pytest
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.governance.models import ReportForm, ReportReturn, ReportRound, ReturnAttachment, ReturnEvent
from tests.governance.factories import PNG, governance_fixtures
from tests.governance.report_factories import answers, form_make, quarterly, return_of, round_make

governance_built, gov = governance_fixtures()
URL = "/api/governance"
CODES = {422: "invalid_input", 403: "permission_denied", 404: "not_found"}


def snapshot():
    return (list(ReportForm.objects.order_by("pk").values_list("pk", "code")), ReportRound.objects.count(),
            list(ReportReturn.objects.order_by("pk").values_list("pk", "state", "data", "extended_until")),
            ReturnEvent.objects.count(), ReturnAttachment.objects.count(), AuditEvent.objects.count())


def refused(send, status: int) -> dict:
    before = snapshot()
    response = send()
    assert response.status_code == status, response.content.decode()[:1000]
    body = response.json()
    assert body["code"] == CODES.get(status, body["code"]) and body["detail"]
    assert snapshot() == before, "a refused call must change nothing"
    return body


def post(client, url, data, method="post"):
    return getattr(client, method)(url, data, content_type="application/json")


@pytest.fixture
def as_(gov, api_as):
    users = [gov.city_admin, gov.district_admin, gov.district_admin_2, gov.reporter, gov.education_reporter,
             gov.auditor]
    clients = {u.pk: api_as(u) for u in users}
    return lambda user: clients[user.pk]


@pytest.fixture
def rnd(gov):
    return round_make(gov)


def test_the_office_makes_a_form_and_opens_a_round_through_the_api(gov, as_):
    office = as_(gov.city_admin)
    made = post(office, f"{URL}/committees/{gov.committee.pk}/report-forms", quarterly())
    assert made.status_code == 201, made.content
    form = made.json()
    assert (form["code"], form["form_schema"]["rules"][0]["kind"]) == ("quarterly", "sum")
    deadline = (timezone.now() + datetime.timedelta(days=5)).isoformat()
    opened = post(office, f"{URL}/rounds", {"form_id": form["id"], "title": "2026年第三季度",
                                            "period_start": "2026-07-01", "period_end": "2026-09-30",
                                            "deadline": deadline, "member_unit_ids": [gov.units["教育局"].pk]})
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert [(r["unit_name"], r["state"], r["late"]) for r in body["returns"]] == [("达州市教育局", "draft", False)]
    assert body["summary"]["by_state"]["draft"] == 1
    assert [r["id"] for r in as_(gov.city_admin).get(f"{URL}/rounds").json()] == [body["id"]]


def test_a_bad_schema_and_a_past_deadline_are_400s_naming_the_place(gov, as_):
    office = as_(gov.city_admin)
    bad = quarterly()
    bad["schema"]["sections"][0]["fields"][0]["min"] = "9999999"
    body = refused(lambda: post(office, f"{URL}/committees/{gov.committee.pk}/report-forms", bad), 400)
    assert body["errors"] == {"courses.min": ["下限 9999999 大于上限 100000"]}
    form = form_make(gov)
    body = refused(lambda: post(office, f"{URL}/rounds", {
        "form_id": form.pk, "title": "x", "period_start": "2026-07-01", "period_end": "2026-09-30",
        "deadline": "2020-01-01T00:00:00+08:00", "member_unit_ids": [gov.units["教育局"].pk]}), 400)
    assert body["errors"] == {"deadline": ["截止时间须晚于现在"]}
    refused(lambda: post(office, f"{URL}/rounds", {"form_id": form.pk, "title": "x"}), 422)
    refused(lambda: post(as_(gov.reporter), f"{URL}/committees/{gov.committee.pk}/report-forms", quarterly()), 403)


def test_a_unit_saves_submits_is_returned_resubmits_and_is_accepted(gov, as_, rnd):
    unit, office = as_(gov.education_reporter), as_(gov.city_admin)
    ret = return_of(rnd, gov.units["教育局"])
    saved = post(unit, f"{URL}/returns/{ret.pk}", {"data": {"courses": "3"}}, method="put").json()
    assert (saved["state"], saved["data"]) == ("draft", {"courses": "3"})
    body = refused(lambda: post(unit, f"{URL}/returns/{ret.pk}/submit", {"data": answers(funds_total="1")}), 400)
    assert list(body["errors"]) == ["funds_total"]
    assert post(unit, f"{URL}/returns/{ret.pk}/submit", {"data": answers()}).json()["state"] == "submitted"
    body = refused(lambda: post(office, f"{URL}/returns/{ret.pk}/decide", {"accept": False}), 400)
    assert body["errors"] == {"comment": ["退回修改时请写明需要修改的内容"]}
    returned = post(office, f"{URL}/returns/{ret.pk}/decide", {"accept": False, "comment": "请补充经费"}).json()
    assert (returned["state"], returned["comment"]) == ("returned", "请补充经费")
    assert post(unit, f"{URL}/returns/{ret.pk}/submit", {"data": {}}).json()["state"] == "submitted"
    accepted = post(office, f"{URL}/returns/{ret.pk}/decide", {"accept": True}).json()
    assert [(e["action"], e["to_state"]) for e in accepted["history"]] == [
        ("save", "draft"), ("submit", "submitted"), ("return", "returned"), ("submit", "submitted"),
        ("accept", "accepted")]
    refused(lambda: post(unit, f"{URL}/returns/{ret.pk}", {"data": {"courses": "4"}}, method="put"), 400)


def test_another_units_reporter_gets_404_and_a_unit_may_not_decide(gov, as_, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    refused(lambda: as_(gov.reporter).get(f"{URL}/returns/{ret.pk}"), 404)
    refused(lambda: post(as_(gov.reporter), f"{URL}/returns/{ret.pk}", {"data": {}}, method="put"), 404)
    refused(lambda: post(as_(gov.education_reporter), f"{URL}/returns/{ret.pk}/decide", {"accept": True}), 403)
    refused(lambda: as_(gov.district_admin_2).get(f"{URL}/rounds/{rnd.pk}"), 404)  # 达川区 is not asked
    assert len(as_(gov.auditor).get(f"{URL}/rounds/{rnd.pk}").json()["returns"]) == 3  # the city's auditor reads
    mine = as_(gov.reporter).get(f"{URL}/rounds/{rnd.pk}").json()
    assert [r["unit_name"] for r in mine["returns"]] == ["达州市人力资源和社会保障局"]
    assert [r["id"] for r in as_(gov.education_reporter).get(f"{URL}/returns").json()] == [ret.pk]


def test_an_extension_and_attachments_through_the_api(gov, as_, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    until = (rnd.deadline + datetime.timedelta(days=2)).isoformat()
    body = refused(lambda: post(as_(gov.city_admin), f"{URL}/returns/{ret.pk}/extension", {"until": until}), 400)
    assert body["errors"] == {"reason": ["请说明延期的原因"]}
    extended = post(as_(gov.city_admin), f"{URL}/returns/{ret.pk}/extension", {"until": until, "reason": "出差"})
    assert extended.json()["extended_until"] is not None
    added = post(as_(gov.education_reporter), f"{URL}/returns/{ret.pk}/attachments", {
        "field": "photos", "files": [{"name": "照片.png", "content_base64": base64.b64encode(PNG).decode()}]})
    assert added.status_code == 201, added.content
    attachment = added.json()["attachments"][0]
    assert (attachment["name"], attachment["size"]) == ("照片.png", len(PNG))
    download = as_(gov.city_admin).get(f"{URL}/returns/{ret.pk}/attachments/{attachment['id']}")
    assert (download.status_code, download.content) == (200, PNG)
    refused(lambda: as_(gov.reporter).get(f"{URL}/returns/{ret.pk}/attachments/{attachment['id']}"), 404)
    removed = as_(gov.education_reporter).delete(f"{URL}/returns/{ret.pk}/attachments/{attachment['id']}")
    assert removed.json()["attachments"] == []
