"""Member units' reports, beyond the moves (governance/services/reports.py, selectors/reports.py, the sweep):
reminders by e-mail once a day before the deadline, the sweep's lock, attachments while a return is editable, and
who reads what (the office every return of its round, a unit its own; the service hall's due and returned)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.governance import selectors
from learncity.governance.inputs.reports import ExtensionIn, ReturnDecisionIn
from learncity.governance.models import ReportReturn, ReturnAttachment, ReturnEvent, ReturnState
from learncity.governance.services import reports
from learncity.people.models import User
from tests.checks import refuses
from tests.governance.factories import PDF, PNG, governance_fixtures
from tests.governance.report_factories import return_of, round_make, submitted

governance_built, gov = governance_fixtures()
S = ReturnState
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def snapshot():
    return (list(ReportReturn.objects.order_by("pk").values_list("pk", "state", "data")),
            list(ReturnAttachment.objects.order_by("pk").values_list("pk", "name")), ReturnEvent.objects.count(),
            AuditEvent.objects.count())


refused = refuses(snapshot)


@pytest.fixture
def rnd(gov):
    User.objects.filter(pk=gov.education_reporter.pk).update(email="jy@example.org")
    User.objects.filter(pk=gov.reporter.pk).update(email="rs@example.org")
    User.objects.filter(pk=gov.district_admin.pk).update(email="tc@example.org")
    return round_make(gov, deadline=timezone.now() + 10 * DAY)


def _reminded(rnd, now, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return reports.reminders_send(now=now)


def _mine(rnd) -> list:
    return list(ReturnEvent.objects.filter(report_return__round=rnd, action="remind").order_by(
        "report_return_id", "id").values_list("report_return_id", "data"))


# --- reminders and the lock ------------------------------------------------------------------------------------------

def test_reminders_go_within_remind_days_to_the_units_still_to_submit_once_a_day(
        gov, rnd, django_capture_on_commit_callbacks):
    submitted(gov, rnd, "人力资源和社会保障局", actor=gov.reporter)
    assert _reminded(rnd, rnd.deadline - 4 * DAY, django_capture_on_commit_callbacks) == 0  # remind_days is 3
    assert mail.outbox == []
    day = rnd.deadline - 2 * DAY
    _reminded(rnd, day, django_capture_on_commit_callbacks)
    education, tongchuan = return_of(rnd, gov.units["教育局"]), return_of(rnd, gov.lower["通川区"])
    assert _mine(rnd) == [(education.pk, {"day": timezone.localdate(day).isoformat(), "to": ["jy@example.org"]}),
                          (tongchuan.pk, {"day": timezone.localdate(day).isoformat(), "to": ["tc@example.org"]})]
    assert sorted(m.to[0] for m in mail.outbox) == ["jy@example.org", "tc@example.org"]
    assert mail.outbox[0].subject.startswith("【报送提醒】2026年第三季度 将于")
    same_day = day + HOUR if timezone.localdate(day + HOUR) == timezone.localdate(day) else day - HOUR
    _reminded(rnd, same_day, django_capture_on_commit_callbacks)  # the same day: nothing more
    assert (len(_mine(rnd)), len(mail.outbox)) == (2, 2)
    _reminded(rnd, day + DAY, django_capture_on_commit_callbacks)  # the next day: again
    assert (len(_mine(rnd)), len(mail.outbox)) == (4, 4)


def test_no_reminder_after_the_deadline_and_the_sweep_locks_the_round_once(gov, rnd):
    late = rnd.deadline + HOUR
    assert reports.reminders_send(now=late) == 0
    out = io.StringIO()
    call_command("governance", "sweep", "--today", (timezone.localdate(rnd.deadline) + DAY).isoformat(), stdout=out)
    rnd.refresh_from_db()
    assert rnd.locked_at is not None
    assert out.getvalue().splitlines()[1].endswith("份报表已发送提醒")
    assert reports.rounds_lock(now=late + DAY) == 0


# --- attachments -----------------------------------------------------------------------------------------------------

def test_a_unit_adds_and_removes_files_while_its_return_is_editable(gov, rnd):
    ret = return_of(rnd, gov.units["教育局"])
    rows = reports.attachment_add(actor=gov.education_reporter, report_return=ret, field="photos",
                                  files=[("照片.png", PNG), ("签到表.pdf", PDF)])
    assert [(r.field, r.name, r.content_type, r.size) for r in rows] == [
        ("photos", "照片.png", "image/png", len(PNG)), ("photos", "签到表.pdf", "application/pdf", len(PDF))]
    reports.attachment_remove(actor=gov.education_reporter, attachment=rows[0])
    assert list(ReturnAttachment.objects.filter(report_return=ret).values_list("name", flat=True)) == ["签到表.pdf"]
    ret = submitted(gov, rnd)
    error = refused(reports.attachment_add, actor=gov.education_reporter, report_return=ret, field="photos",
                    files=[("照片.png", PNG)])
    assert error.errors == {"state": ["报表当前为「已报送」，不能修改"]}
    refused(reports.attachment_remove, actor=gov.education_reporter, attachment=rows[1])


@pytest.mark.parametrize(("field", "files", "errors"), [
    ("summary", [("a.png", PNG)], {"field": ["本报表没有附件项「summary」"]}),
    ("photos", [("a.txt", b"hi")], {"photos": ["文件「a.txt」不是 PDF、JPG 或 PNG"]}),
    ("photos", [], {"photos": ["请选择文件"]}),
], ids=["not_an_attachment_field", "not_evidence", "none"])
def test_wrong_files_are_refused_by_their_field(gov, rnd, field, files, errors):
    error = refused(reports.attachment_add, actor=gov.education_reporter, report_return=return_of(
        rnd, gov.units["教育局"]), field=field, files=files)
    assert error.errors == errors


def test_another_units_reporter_adds_no_file(gov, rnd):
    refused(reports.attachment_add, NotFound, actor=gov.reporter, report_return=return_of(rnd, gov.units["教育局"]),
            field="photos", files=[("a.png", PNG)])


# --- who reads what --------------------------------------------------------------------------------------------------

def test_the_office_reads_every_return_of_its_round_and_a_unit_only_its_own(gov, rnd):
    office = selectors.report_round_returns(actor=gov.city_admin, rnd=rnd)
    assert [r.unit for r in office] == [gov.units["人力资源和社会保障局"], gov.units["教育局"], gov.lower["通川区"]]
    assert [r.unit for r in selectors.report_round_returns(actor=gov.reporter, rnd=rnd)] == [
        gov.units["人力资源和社会保障局"]]
    assert [r.unit for r in selectors.report_round_returns(actor=gov.district_admin, rnd=rnd)] == [gov.lower["通川区"]]
    with pytest.raises(NotFound):
        selectors.report_round_get(actor=gov.district_admin_2, pk=rnd.pk)
    with pytest.raises(NotFound):
        selectors.return_get(actor=gov.reporter, pk=return_of(rnd, gov.units["教育局"]).pk)
    assert [r.unit for r in selectors.returns_mine(actor=gov.education_reporter)] == [gov.units["教育局"]]
    assert list(selectors.returns_mine(actor=gov.auditor)) == []


def test_the_round_summary_counts_states_late_and_extended(gov, rnd):
    on_time = submitted(gov, rnd, "人力资源和社会保障局", actor=gov.reporter)
    reports.extension_grant(actor=gov.city_admin, report_return=return_of(rnd, gov.units["教育局"]),
                            data=ExtensionIn(until=rnd.deadline + DAY, reason="出差"))
    rnd.deadline = timezone.now() - datetime.timedelta(seconds=1)  # the deadline has just passed
    rnd.save(update_fields=["deadline"])
    ReportReturn.objects.filter(pk=on_time.pk).update(first_submitted_at=rnd.deadline - HOUR)  # it came in time
    summary = selectors.report_round_summary(returns=selectors.report_round_returns(actor=gov.city_admin, rnd=rnd))
    assert summary == {"by_state": {"draft": 2, "submitted": 1, "returned": 0, "accepted": 0}, "total": 3,
                       "late": 2, "extended": 1}


def test_the_service_hall_shows_the_units_returns_due_and_returned_in_one_query(
        gov, rnd, django_assert_num_queries):
    ret = reports.return_decide(actor=gov.city_admin, report_return=submitted(gov, rnd),
                                data=ReturnDecisionIn(accept=False, comment="补充"))
    other = round_make(gov, title="2026年第二季度", form=rnd.form)
    with django_assert_num_queries(1):
        home = selectors.home_reports(actor=gov.education_reporter)
    assert ([r.pk for r in home["due"]], [r.pk for r in home["returned"]]) == (
        [return_of(other, gov.units["教育局"]).pk], [ret.pk])
    assert selectors.home_reports(actor=gov.auditor) == {"due": [], "returned": []}
    assert [r.pk for r in selectors.home_reports(actor=gov.education_reporter, now=other.deadline + HOUR)["due"]] \
        == []


def test_an_office_decision_on_another_committees_return_is_refused(gov, rnd):
    ret = submitted(gov, rnd)
    refused(reports.return_decide, NotFound, actor=gov.district_admin, report_return=ret,
            data=ReturnDecisionIn(accept=True))
    refused(reports.extension_grant, PermissionDenied, actor=gov.reporter,
            report_return=return_of(rnd, gov.units["人力资源和社会保障局"]),
            data=ExtensionIn(until=rnd.deadline + DAY, reason="x"))


def test_a_draft_cannot_be_decided_and_nothing_is_written(gov, rnd):
    error = refused(reports.return_decide, DomainError, actor=gov.city_admin,
                    report_return=return_of(rnd, gov.units["教育局"]), data=ReturnDecisionIn(accept=True))
    assert error.errors == {"state": ["报表当前为「未报送」，只有已报送的报表可以审核"]}


def test_a_district_office_runs_its_own_round_for_its_member_units(gov):
    from learncity.core.scopes import Role
    from learncity.governance.inputs.reports import FormIn, ReportRoundIn, ReturnIn
    from tests.governance.report_factories import answers, quarterly
    from tests.network.factories import member_unit_make
    from tests.people.factories import account_make

    tongchuan = gov.lower["通川区"]
    unit = member_unit_make(gov.admin, tongchuan, name="通川区教育局")
    district_reporter = account_make(Role.MEMBER_UNIT_REPORTER, actor=gov.admin, member_unit=unit)
    form = reports.form_create(actor=gov.district_admin, committee=tongchuan, data=FormIn(**quarterly()))
    rnd = reports.round_open(actor=gov.district_admin, data=ReportRoundIn(
        form_id=form.pk, title="通川区2026年第三季度", period_start="2026-07-01", period_end="2026-09-30",
        deadline=timezone.now() + DAY, member_unit_ids=[unit.pk]))
    ret = return_of(rnd, unit)
    refused(reports.return_submit, NotFound, actor=gov.reporter, report_return=ret,
            data=ReturnIn(data=answers()))
    with pytest.raises(NotFound):
        selectors.report_round_get(actor=gov.district_admin_2, pk=rnd.pk)
    ret = reports.return_submit(actor=district_reporter, report_return=ret, data=ReturnIn(data=answers()))
    ret = reports.return_decide(actor=gov.district_admin, report_return=ret, data=ReturnDecisionIn(accept=True))
    assert ret.state == S.ACCEPTED
    refused(reports.form_create, PermissionDenied, actor=gov.district_admin, committee=gov.committee,
            data=FormIn(**quarterly()))
