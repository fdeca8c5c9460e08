"""The annual assessment (governance/selectors/assessment.py, services/assessment.py): every component of every
subject recomputed here in plain Python from the rows the test made (tests/governance/assessment_factories.py),
the weights spread over the applicable components, the ranking; the schemes' and weights' checks, naming the
component, with nothing written; the proposal of advanced units, superseded and never edited; the scopes."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from learncity.core.audit import AuditEvent
from learncity.core.errors import NotFound, PermissionDenied
from learncity.governance.inputs.assessment import ProposeIn, SchemeIn, WeightsIn
from learncity.governance.models import (
    AdvancedUnitProposal,
    AssessmentScheme,
    AssessmentWeight,
    InspectionScore,
    ReturnEvent,
    Task,
    TaskTransition,
)
from learncity.governance.selectors.assessment import assessment_table, proposal_current
from learncity.governance.services.assessment import advanced_propose, scheme_create, weights_set
from learncity.monitoring import selectors as monitoring
from learncity.monitoring.models import Indicator
from learncity.monitoring.periods import Period
from tests.checks import refuses
from tests.governance.assessment_factories import WEIGHTS, YEAR, at, scheme_make, year_build
from tests.governance.factories import governance_fixtures
from tests.monitoring.factories import target_make

governance_built, gov = governance_fixtures()
CENT = Decimal("0.01")


def snapshot():
    return (list(AssessmentScheme.objects.order_by("pk").values_list("pk", "year", "subjects")),
            list(AssessmentWeight.objects.order_by("pk").values_list("pk", "component", "weight")),
            AdvancedUnitProposal.objects.count(), AuditEvent.objects.count())


refused = refuses(snapshot)


def q(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def now():
    """The table is read as of the year's 20 December."""
    return at(12, 20)


# --- the tests' own arithmetic ----------------------------------------------------------------------------------

def tasks_score(tasks: list[Task]) -> Decimal | None:
    live = [Task.objects.get(pk=t.pk) for t in tasks]
    live = [t for t in live if t.state != "cancelled"]
    if not live:
        return None
    done = [t for t in live if t.state == "done"]
    timely = [t for t in done
              if timezone.localtime(TaskTransition.objects.get(task=t, to_state="done").at).date() <= t.due_on]
    return q(Decimal(100) * (len(done) + len(timely)) / (2 * len(live)))


def reports_score(returns) -> Decimal | None:
    due = [r for r in returns if r.round.period_end.year == YEAR
           and (r.round.deadline <= now() or r.first_submitted_at is not None)]
    if not due:
        return None
    on_time = sum(1 for r in due if r.first_submitted_at and r.first_submitted_at <= r.round.deadline)
    back = sum(ReturnEvent.objects.filter(report_return=r, action="return").count() for r in due)
    return max(Decimal(0), q(Decimal(100) * on_time / len(due)) - 5 * back)


def inspections_score(visits, points: Decimal) -> Decimal | None:
    counted = [v for v in visits if v.state == "submitted" and v.round.year == YEAR]
    if not counted:
        return None
    shares = [Decimal(100) * sum(s.score for s in InspectionScore.objects.filter(visit=v)) / points for v in counted]
    return q(sum(shares) / len(shares))


def weighted(scores: dict[str, Decimal | None], weights: dict = WEIGHTS) -> Decimal:
    used = {k: s for k, s in scores.items() if s is not None and weights[k] > 0}
    total_weight = sum(weights[k] for k in used)
    return q(sum(s * weights[k] for k, s in used.items()) / total_weight) if total_weight else Decimal("0.00")


def actual_of(actor, code: str, place) -> Decimal | None:
    period = Period("year", datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31))
    return monitoring.indicator_drilldown(actor=actor, code=code, place_id=place.pk, period=period).row.actual.value


def indicators_score(actor, targets: dict[str, Decimal], place) -> Decimal:
    met = 0
    for code, target in targets.items():
        value = actual_of(actor, code, place)
        met += value is not None and value >= target
    return q(Decimal(100) * met / len(targets))


# --- the table --------------------------------------------------------------------------------------------------

TARGETS = {"NONACAD-PT": Decimal(0), "ONLINE-PT": Decimal(1_000_000)}


