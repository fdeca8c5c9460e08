"""Member units' reports as pages (governance/views/reports.py): the reports' home, a new form pasted as JSON, a new
round, a round's page with its marks, the fill page (save a draft, submit; each error shown at its cell; read-only
after submitting), the office's accept/return and extension, attachments; 404 outside, 403 for what one reads but
may not change; nothing written on a refusal."""

import datetime
import json
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.governance.models import ReportForm, ReportReturn, ReportRound, ReturnAttachment, ReturnEvent
from tests.governance.factories import PNG, governance_fixtures
from tests.governance.report_factories import answers, form_make, quarterly, return_of, round_make, submitted

governance_built, gov = governance_fixtures()


def snapshot():
    return (list(ReportForm.objects.order_by("pk").values_list("pk", "code")), ReportRound.objects.count(),
            list(ReportReturn.objects.order_by("pk").values_list("pk", "state", "data", "extended_until")),
            ReturnEvent.objects.count(), ReturnAttachment.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def as_(client):
    def sign_in(user):
        client.logout()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def rnd(gov):
    return round_make(gov)


def page(response) -> str:
    return unescape(response.content.decode())


def _flat(data: dict, prefix: str = "d.") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_the_office_pastes_a_form_and_opens_a_round(gov, as_):
    client = as_(gov.city_admin)
    made = client.post(reverse("governance:reports"), {"committee": gov.committee.pk, "code": "quarterly",
                                                       "title": "季度报送", "schema": json.dumps(quarterly()["schema"])})
    assert made.status_code == 302
    form = ReportForm.objects.get(committee=gov.committee, code="quarterly")
    deadline = timezone.localtime(timezone.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    opened = client.post(reverse("governance:report_round_new", args=[form.pk]), {
        "title": "2026年第三季度", "period_start": "2026-07-01", "period_end": "2026-09-30", "deadline": deadline,
        "member_unit_ids": [gov.units["教育局"].pk], "committee_ids": [gov.lower["通川区"].pk]})
    rnd = ReportRound.objects.get(form=form)
    assert opened["Location"] == reverse("governance:report_round", args=[rnd.pk])
    shown = page(client.get(opened["Location"]))
    assert "达州市教育局" in shown and "通川区终身教育促进委员会" in shown


def test_a_bad_schema_and_a_bad_round_are_shown_and_nothing_is_written(gov, as_):
    client = as_(gov.city_admin)
    before = snapshot()
    response = client.post(reverse("governance:reports"), {"committee": gov.committee.pk, "code": "q",
                                                           "title": "x", "schema": "{not json"})
    assert response.status_code == 400 and "报表结构不是有效的 JSON" in page(response)
    form = form_make(gov)
    before = snapshot()
    response = client.post(reverse("governance:report_round_new", args=[form.pk]), {
        "title": "x", "period_start": "2026-07-01", "period_end": "2026-06-30", "deadline": "2020-01-01T10:00"})
    assert response.status_code == 400
    assert "统计期止不能早于统计期起" in page(response) and "截止时间须晚于现在" in page(response)
    assert snapshot() == before
    assert as_(gov.reporter).get(reverse("governance:report_round_new", args=[form.pk])).status_code == 403


def test_the_unit_saves_then_submits_and_the_page_turns_read_only(gov, rnd, as_):
    client = as_(gov.education_reporter)
    ret = return_of(rnd, gov.units["教育局"])
    fill = reverse("governance:report_return_fill", args=[ret.pk])
    assert client.post(fill, {"action": "save", "d.courses": "5"}).status_code == 302
    assert ReportReturn.objects.get(pk=ret.pk).data == {"courses": "5"}
    before = snapshot()
    response = client.post(fill, {"action": "submit", **_flat(answers(funds_total="99"))})
    assert response.status_code == 400
    assert 'data-testid="error-funds_total"' in page(response)
    assert "「经费投入合计」填的是 99.00" in page(response)
    assert snapshot() == before
    assert client.post(fill, {"action": "submit", **_flat(answers())}).status_code == 302
    shown = page(client.get(reverse("governance:report_return", args=[ret.pk])))
    assert 'data-testid="submit"' not in shown and "已报送" in shown


def test_a_cell_out_of_range_is_shown_at_the_cell(gov, rnd, as_):
    ret = return_of(rnd, gov.units["教育局"])
    response = as_(gov.education_reporter).post(reverse("governance:report_return_fill", args=[ret.pk]), {
        "action": "save", "d.funds_by_source.budget.amount": "-3"})
    assert response.status_code == 400
    assert 'data-testid="error-d.funds_by_source.budget.amount"' in page(response)


def test_another_unit_gets_404_and_the_office_may_not_fill_in(gov, rnd, as_):
    ret = return_of(rnd, gov.units["教育局"])
    assert as_(gov.reporter).get(reverse("governance:report_return", args=[ret.pk])).status_code == 404
    assert as_(gov.reporter).post(reverse("governance:report_return_fill", args=[ret.pk]),
                                  {"action": "save"}).status_code == 404
    before = snapshot()
    assert as_(gov.city_admin).post(reverse("governance:report_return_fill", args=[ret.pk]),
                                    {"action": "save", "d.courses": "1"}).status_code == 403
    assert snapshot() == before


def test_the_office_returns_with_a_comment_then_accepts_and_grants_an_extension(gov, rnd, as_):
    ret = submitted(gov, rnd)
    client = as_(gov.city_admin)
    decide = reverse("governance:report_return_decide", args=[ret.pk])
    response = client.post(decide, {"accept": "0", "comment": ""})
    assert response.status_code == 400 and "退回修改时请写明需要修改的内容" in page(response)
    assert client.post(decide, {"accept": "0", "comment": "请补充"}).status_code == 302
    assert ReportReturn.objects.get(pk=ret.pk).state == "returned"
    assert as_(gov.education_reporter).post(decide, {"accept": "1"}).status_code == 403
    other = return_of(rnd, gov.lower["通川区"])
    until = timezone.localtime(rnd.deadline + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    extend = reverse("governance:report_return_extend", args=[other.pk])
    assert as_(gov.city_admin).post(extend, {"until": until, "reason": "出差"}).status_code == 302
    assert ReportReturn.objects.get(pk=other.pk).extended_until is not None
    shown = page(as_(gov.city_admin).get(reverse("governance:report_round", args=[rnd.pk])))
    assert 'data-testid="extended"' in shown


def test_files_are_uploaded_downloaded_and_removed(gov, rnd, as_):
    ret = return_of(rnd, gov.units["教育局"])
    client = as_(gov.education_reporter)
    response = client.post(reverse("governance:report_attachments", args=[ret.pk]), {
        "field": "photos", "files": [SimpleUploadedFile("照片.png", PNG, content_type="image/png")]})
    assert response.status_code == 302
    attachment = ReturnAttachment.objects.get(report_return=ret)
    download = client.get(reverse("governance:report_attachment", args=[ret.pk, attachment.pk]))
    assert (download.status_code, download.content) == (200, PNG)
    assert as_(gov.reporter).get(reverse("governance:report_attachment", args=[ret.pk, attachment.pk])) \
        .status_code == 404
    client = as_(gov.education_reporter)
    assert client.post(reverse("governance:report_attachment_remove", args=[ret.pk, attachment.pk])) \
        .status_code == 302
    assert not ReturnAttachment.objects.filter(report_return=ret).exists()


def test_the_home_lists_the_units_returns_and_the_rounds(gov, rnd, as_):
    shown = page(as_(gov.education_reporter).get(reverse("governance:reports")))
    assert f'data-testid="return-{return_of(rnd, gov.units["教育局"]).pk}"' in shown
    assert 'data-testid="report-form-new"' not in shown
    shown = page(as_(gov.city_admin).get(reverse("governance:reports")))
    assert f'data-testid="report-round-{rnd.pk}"' in shown and 'data-testid="report-form-new"' in shown
    assert as_(gov.staff).get(reverse("governance:reports")).status_code == 403
