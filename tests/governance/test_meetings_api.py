"""Joint meetings through the JSON API (governance/api/meetings.py), with bearer tokens: the office creates,
updates, publishes a meeting, adds decisions and turns one into tasks; a member unit reads; a malformed body is
a 422 naming the field, a refused one a 400 with the field's message, a member unit's write a 403, anything outside
the caller's scope a 404, and no refusal writes anything."""

import io

import docx
import pytest

from learncity.core.audit import AuditEvent
from learncity.governance.models import DecisionTask, Meeting, MeetingDecision, MeetingState, Task, TaskKind
from tests.governance.factories import governance_fixtures
from tests.governance.meetings_factories import (
    HELD_ON,
    TODAY,
    decision_make,
    meeting_make,
    plan_make,
    published,
)

governance_built, gov = governance_fixtures()
URL = "/api/governance"


def snapshot():
    return (list(Meeting.objects.order_by("pk").values_list("pk", "title", "minutes", "state")),
            list(MeetingDecision.objects.order_by("pk").values_list("pk", "text")), DecisionTask.objects.count(),
            Task.objects.count(), AuditEvent.objects.count())


def refused(send, status: int, code: str | None = None) -> dict:
    before = snapshot()
    response = send()
    assert response.status_code == status, response.content.decode()[:1000]
    body = response.json()
    if code:
        assert body["code"] == code, body
    assert snapshot() == before, "a refused call must change nothing"
    return body


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def as_(gov, api_as):
    clients = {}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = api_as(user)
        return clients[user.pk]

    for user in (gov.city_admin, gov.education_reporter, gov.staff, gov.learner):
        make(user)  # every token (and its audit row) made before a test compares
    return make


def _body(gov, **changes) -> dict:
    return {"title": "第一次联席会议", "held_on": str(HELD_ON), "location": "市政府第三会议室",
            "convener": "分管副市长", "agenda": "审议年度工作要点", "minutes": "会议听取了汇报。",
            "member_unit_ids": [gov.units["教育局"].pk], "committee_ids": [gov.lower["达川区"].pk]} | changes


def _task(gov, **changes) -> dict:
    return {"title": "制定社区教育经费保障办法", "due_on": f"{TODAY.year}-11-30",
            "lead": [{"member_unit_id": gov.units["教育局"].pk}],
            "cooperating": [{"committee_id": gov.lower["达川区"].pk}]} | changes


def test_the_office_creates_updates_publishes_and_makes_tasks(gov, as_):
    plan_make(gov)
    client = as_(gov.city_admin)

    created = post(client, f"{URL}/committees/{gov.committee.pk}/meetings", _body(gov))
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert (meeting["state"], meeting["year"], meeting["convener"]) == ("draft", HELD_ON.year, "分管副市长")
    assert [u["name"] for u in meeting["member_units"]] == ["达州市教育局"]
    assert [c["id"] for c in meeting["committees"]] == [gov.lower["达川区"].pk]

    pk = meeting["id"]
    updated = client.put(f"{URL}/meetings/{pk}", _body(gov, minutes="修改后的纪要"), content_type="application/json")
    assert (updated.status_code, updated.json()["minutes"]) == (200, "修改后的纪要")
    decision = post(client, f"{URL}/meetings/{pk}/decisions", {"text": "制定经费保障办法", "due_on": None})
    assert decision.status_code == 201 and decision.json()["position"] == 1
    assert post(client, f"{URL}/meetings/{pk}/publish").json()["state"] == "published"

    made = post(client, f"{URL}/decisions/{decision.json()['id']}/tasks", {"tasks": [_task(gov)]})

    assert made.status_code == 201, made.content
    [task] = made.json()["tasks"]
    assert (task["kind"], task["item_id"], task["title"]) == (TaskKind.DECISION, None, "制定社区教育经费保障办法")
    assert [(u["part"], u["name"]) for u in task["units"]] == [("lead", "达州市教育局"),
                                                                ("cooperating", gov.lower["达川区"].name)]
    read = client.get(f"{URL}/meetings/{pk}").json()
    assert [t["id"] for t in read["decisions"][0]["tasks"]] == [task["id"]]
    assert [m["id"] for m in client.get(f"{URL}/committees/{gov.committee.pk}/meetings").json()] == [pk]


def test_a_malformed_body_is_422_naming_the_field(gov, as_):
    body = refused(lambda: post(as_(gov.city_admin), f"{URL}/committees/{gov.committee.pk}/meetings",
                                _body(gov, held_on="明天", convener="")), 422)
    assert "held_on" in str(body) and "convener" in str(body)