def test_districts_every_component_recomputed_and_ranked(gov):
    # given the year, and 通川区's two targets (one met: nothing is needed; one not)
    y = year_build(gov)
    for code, value in TARGETS.items():
        target_make(gov.city_admin, code, gov.district, str(YEAR), str(value))
    scheme = scheme_make(gov, "districts")
    # when
    table = assessment_table(gov.city_admin, scheme, now=now())
    # then
    tong, da = gov.lower["通川区"], gov.lower["达川区"]
    rows = {r.committee.pk: r for r in table}
    expected = {
        tong.pk: {"indicators": indicators_score(gov.city_admin, TARGETS, gov.district),
                  "tasks": tasks_score([y.tasks["districts"], y.tasks["tong_late"]]),
                  "reports": reports_score([y.returns["tong_q1"]]),
                  "inspections": inspections_score([y.visits["tong_place"], y.visits["tong_school"]], y.points)},
        da.pk: {"indicators": None, "tasks": tasks_score([y.tasks["districts"]]), "reports": None,
                "inspections": inspections_score([y.visits["da_school"]], y.points)},
    }
    assert expected[tong.pk] == {"indicators": Decimal("50.00"), "tasks": Decimal("75.00"),
                                 "reports": Decimal("100.00"), "inspections": Decimal("70.00")}
    assert expected[da.pk] == {"indicators": None, "tasks": Decimal("100.00"), "reports": None,
                               "inspections": Decimal("90.00")}
    for pk, scores in expected.items():
        assert {c.key: c.score for c in rows[pk].components} == scores
        assert rows[pk].total == weighted(scores)
    assert rows[tong.pk].total == q((50 * 30 + 75 * 30 + 100 * 20 + 70 * 20) / Decimal(100))
    assert rows[da.pk].total == q((100 * 30 + 90 * 20) / Decimal(50))
    assert [r.rank for r in table] == [1, 2]
    assert table[0].total > table[1].total
    assert "监测指标达标、报表按时报送不适用" in rows[da.pk].note
    assert rows[tong.pk].note == ""


def test_districts_sources_trace_every_number(gov):
    y = year_build(gov)
    for code, value in TARGETS.items():
        target_make(gov.city_admin, code, gov.district, str(YEAR), str(value))
    table = assessment_table(gov.city_admin, scheme_make(gov, "districts"), now=now())
    tong = next(r for r in table if r.committee == gov.lower["通川区"])
    sources = {c.key: c.sources for c in tong.components}
    assert sorted((s.id, s.figures["target"], s.figures["met"]) for s in sources["indicators"]) == [
        ("NONACAD-PT", "0.00", "1"), ("ONLINE-PT", "1000000.00", "0")]
    assert sorted((s.id, s.figures["on_time"]) for s in sources["tasks"]) == sorted([
        (y.tasks["districts"].pk, "1"), (y.tasks["tong_late"].pk, "0")])
    assert [(s.id, s.figures["on_time"], s.figures["returned"]) for s in sources["reports"]] == [
        (y.returns["tong_q1"].pk, "1", "0")]
    assert sorted((s.id, s.figures["score"], s.figures["points"], s.figures["percent"])
                  for s in sources["inspections"]) == sorted([
                      (y.visits["tong_place"].pk, "80.00", "100.00", "80.00"),
                      (y.visits["tong_school"].pk, "60.00", "100.00", "60.00")])


def test_member_units_every_component_recomputed(gov):
    # given the year, 教育局's late task serving two indicators with targets at the city
    y = year_build(gov)
    served = list(Indicator.objects.unscoped("the test's task indicators").filter(code__in=TARGETS))
    assert len(served) == 2
    Task.objects.get(pk=y.tasks["edu_late"].pk).indicators.set(served)
    for code, value in TARGETS.items():
        target_make(gov.city_admin, code, gov.city, str(YEAR), str(value))
    scheme = scheme_make(gov, "member_units")
    # when
    table = assessment_table(gov.city_admin, scheme, now=now())
    # then every member unit of the committee is a row
    assert sorted(r.member_unit.pk for r in table) == sorted(u.pk for u in gov.units.values())
    rows = {r.member_unit.pk: r for r in table}
    edu, hr = gov.units["教育局"], gov.units["人力资源和社会保障局"]
    expected_edu = {"indicators": indicators_score(gov.city_admin, TARGETS, gov.city),
                    "tasks": tasks_score([y.tasks[n] for n in ("edu_on_time", "edu_late", "edu_open",
                                                                "edu_cancelled")]),
                    "reports": reports_score([y.returns["edu_q1"], y.returns["edu_q2"], y.returns["edu_next"]]),
                    "inspections": inspections_score([y.visits["edu"], y.visits["edu_last_year"]], y.points)}
    assert expected_edu == {"indicators": Decimal("50.00"), "tasks": Decimal("50.00"), "reports": Decimal("95.00"),
                            "inspections": Decimal("70.00")}
    expected_hr = {"indicators": None, "tasks": tasks_score([y.tasks["hr_open"]]),
                   "reports": reports_score([y.returns["hr_q1"], y.returns["hr_q2"]]),
                   "inspections": inspections_score([y.visits["hr_assigned"]], y.points)}
    assert expected_hr == {"indicators": None, "tasks": Decimal("0.00"), "reports": Decimal("0.00"),
                           "inspections": None}
    assert {c.key: c.score for c in rows[edu.pk].components} == expected_edu
    assert {c.key: c.score for c in rows[hr.pk].components} == expected_hr
    assert rows[edu.pk].total == weighted(expected_edu) == Decimal("63.00")
    assert rows[hr.pk].total == weighted(expected_hr) == Decimal("0.00")
    # a unit with nothing at all to score: every component not applicable, total 0, ranked with hr at the bottom
    idle = [r for r in table if all(not c.applicable for c in r.components)]
    assert len(idle) == len(gov.units) - 2 and all(r.total == Decimal("0.00") for r in idle)
    assert table[0].member_unit == edu and table[0].rank == 1
    assert {r.rank for r in table[1:]} == {2}  # every other unit at 0.00 shares the second place


