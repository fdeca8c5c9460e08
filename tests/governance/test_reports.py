"""Member units' reports (governance/services/reports.py): the office's forms and rounds; each unit's return saved,
submitted, accepted or returned and resubmitted; the lock after the deadline and the office's extension; every
refusal writes nothing; each role reaches only its own part."""

import copy
import datetime

import pytest
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.errors import NotFound, PermissionDenied
from learncity.governance.inputs.reports import ExtensionIn, FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.models import ReportForm, ReportReturn, ReportRound, ReturnEvent, ReturnState
from learncity.governance.services import reports
from tests.checks import refuses
from tests.governance.factories import governance_fixtures
from tests.governance.report_factories import answers, form_make, quarterly, return_of, round_make, submitted

governance_built, gov = governance_fixtures()
S = ReturnState
HOUR = datetime.timedelta(hours=1)


def snapshot():
    return (list(ReportForm.objects.order_by("pk").values_list("pk", "code")),
            list(ReportRound.objects.order_by("pk").values_list("pk", "locked_at")),
            list(ReportReturn.objects.order_by("pk").values_list("pk", "state", "data", "extended_until", "comment")),
            ReturnEvent.objects.count(), AuditEvent.objects.count())


refused = refuses(snapshot)


@pytest.fixture
def rnd(gov):
    return round_make(gov)


def _events(ret) -> list[tuple]:
    return list(ReturnEvent.objects.filter(report_return=ret).order_by("id").values_list(
        "action", "from_state", "to_state", "actor_id", "comment"))


# --- forms and rounds ---------------------------------------------------------------------------------------------

def test_the_office_makes_a_form_and_opens_a_round_with_one_draft_per_unit(gov):
    form = form_make(gov)
    assert (form.committee, form.code, form.title, form.created_by) == (
        gov.committee, "quarterly", "成员单位季度工作报送", gov.city_admin)
    rnd = round_make(gov, form)
    rows = list(ReportReturn.objects.filter(round=rnd).order_by("id").values_list("member_unit", "committee", "state"))
    assert rows == [(gov.units["人力资源和社会保障局"].pk, None, S.DRAFT), (gov.units["教育局"].pk, None, S.DRAFT),
                    (None, gov.lower["通川区"].pk, S.DRAFT)]
    assert (rnd.committee, rnd.opened_by, rnd.locked_at) == (gov.committee, gov.city_admin, None)
    assert AuditEvent.objects.filter(action="report.round_open", object_id=str(rnd.pk)).exists()


def test_a_bad_form_and_a_duplicate_code_are_refused(gov):
    form_make(gov)
    error = refused(form_make, gov=gov)
    assert error.errors == {"code": ["本委员会已有代码为「quarterly」的报表"]}
    schema = copy.deepcopy(quarterly()["schema"])
    schema["sections"][0]["fields"][0]["type"] = "date"
    error = refused(form_make, gov=gov, code="other", schema=schema)
    assert error.errors == {"courses.type": ["未知的填报项类型「date」（可用：number、text、attachments、table）"]}


@pytest.mark.parametrize("role", ["reporter", "district_admin", "auditor"])
def test_only_the_office_makes_forms(gov, role):
    refused(reports.form_create, PermissionDenied, actor=gov.user(role), committee=gov.committee,
            data=FormIn(**quarterly()))


def test_a_round_needs_a_future_deadline_an_ordered_period_and_units_of_the_committee(gov):
    form = form_make(gov)
    other = round_make  # the same factory, with wrong data
    error = refused(other, gov=gov, form=form, deadline=timezone.now() - HOUR, period_end="2026-06-30",
                    units=(), lower=(), member_unit_ids=[999999], committee_ids=[gov.committee.pk])
    assert error.errors == {"period_end": ["统计期止不能早于统计期起"], "deadline": ["截止时间须晚于现在"],
                            "member_unit_ids": ["这些单位不是本委员会的成员单位：999999"],
                            "committee_ids": [f"这些委员会不是本委员会的下级委员会：{gov.committee.pk}"]}
    error = refused(other, gov=gov, form=form, units=(), lower=())
    assert error.errors == {"member_unit_ids": ["请至少选择一个报送单位"]}


def test_a_rounds_period_is_whole_months_as_monitoring_counts_them(gov):
    form = form_make(gov)
    error = refused(round_make, gov=gov, form=form, period_start="2026-07-02", period_end="2026-09-29")
    assert error.errors == {"period_start": ["统计期须从某月1日开始（监测数据按月统计）"],
                            "period_end": ["统计期须到某月最后一天结束（监测数据按月统计）"]}
    assert round_make(gov, form=form, period_start="2026-02-01", period_end="2026-02-28").period_end.day == 28


def test_neither_a_district_office_nor_a_unit_opens_a_round_of_the_citys_form(gov):
    form = form_make(gov)
    data = ReportRoundIn(form_id=form.pk, title="x", period_start="2026-07-01", period_end="2026-09-30",
                   deadline=timezone.now() + HOUR, member_unit_ids=[gov.units["教育局"].pk])
    refused(reports.round_open, NotFound, actor=gov.district_admin, data=data)  # the city's forms are not its own
    refused(reports.round_open, PermissionDenied, actor=gov.reporter, data=data)  # a member unit reads, not opens


