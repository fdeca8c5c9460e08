"""An accepted annual-statistics return sends its EMP-CE figures (trained staff / registered staff) into monitoring
for the unit's place and the round's year, through the reports' services end to end: the office's form and round,
the unit's submission, the office's acceptance; then monitoring's selector and its indicator page show them. A
return sent back, or a refused acceptance, records nothing."""

import datetime
import random
from decimal import Decimal

import pytest
from django.test import Client

from learncity.core.audit import AuditEvent
from learncity.core.errors import DomainError
from learncity.governance.form_files import form_document
from learncity.governance.inputs.reports import FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.models import ReportReturn, ReturnState
from learncity.governance.services.feeds import return_accepted
from learncity.monitoring import selectors as monitoring
from learncity.monitoring.models import ReportedFigure
from learncity.monitoring.periods import period_parse
from tests.governance.consolidation_factories import annual_data, at
from tests.governance.factories import governance_fixtures

governance_built, gov = governance_fixtures()

OPENED = at("2026-12-01")
SUBMITTED = at("2027-01-10")


@pytest.fixture
def rnd(gov):
    """The office's 2026 annual statistics, asked of 人社局 (the world's reporter), 教育局 and 通川区's committee."""
    from learncity.governance.services import reports

    doc = form_document("annual_statistics")
    form = reports.form_create(actor=gov.city_admin, committee=gov.committee,
                               data=FormIn(code=doc["code"], title=doc["title"], schema=doc["schema"]))
    return reports.round_open(actor=gov.city_admin, now=OPENED, data=ReportRoundIn(
        form_id=form.pk, title="2026年度统计", period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31), deadline=at("2027-01-20", 18),
        member_unit_ids=[gov.units["人力资源和社会保障局"].pk, gov.units["教育局"].pk],
        committee_ids=[gov.lower["通川区"].pk]))


def _submitted(gov, rnd, *, unit=None, committee=None, actor, data) -> ReportReturn:
    from learncity.governance.services import reports

    ret = ReportReturn.objects.unscoped("the test's return").get(round=rnd, member_unit=unit, committee=committee)
    return reports.return_submit(actor=actor, report_return=ret, data=ReturnIn(data=data), now=SUBMITTED)


def _decide(gov, ret, accept: bool, comment: str = ""):
    from learncity.governance.services import reports

    return reports.return_decide(actor=gov.city_admin, report_return=ret,
                                 data=ReturnDecisionIn(accept=accept, comment=comment), now=at("2027-01-12"))


HR = annual_data([100, 200, 0, 0, 0, 0, 0, 0, 700], [10, 50, 0, 0, 0, 0, 0, 0, 140], [1, 2, 3, 4, 5, 6, 7])


def _ours(gov):
    """The reported figures of the test's own 达州 (the session's demo city has its own, of 福州)."""
    return ReportedFigure.objects.filter(place__path__startswith=gov.city.path)


def test_an_accepted_return_shows_its_emp_ce_figures_in_monitoring(gov, rnd):
    # given
    ret = _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR)
    # when
    _decide(gov, ret, accept=True)
    # then
    reported = monitoring.reported_figures(actor=gov.city_admin, code="EMP-CE", period=period_parse("2026"))
    assert [(r.reporter, r.place_name, r.start, r.end, r.numerator, r.denominator) for r in reported.rows] == [
        ("达州市人力资源和社会保障局", "达州市", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31),
         Decimal(200), Decimal(1000))]
    assert (reported.numerator, reported.denominator, reported.rate) == (Decimal(200), Decimal(1000), Decimal("20.00"))
    event = AuditEvent.objects.filter(action="monitoring.reported_figure.record", actor=gov.city_admin).get()
    assert (event.actor, event.detail["source"]) == (gov.city_admin, f"governance.return:{ret.pk}")


def test_the_indicator_page_lists_the_reported_figures(gov, rnd):
    # given
    ret = _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR)
    _decide(gov, ret, accept=True)
    client = Client()
    client.force_login(gov.city_admin)
    # when
    page = client.get("/monitor/i/EMP-CE/?period=2026").content.decode()
    part = client.get("/monitor/i/EMP-CE/reported/?period=2026", HTTP_HX_REQUEST="true").content.decode()
    # then: the page loads them after itself (its own query budget kept), and they read as reported
    assert 'hx-get="/monitor/i/EMP-CE/reported/?' in page and "达州市人力资源和社会保障局" not in page
    assert 'data-testid="reported"' in part
    assert "达州市人力资源和社会保障局" in part
    assert "20.00%" in part
    assert client.get("/monitor/i/EMP-CE/reported/?period=2026").status_code == 302  # without HTMX: the page