def test_weights_change_the_total(gov):
    year_build(gov)
    scheme = scheme_make(gov, "member_units")
    weights_set(actor=gov.city_admin, scheme=scheme, data=WeightsIn(weights={
        "indicators": "0", "tasks": "100", "reports": "0", "inspections": "0"}))
    edu = next(r for r in assessment_table(gov.city_admin, scheme, now=now()) if r.member_unit == gov.units["教育局"])
    assert edu.total == Decimal("50.00")
    assert edu.note == ""  # indicators not applicable, but its weight is 0: nothing spread


def test_a_year_without_a_plan_has_no_tasks_component(gov):
    scheme = scheme_create(actor=gov.city_admin, committee=gov.committee, data=SchemeIn(
        year=YEAR - 5, subjects="districts", weights={k: str(v) for k, v in WEIGHTS.items()}))
    table = assessment_table(gov.city_admin, scheme)
    assert len(table) == 2
    assert all(not c.applicable for r in table for c in r.components)
    assert [r.rank for r in table] == [1, 1]


def test_the_table_is_read_in_a_few_queries_whatever_the_units(gov, django_assert_max_num_queries):
    year_build(gov)
    scheme = scheme_make(gov, "member_units")
    with django_assert_max_num_queries(30):
        table = assessment_table(gov.city_admin, scheme, now=now())
    assert len(table) == len(gov.units)


# --- schemes and weights ----------------------------------------------------------------------------------------

def test_scheme_create_writes_the_weights_and_an_audit_row(gov):
    scheme = scheme_make(gov, "districts")
    assert dict(scheme.weights.values_list("component", "weight")) == WEIGHTS
    event = AuditEvent.objects.filter(action="assessment.scheme_create", object_id=str(scheme.pk)).get()
    assert event.object_id == str(scheme.pk) and event.actor == gov.city_admin
    assert event.detail["weights"] == {"indicators": "30.00", "tasks": "30.00", "reports": "20.00",
                                       "inspections": "20.00"}


def _scheme_in(**weights) -> SchemeIn:
    return SchemeIn(year=YEAR, subjects="districts", weights={**{k: str(v) for k, v in WEIGHTS.items()}, **weights})


def test_weights_not_summing_to_100_are_refused_naming_each_component(gov):
    exc = refused(scheme_create, actor=gov.city_admin, committee=gov.committee, data=_scheme_in(tasks="35"))
    assert exc.errors["weights"] == ["各项权重之和须为 100，现为 105（监测指标达标 30 + 任务完成及时 35 + 报表按时报送 20 "
                                     "+ 专项督导得分 20）"]


def test_an_unknown_component_is_refused_by_its_name(gov):
    exc = refused(scheme_create, actor=gov.city_admin, committee=gov.committee,
                  data=_scheme_in(attendance="10", tasks="20"))
    assert list(exc.errors) == ["weights.attendance"]
    assert "没有考核项目「attendance」" in exc.errors["weights.attendance"][0]


def test_unknown_subjects_and_a_second_scheme_are_refused(gov):
    exc = refused(scheme_create, actor=gov.city_admin, committee=gov.committee,
                  data=SchemeIn(year=YEAR, subjects="streets", weights={k: str(v) for k, v in WEIGHTS.items()}))
    assert list(exc.errors) == ["subjects"]
    scheme_make(gov, "districts")
    exc = refused(scheme_create, actor=gov.city_admin, committee=gov.committee, data=_scheme_in())
    assert exc.errors["year"] == [f"{YEAR} 年度的这项考核方案已经存在"]


