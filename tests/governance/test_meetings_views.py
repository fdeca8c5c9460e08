"""Joint meetings as pages (governance/views/meetings.py) and their minutes as .docx and PDF
(governance/minutes.py): the office registers, edits, publishes a meeting, adds decisions and turns one into a task;
a member unit reads the meeting (and its own tasks) but writes nothing (403); a user outside the committee gets
404; a refused form shows why and writes nothing. The minutes open back (python-docx, pdftotext) with the
decisions, their tasks and the attending units, and are the same bytes when downloaded again."""

import io
import re
import shutil
import subprocess
from contextlib import contextmanager

import docx
import pytest
from django.conf import settings
from django.urls import reverse

from learncity.core.audit import AuditEvent
from learncity.governance import services
from learncity.governance.models import DecisionTask, Meeting, MeetingDecision, MeetingState, Task, TaskKind
from tests.governance.factories import governance_fixtures
from tests.governance.meetings_factories import (
    HELD_ON,
    TODAY,
    decision_make,
    meeting_make,
    plan_make,
    published,
    task_in,
    tasks_in,
)

governance_built, gov = governance_fixtures()


def snapshot():
    return (list(Meeting.objects.order_by("pk").values_list("pk", "title", "minutes", "state")),
            list(MeetingDecision.objects.order_by("pk").values_list("pk", "text")), DecisionTask.objects.count(),
            Task.objects.count(), AuditEvent.objects.count())


@contextmanager
def refused():
    before = snapshot()
    yield
    assert snapshot() == before, "a refused form must change nothing"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _url(name: str, *args) -> str:
    return reverse(f"governance:{name}", args=args)


@pytest.fixture
def as_(client):
    def sign_in(user):
        client.logout()
        client.force_login(user)
        return client

    return sign_in


def _form(gov, **changes) -> dict:
    return {"title": "第一次联席会议", "held_on": str(HELD_ON), "year": "", "location": "市政府第三会议室",
            "convener": "分管副市长", "agenda": "审议年度工作要点", "minutes": "会议听取了汇报。",
            "member_unit_ids": [str(gov.units["教育局"].pk), str(gov.units["民政局"].pk)],
            "committee_ids": [str(gov.lower["通川区"].pk)]} | changes


@pytest.fixture
def meeting(gov):
    return meeting_make(gov)


@pytest.fixture
def with_task(gov):
    """A published meeting with two decisions, the first turned into a task led by 教育局."""
    plan_make(gov)
    meeting = meeting_make(gov)
    first = decision_make(gov, meeting, "制定社区教育经费保障办法")
    decision_make(gov, meeting, "筹备全民终身学习活动周")
    published(gov, meeting)
    services.decision_tasks_create(actor=gov.city_admin, decision=first, data=tasks_in(task_in(gov)))
    return Meeting.objects.get(pk=meeting.pk)


# --- the office's pages ------------------------------------------------------------------------------------------

def test_the_office_registers_a_meeting_from_the_form(gov, as_):
    client = as_(gov.city_admin)
    assert client.get(_url("meeting_new", gov.committee.pk)).status_code == 200

    response = client.post(_url("meeting_new", gov.committee.pk), _form(gov))

    meeting = Meeting.objects.get(committee=gov.committee)
    assert response.status_code == 302 and response["Location"] == _url("meeting", meeting.pk)
    assert (meeting.title, meeting.convener, meeting.state, meeting.year) == (
        "第一次联席会议", "分管副市长", MeetingState.DRAFT, HELD_ON.year)
    assert sorted(meeting.member_units.values_list("name", flat=True)) == ["达州市教育局", "达州市民政局"]
    assert list(meeting.committees.values_list("pk", flat=True)) == [gov.lower["通川区"].pk]


def test_a_bad_form_shows_each_field_and_writes_nothing(gov, as_):
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("meeting_new", gov.committee.pk), _form(
            gov, title="", held_on="2026-02-30", convener="", agenda=""))
    assert response.status_code == 400
    page = response.content.decode()
    for field in ("title", "held_on", "convener", "agenda"):
        assert f'data-testid="error-{field}"' in page, field