def test_a_lower_committees_figures_go_to_its_district_and_add_up_with_the_citys(gov, rnd):
    # given
    tong = annual_data([10] * 9, [3] * 9, [0] * 7)
    _decide(gov, _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR), True)
    _decide(gov, _submitted(gov, rnd, committee=gov.lower["通川区"], actor=gov.district_admin, data=tong), True)
    # when
    city = monitoring.reported_figures(actor=gov.city_admin, code="EMP-CE", period=period_parse("2026"))
    district = monitoring.reported_figures(actor=gov.city_admin, code="EMP-CE", period=period_parse("2026"),
                                           place_id=gov.district.pk)
    # then
    assert [(r.place_name, r.numerator, r.denominator) for r in district.rows] == [("通川区", 27, 90)]
    assert (city.numerator, city.denominator, city.rate) == (Decimal(227), Decimal(1090), Decimal("20.83"))
    assert [r.place_name for r in monitoring.reported_figures(
        actor=gov.district_admin_2, code="EMP-CE", period=period_parse("2026")).rows] == []


def test_a_return_sent_back_records_nothing(gov, rnd):
    # given
    ret = _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR)
    # when
    _decide(gov, ret, accept=False, comment="请核对分行业人数")
    # then
    assert _ours(gov).count() == 0


def test_a_refused_acceptance_records_nothing(gov, rnd):
    # given: accepted once
    ret = _decide(gov, _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR), True)
    before = list(_ours(gov).values_list("pk", "numerator", "denominator", "recorded_at"))
    # when: accepted again
    with pytest.raises(DomainError):
        _decide(gov, ret, accept=True)
    # then
    assert list(_ours(gov).values_list("pk", "numerator", "denominator", "recorded_at")) == before


def test_the_feed_takes_only_an_accepted_return(gov, rnd):
    # given
    ret = _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR)
    # when / then
    with pytest.raises(DomainError) as refused:
        return_accepted(ret, actor=gov.city_admin)
    assert list(refused.value.errors) == ["state"]
    assert _ours(gov).count() == 0


def test_a_unit_with_no_staff_reports_no_rate(gov, rnd):
    # given
    empty = annual_data([0] * 9, [0] * 9, [1] * 7)
    ret = _submitted(gov, rnd, unit=gov.units["教育局"], actor=gov.education_reporter, data=empty)
    # when
    _decide(gov, ret, accept=True)
    # then
    assert list(_ours(gov).values_list("numerator", "denominator")) == [(Decimal(0), None)]
    assert monitoring.reported_figures(actor=gov.city_admin, code="EMP-CE", period=period_parse("2026")).rate is None


def test_a_form_without_feeds_records_nothing(gov, rnd):
    # given: the same round's form, its feeds taken away
    rnd.form.schema = {**rnd.form.schema, "feeds": []}
    rnd.form.save(update_fields=["schema"])
    ret = _submitted(gov, rnd, unit=gov.units["人力资源和社会保障局"], actor=gov.reporter, data=HR)
    # when
    _decide(gov, ret, accept=True)
    # then
    assert ReportReturn.objects.unscoped("the test reads the accepted return").get(pk=ret.pk).state == ReturnState.ACCEPTED
    assert _ours(gov).count() == 0



def test_the_demo_years_annual_statistics_feed_emp_ce(gov):
    # given: the demo's module, in this world, as of the demo's today
    from learncity.demo.governance_statistics import build_annual_statistics
    from learncity.governance.models import ReturnAction, ReturnEvent

    users = {"reporter": gov.reporter, "district_admin": gov.district_admin, "district_admin_2": gov.district_admin_2}
    # when
    counts = build_annual_statistics(gov.city_admin, users, gov.committee, datetime.date(2026, 11, 1),
                                     random.Random(7))
    # then: 人社局 and the two districts' committees, all accepted, one after being sent back
    assert counts == {"statistics_returns": 3, "statistics_accepted": 3}
    returns = ReportReturn.objects.unscoped("the test reads the demo's returns").filter(
        round__title="2026年度统计快报", round__committee=gov.committee)
    assert sorted(r.state for r in returns) == ["accepted"] * 3
    assert ReturnEvent.objects.filter(report_return__in=returns, action=ReturnAction.RETURN).count() == 1
    reported = monitoring.reported_figures(actor=gov.city_admin, code="EMP-CE", period=period_parse("2026"))
    assert sorted(r.place_name for r in reported.rows) == ["达川区", "达州市", "通川区"]
    assert reported.numerator == sum(Decimal(r.data["staff_trained_total"]) for r in returns)
    assert reported.denominator == sum(Decimal(r.data["staff_total"]) for r in returns)


def test_before_the_round_opens_the_demo_builds_no_statistics(gov):
    from learncity.demo.governance_statistics import build_annual_statistics

    counts = build_annual_statistics(gov.city_admin, {"reporter": gov.reporter}, gov.committee,
                                     datetime.date(2026, 9, 30), random.Random(7))
    assert counts == {"statistics_returns": 0}
    assert _ours(gov).count() == 0