def test_weights_set_changes_every_row_and_audits(gov):
    scheme = scheme_make(gov, "districts")
    weights_set(actor=gov.city_admin, scheme=scheme, data=WeightsIn(weights={
        "indicators": "25", "tasks": "25", "reports": "25", "inspections": "25"}))
    assert dict(scheme.weights.values_list("component", "weight")) == dict.fromkeys(WEIGHTS, Decimal(25))
    event = AuditEvent.objects.filter(action="assessment.weights_set", object_id=str(scheme.pk)).get()
    assert event.detail["before"]["tasks"] == "30.00" and event.detail["after"]["tasks"] == "25.00"


def test_weights_set_refused_changes_nothing(gov):
    scheme = scheme_make(gov, "districts")
    exc = refused(weights_set, actor=gov.city_admin, scheme=scheme, data=WeightsIn(weights={"tasks": "100",
                                                                                            "reports": "1"}))
    assert list(exc.errors) == ["weights"]


def test_scopes_outside_404_reader_403(gov):
    scheme = scheme_make(gov, "districts")
    # a member unit's reporter and a district's administrator do not read the city's scheme
    for outsider in (gov.reporter, gov.district_admin):
        refused(assessment_table, NotFound, actor=outsider, scheme=scheme)
        refused(weights_set, NotFound, actor=outsider, scheme=scheme, data=WeightsIn(weights=WEIGHTS))
        refused(advanced_propose, NotFound, actor=outsider, scheme=scheme, data=ProposeIn(count=1))
    # the reporter's unit sits on the committee (it reads it) but does not run its office
    refused(scheme_create, PermissionDenied, actor=gov.reporter, committee=gov.committee, data=_scheme_in())
    refused(scheme_create, NotFound, actor=gov.district_admin, committee=gov.committee, data=_scheme_in())
    # the city's auditor reads it, and may change nothing
    assert len(assessment_table(gov.auditor, scheme)) == 2
    refused(weights_set, PermissionDenied, actor=gov.auditor, scheme=scheme, data=WeightsIn(weights=WEIGHTS))
    refused(advanced_propose, PermissionDenied, actor=gov.auditor, scheme=scheme, data=ProposeIn(count=1))
    refused(scheme_create, PermissionDenied, actor=gov.auditor, committee=gov.committee,
            data=SchemeIn(year=YEAR + 1, subjects="districts", weights={k: str(v) for k, v in WEIGHTS.items()}))


# --- the proposal -----------------------------------------------------------------------------------------------

def test_advanced_propose_writes_the_top_n_with_their_components(gov):
    year_build(gov)
    scheme = scheme_make(gov, "districts")
    table = assessment_table(gov.city_admin, scheme)
    rows = advanced_propose(actor=gov.city_admin, scheme=scheme, data=ProposeIn(count=1))
    assert [(r.number, r.committee, r.rank, r.total) for r in rows] == [(1, table[0].committee, 1, table[0].total)]
    assert rows[0].components == table[0].snapshot()
    assert rows[0].components["tasks"] == {"score": str(table[0].component("tasks").score), "weight": "30.00",
                                           "applicable": True}
    assert AuditEvent.objects.filter(action="assessment.advanced_propose", object_id=str(scheme.pk)).count() == 1


def test_a_new_proposal_supersedes_never_edits(gov):
    year_build(gov)
    scheme = scheme_make(gov, "districts")
    first = advanced_propose(actor=gov.city_admin, scheme=scheme, data=ProposeIn(count=1))
    before = list(AdvancedUnitProposal.objects.filter(pk__in=[r.pk for r in first]).order_by("pk").values())
    second = advanced_propose(actor=gov.city_admin, scheme=scheme, data=ProposeIn(count=2))
    assert list(AdvancedUnitProposal.objects.filter(pk__in=[r.pk for r in first]).order_by("pk").values()) == before
    assert {r.number for r in second} == {2} and len(second) == 2
    assert [r.pk for r in proposal_current(actor=gov.city_admin, scheme=scheme)] == [r.pk for r in second]


def test_units_tied_with_the_last_proposed_are_proposed_too(gov):
    scheme = scheme_make(gov, "districts")  # nothing to score: both districts at 0.00, rank 1
    rows = advanced_propose(actor=gov.city_admin, scheme=scheme, data=ProposeIn(count=1))
    assert sorted(r.committee.pk for r in rows) == sorted(c.pk for c in gov.lower.values())


def test_proposing_more_than_the_subjects_is_refused(gov):
    scheme = scheme_make(gov, "districts")
    exc = refused(advanced_propose, actor=gov.city_admin, scheme=scheme, data=ProposeIn(count=3))
    assert exc.errors["count"] == ["只有 2 个考核对象，不能提名 3 个"]