# --- the unit's return ----------------------------------------------------------------------------------------------

def test_a_unit_saves_a_partial_draft_then_submits_it_complete(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    ret = reports.return_save(actor=gov.education_reporter, report_return=ret,
                              data=ReturnIn(data={"courses": "12", "summary": "未完"}))
    assert (ret.state, ret.data, ret.submitted_at) == (S.DRAFT, {"courses": "12", "summary": "未完"}, None)
    ret = reports.return_submit(actor=gov.education_reporter, report_return=ret, data=ReturnIn(data=answers()))
    assert ret.state == S.SUBMITTED and ret.submitted_at == ret.first_submitted_at is not None
    assert ret.data["funds_total"] == "10.50"
    assert _events(ret) == [("save", S.DRAFT, S.DRAFT, gov.education_reporter.pk, ""),
                            ("submit", S.DRAFT, S.SUBMITTED, gov.education_reporter.pk, "")]
    assert ReturnEvent.objects.get(report_return=ret, action="submit").data == ret.data


def test_a_submission_with_rows_not_adding_up_names_the_cell_and_writes_nothing(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    error = refused(reports.return_submit, actor=gov.education_reporter, report_return=ret,
                    data=ReturnIn(data=answers(funds_total="9")))
    assert error.errors == {"funds_total": ["「经费投入合计」填的是 9.00，但「经费来源」各项之和是 10.50，两者须相等"]}


def test_a_draft_out_of_range_is_refused_naming_the_cell(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    error = refused(reports.return_save, actor=gov.education_reporter, report_return=ret,
                    data=ReturnIn(data={"funds_by_source": {"social": {"amount": "-1"}}}))
    assert error.errors == {
        "funds_by_source.social.amount": ["「经费来源·社会投入·金额」须在 0 到 1000000 万元之间，填的是 -1"]}


def test_a_reporter_of_another_unit_gets_not_found_and_the_office_may_not_fill_in(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    refused(reports.return_save, NotFound, actor=gov.reporter, report_return=ret, data=ReturnIn(data={}))
    refused(reports.return_submit, NotFound, actor=gov.district_admin, report_return=ret, data=ReturnIn(
        data=answers()))
    refused(reports.return_submit, PermissionDenied, actor=gov.city_admin, report_return=ret,
            data=ReturnIn(data=answers()))


def test_a_lower_committees_officials_fill_its_return_and_not_another_districts(gov, rnd):
    ret = return_of(rnd, gov.lower["通川区"])
    refused(reports.return_submit, NotFound, actor=gov.district_admin_2, report_return=ret,
            data=ReturnIn(data=answers()))
    ret = reports.return_submit(actor=gov.district_admin, report_return=ret, data=ReturnIn(data=answers()))
    assert ret.state == S.SUBMITTED


def test_the_office_returns_with_a_comment_and_the_unit_resubmits_then_it_is_accepted(gov, rnd):
    ret = submitted(gov, rnd)
    first = ret.first_submitted_at
    ret = reports.return_decide(actor=gov.city_admin, report_return=ret,
                                data=ReturnDecisionIn(accept=False, comment="经费来源请分列"))
    assert (ret.state, ret.comment) == (S.RETURNED, "经费来源请分列")
    later = timezone.now() + HOUR
    ret = reports.return_submit(actor=gov.education_reporter, report_return=ret, now=later,
                                data=ReturnIn(data=answers(courses="13")))
    assert (ret.state, ret.first_submitted_at, ret.submitted_at, ret.data["courses"]) == (
        S.SUBMITTED, first, later, "13")
    ret = reports.return_decide(actor=gov.city_admin, report_return=ret, data=ReturnDecisionIn(accept=True))
    assert ret.state == S.ACCEPTED and ret.accepted_at is not None
    assert [e[:3] for e in _events(ret)] == [("submit", S.DRAFT, S.SUBMITTED), ("return", S.SUBMITTED, S.RETURNED),
                                             ("submit", S.RETURNED, S.SUBMITTED),
                                             ("accept", S.SUBMITTED, S.ACCEPTED)]
    assert list(AuditEvent.objects.filter(object_id=str(ret.pk), action__startswith="report.").order_by(
        "id").values_list("action", flat=True)) == ["report.submit", "report.return", "report.submit",
                                                     "report.accept"]


def test_returning_needs_a_comment(gov, rnd):
    ret = submitted(gov, rnd)
    error = refused(reports.return_decide, actor=gov.city_admin, report_return=ret,
                    data=ReturnDecisionIn(accept=False))
    assert error.errors == {"comment": ["退回修改时请写明需要修改的内容"]}


@pytest.mark.parametrize("state", [S.DRAFT, S.ACCEPTED, S.RETURNED])
def test_only_a_submitted_return_is_decided(gov, rnd, state):
    ret = return_of(rnd, gov.units["教育局"])
    if state != S.DRAFT:
        ret = reports.return_decide(actor=gov.city_admin, report_return=submitted(gov, rnd),
                                    data=ReturnDecisionIn(accept=state == S.ACCEPTED, comment="改"))
    error = refused(reports.return_decide, actor=gov.city_admin, report_return=ret,
                    data=ReturnDecisionIn(accept=True))
    assert error.code == "transition_refused"
    assert error.errors["state"][0].startswith("报表当前为")


def test_an_accepted_or_submitted_return_is_never_edited(gov, rnd):
    ret = submitted(gov, rnd)
    error = refused(reports.return_save, actor=gov.education_reporter, report_return=ret,
                    data=ReturnIn(data={"courses": "1"}))
    assert error.errors == {"state": ["报表当前为「已报送」，不能修改"]}
    ret = reports.return_decide(actor=gov.city_admin, report_return=ret, data=ReturnDecisionIn(accept=True))
    for call in (reports.return_save, reports.return_submit):
        error = refused(call, actor=gov.education_reporter, report_return=ret, data=ReturnIn(data=answers()))
        assert error.errors == {"state": ["报表当前为「已采纳」，不能修改"]}


@pytest.mark.parametrize("role", ["reporter", "education_reporter", "district_admin"])
def test_units_do_not_decide(gov, rnd, role):
    ret = submitted(gov, rnd)
    actor = gov.education_reporter if role == "education_reporter" else gov.user(role)
    exc = PermissionDenied if role == "education_reporter" else NotFound
    refused(reports.return_decide, exc, actor=actor, report_return=ret, data=ReturnDecisionIn(accept=True))


# --- the lock and the extension -------------------------------------------------------------------------------------

def test_after_the_deadline_a_draft_is_locked_until_the_office_extends_it(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    late = rnd.deadline + HOUR
    error = refused(reports.return_submit, actor=gov.education_reporter, report_return=ret, now=late,
                    data=ReturnIn(data=answers()))
    assert error.code == "locked"
    refused(reports.return_save, actor=gov.education_reporter, report_return=ret, now=late,
            data=ReturnIn(data={"courses": "1"}))
    until = rnd.deadline + 3 * HOUR
    ret = reports.extension_grant(actor=gov.city_admin, report_return=ret, now=late,
                                  data=ExtensionIn(until=until, reason="系统故障"))
    assert ret.extended_until == until
    assert _events(ret) == [("extend", S.DRAFT, S.DRAFT, gov.city_admin.pk, "系统故障")]
    assert ReturnEvent.objects.get(report_return=ret).until == until
    ret = reports.return_submit(actor=gov.education_reporter, report_return=ret, now=late + HOUR,
                                data=ReturnIn(data=answers()))
    assert (ret.state, ret.first_submitted_at) == (S.SUBMITTED, late + HOUR)


def test_after_the_extension_ends_the_return_is_locked_again(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    ret = reports.extension_grant(actor=gov.city_admin, report_return=ret,
                                  data=ExtensionIn(until=rnd.deadline + HOUR, reason="出差"))
    error = refused(reports.return_submit, actor=gov.education_reporter, report_return=ret,
                    now=rnd.deadline + 2 * HOUR, data=ReturnIn(data=answers()))
    assert error.code == "locked"


def test_a_returned_return_is_resubmitted_after_the_deadline(gov, rnd):
    ret = reports.return_decide(actor=gov.city_admin, report_return=submitted(gov, rnd),
                                data=ReturnDecisionIn(accept=False, comment="补充"))
    ret = reports.return_submit(actor=gov.education_reporter, report_return=ret, now=rnd.deadline + HOUR,
                                data=ReturnIn(data=answers()))
    assert ret.state == S.SUBMITTED


def test_an_extension_needs_a_reason_a_later_time_and_an_open_return(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    error = refused(reports.extension_grant, actor=gov.city_admin, report_return=ret,
                    data=ExtensionIn(until=rnd.deadline - HOUR))
    deadline = timezone.localtime(rnd.deadline).strftime("%Y-%m-%d %H:%M")
    assert error.errors == {"reason": ["请说明延期的原因"], "until": [f"延期须晚于现在和截止时间 {deadline}"]}
    ret = submitted(gov, rnd)
    error = refused(reports.extension_grant, actor=gov.city_admin, report_return=ret,
                    data=ExtensionIn(until=rnd.deadline + HOUR, reason="x"))
    assert error.errors == {"state": ["报表当前为「已报送」，不需要延期"]}
    refused(reports.extension_grant, PermissionDenied, actor=gov.education_reporter, report_return=ret,
            data=ExtensionIn(until=rnd.deadline + HOUR, reason="x"))


def test_the_sweep_records_the_lock_once(gov, rnd):
    reports.rounds_lock(now=rnd.deadline - HOUR)  # the rounds already past then (the demo city's) are locked
    rnd.refresh_from_db()
    assert rnd.locked_at is None
    late = rnd.deadline + HOUR
    assert reports.rounds_lock(now=late) == 1
    assert reports.rounds_lock(now=late + HOUR) == 0
    rnd.refresh_from_db()
    assert rnd.locked_at == late
    assert AuditEvent.objects.get(action="report.round_lock", object_id=str(rnd.pk)).detail == {"late": 3}