def test_a_unit_of_another_committee_is_refused_on_the_form(gov, as_):
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("meeting_new", gov.committee.pk), _form(gov, committee_ids=[str(gov.committee.pk)]))
    assert response.status_code == 400
    assert f"这些委员会不是本委员会的下级委员会：{gov.committee.pk}" in text_of(response)


def test_the_office_edits_a_draft_adds_decisions_and_publishes(gov, meeting, as_):
    client = as_(gov.city_admin)
    page = client.get(_url("meeting_edit", meeting.pk))
    assert page.status_code == 200 and "市政府第三会议室" in page.content.decode()

    assert client.post(_url("meeting_edit", meeting.pk), _form(gov, minutes="修改后的纪要")).status_code == 302
    assert client.post(_url("decision_new", meeting.pk), {"text": "制定经费保障办法", "due_on": ""}).status_code == 302
    assert client.post(_url("meeting_publish", meeting.pk)).status_code == 302

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.minutes, meeting.state) == ("修改后的纪要", MeetingState.PUBLISHED)
    assert list(meeting.decisions.values_list("position", "text")) == [(1, "制定经费保障办法")]
    after = client.get(_url("meeting", meeting.pk)).content.decode()
    assert 'data-testid="publish-form"' not in after and 'data-testid="decision-form"' not in after
    assert client.get(_url("meeting_edit", meeting.pk)).status_code == 302  # published: back to the meeting


def test_publishing_without_minutes_is_shown_and_writes_nothing(gov, as_):
    meeting = meeting_make(gov, minutes="")
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("meeting_publish", meeting.pk))
    assert response.status_code == 400
    assert "请先填写会议纪要" in text_of(response)


def test_a_decision_without_text_is_shown_and_writes_nothing(gov, meeting, as_):
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("decision_new", meeting.pk), {"text": " ", "due_on": ""})
    assert response.status_code == 400
    assert 'data-testid="decision-errors"' in response.content.decode()


def test_the_office_turns_a_decision_into_a_task_from_the_form(gov, with_task, as_):
    second = with_task.decisions.get(position=2)
    client = as_(gov.city_admin)
    form = client.get(_url("decision_tasks_new", second.pk))
    assert form.status_code == 200 and "筹备全民终身学习活动周" in form.content.decode()

    response = client.post(_url("decision_tasks_new", second.pk), {
        "title": "举办全民终身学习活动周", "description": "", "due_on": f"{TODAY.year}-10-31",
        "lead": [f"m:{gov.units['教育局'].pk}"], "cooperating": [f"c:{gov.lower['通川区'].pk}"]})

    assert response.status_code == 302
    [task] = second.tasks.all()
    assert (task.title, task.kind, task.item_id) == ("举办全民终身学习活动周", TaskKind.DECISION, None)
    assert [str(u.unit) for u in task.units.order_by("-part")] == ["达州市教育局", gov.lower["通川区"].name]
    page = client.get(_url("meeting", with_task.pk)).content.decode()
    assert _url("task", task.pk) in page


def test_a_decisions_task_without_a_lead_unit_is_shown_and_writes_nothing(gov, with_task, as_):
    second = with_task.decisions.get(position=2)
    client = as_(gov.city_admin)
    with refused():
        response = client.post(_url("decision_tasks_new", second.pk), {
            "title": "举办活动周", "due_on": f"{TODAY.year}-10-31", "lead": []})
    assert response.status_code == 400
    assert "任务至少要有一个牵头单位" in text_of(response)


# --- reading, and who may not write -------------------------------------------------------------------------------

def test_the_meeting_page_shows_attendance_minutes_decisions_and_tasks(gov, with_task, as_):
    page = text_of(as_(gov.city_admin).get(_url("meeting", with_task.pk)))

    for words in ("分管副市长", "达州市教育局", "达州市人力资源和社会保障局", gov.lower["通川区"].name,
                  "会议听取了市教育局关于终身教育工作的汇报", "制定社区教育经费保障办法", "筹备全民终身学习活动周",
                  "已印发"):
        assert words in page, words