def test_a_refused_body_is_400_with_the_fields_message(gov, as_):
    body = refused(lambda: post(as_(gov.city_admin), f"{URL}/committees/{gov.committee.pk}/meetings",
                                _body(gov, committee_ids=[gov.committee.pk])), 400)
    assert body["errors"] == {"committee_ids": [f"这些委员会不是本委员会的下级委员会：{gov.committee.pk}"]}


def test_a_published_meeting_is_not_updated_nor_published_again(gov, as_):
    meeting = published(gov, meeting_make(gov))
    client = as_(gov.city_admin)

    refused(lambda: client.put(f"{URL}/meetings/{meeting.pk}", _body(gov), content_type="application/json"), 400,
            "meeting_published")
    refused(lambda: post(client, f"{URL}/meetings/{meeting.pk}/publish"), 400, "meeting_published")
    refused(lambda: post(client, f"{URL}/meetings/{meeting.pk}/decisions", {"text": "x"}), 400, "meeting_published")
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.PUBLISHED


def test_no_lead_unit_and_no_plan_are_refused(gov, as_):
    meeting = meeting_make(gov)
    decision = decision_make(gov, meeting)
    published(gov, meeting)
    client = as_(gov.city_admin)

    no_plan = refused(lambda: post(client, f"{URL}/decisions/{decision.pk}/tasks", {"tasks": [_task(gov)]}), 400,
                      "no_plan")
    assert list(no_plan["errors"]) == ["plan"]
    plan_make(gov)
    no_lead = refused(lambda: post(client, f"{URL}/decisions/{decision.pk}/tasks",
                                   {"tasks": [_task(gov, lead=[])]}), 400)
    assert no_lead["errors"] == {"tasks.0.lead": ["任务至少要有一个牵头单位"]}
    refused(lambda: post(client, f"{URL}/decisions/{decision.pk}/tasks", {"tasks": []}), 422)


def test_a_member_unit_reads_but_writes_nothing(gov, as_):
    meeting = meeting_make(gov)
    decision = decision_make(gov, meeting)
    client = as_(gov.education_reporter)

    assert client.get(f"{URL}/meetings/{meeting.pk}").json()["decisions"][0]["text"] == decision.text
    refused(lambda: post(client, f"{URL}/committees/{gov.committee.pk}/meetings", _body(gov)), 403)
    refused(lambda: client.put(f"{URL}/meetings/{meeting.pk}", _body(gov), content_type="application/json"), 403)
    refused(lambda: post(client, f"{URL}/meetings/{meeting.pk}/decisions", {"text": "x"}), 403)
    refused(lambda: post(client, f"{URL}/meetings/{meeting.pk}/publish"), 403)


@pytest.mark.parametrize("role", ["staff", "learner"])
def test_outside_the_committee_everything_is_not_found(gov, as_, role):
    meeting = meeting_make(gov)
    decision = decision_make(gov, meeting)
    client = as_(gov.user(role))

    for url in (f"{URL}/meetings/{meeting.pk}", f"{URL}/meetings/{meeting.pk}/minutes.docx",
                f"{URL}/meetings/{meeting.pk}/minutes.pdf", f"{URL}/committees/{gov.committee.pk}/meetings"):
        refused(lambda u=url: client.get(u), 404)
    refused(lambda: post(client, f"{URL}/meetings/{meeting.pk}/publish"), 404)
    refused(lambda: post(client, f"{URL}/decisions/{decision.pk}/tasks", {"tasks": [_task(gov)]}), 404)


def test_the_minutes_download_the_same_bytes_and_open_back(gov, as_):
    meeting = meeting_make(gov)
    decision_make(gov, meeting, "筹备全民终身学习活动周")
    client = as_(gov.education_reporter)

    first = client.get(f"{URL}/meetings/{meeting.pk}/minutes.docx")
    pdf = client.get(f"{URL}/meetings/{meeting.pk}/minutes.pdf")

    assert first.status_code == 200 and pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(f"{URL}/meetings/{meeting.pk}/minutes.docx").content == first.content
    assert client.get(f"{URL}/meetings/{meeting.pk}/minutes.pdf").content == pdf.content
    text = [p.text for p in docx.Document(io.BytesIO(first.content)).paragraphs]
    assert "1. 筹备全民终身学习活动周" in text