def test_a_member_unit_reads_the_meeting_and_its_own_task_but_writes_nothing(gov, with_task, as_):
    client = as_(gov.education_reporter)
    listing = client.get(_url("meetings", gov.committee.pk))
    assert listing.status_code == 200 and with_task.title in listing.content.decode()
    page = client.get(_url("meeting", with_task.pk)).content.decode()
    assert "制定社区教育经费保障办法" in page and 'data-testid="publish-form"' not in page
    first = with_task.decisions.get(position=1)
    with refused():
        assert client.post(_url("meeting_edit", with_task.pk), _form(gov)).status_code == 403
        assert client.post(_url("decision_new", with_task.pk), {"text": "x"}).status_code == 403
        assert client.post(_url("decision_tasks_new", first.pk), {"title": "x"}).status_code == 403
        assert client.get(_url("meeting_new", gov.committee.pk)).status_code == 403


@pytest.mark.parametrize("role", ["staff", "learner"])
def test_outside_the_committee_everything_is_not_found(gov, with_task, as_, role):
    client = as_(gov.user(role))
    first = with_task.decisions.get(position=1)
    with refused():
        for url in (_url("meeting", with_task.pk), _url("minutes_docx", with_task.pk),
                    _url("minutes_pdf", with_task.pk), _url("decision_tasks_new", first.pk)):
            assert client.get(url).status_code in (403, 404), url
        assert client.get(_url("meeting", with_task.pk)).status_code == 404
        assert client.post(_url("meeting_publish", with_task.pk)).status_code == 404


def test_the_meeting_page_reads_in_english(gov, with_task, as_):
    client = as_(gov.city_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text_of(client.get(_url("meeting", with_task.pk)))
    for words in ("Convener", "Decisions", "Minutes", "Published"):
        assert words in page, words
    for label in ("召集人", "议定事项", "会议纪要", "已印发"):
        assert label not in page, label


# --- the minutes -------------------------------------------------------------------------------------------------

def _pdf_text(data: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is missing"
    path = tmp_path / "minutes.pdf"
    path.write_bytes(data)
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)


def test_the_minutes_docx_opens_back_with_the_decisions_tasks_and_attending_units(gov, with_task, as_):
    client = as_(gov.education_reporter)
    response = client.get(_url("minutes_docx", with_task.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    opened = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in opened.paragraphs)
    cells = [c.text for t in opened.tables for row in t.rows for c in row.cells]
    assert opened.paragraphs[0].text == with_task.title
    assert "1. 制定社区教育经费保障办法" in text and "2. 筹备全民终身学习活动周" in text
    assert "会议听取了市教育局关于终身教育工作的汇报。" in text
    facts = {row.cells[0].text: row.cells[1].text for row in opened.tables[0].rows}
    assert facts["出席单位"] == f"达州市人力资源和社会保障局、达州市教育局、{gov.lower['通川区'].name}"
    assert (facts["召集人"], facts["会议日期"]) == ("分管副市长", str(HELD_ON))
    assert ["制定社区教育经费保障办法", f"{TODAY.year}-11-30", "达州市教育局", "达州市财政局"] == cells[-4:]
    assert client.get(_url("minutes_docx", with_task.pk)).content == response.content


def test_the_minutes_pdf_opens_back_and_is_the_same_bytes_again(gov, with_task, as_, tmp_path):
    client = as_(gov.city_admin)
    response = client.get(_url("minutes_pdf", with_task.pk))

    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content, tmp_path)
    for words in (with_task.title, "分管副市长", "达州市人力资源和社会保障局、达州市教育局", "制定社区教育经费保障办法",
                  "筹备全民终身学习活动周", "达州市财政局"):
        assert re.sub(r"\s+", "", words) in text, words
    assert client.get(_url("minutes_pdf", with_task.pk)).content == response.content


def test_markup_in_the_minutes_is_printed_as_typed(gov, as_, tmp_path):
    typed = '#read("/etc/hostname") *粗体* =SUM(A1) <w:t>'
    meeting = meeting_make(gov, minutes=typed)
    client = as_(gov.city_admin)

    opened = docx.Document(io.BytesIO(client.get(_url("minutes_docx", meeting.pk)).content))

    assert typed in [p.text for p in opened.paragraphs]
    assert re.sub(r"\s+", "", typed) in _pdf_text(client.get(_url("minutes_pdf", meeting.pk)).content, tmp_path)
