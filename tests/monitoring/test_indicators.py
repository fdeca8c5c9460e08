"""Every seeded indicator on the hand-made city, against values worked out by hand (see conftest.py)."""

import datetime
from decimal import Decimal

import pytest

from learncity.catalog.models import Venue
from learncity.creditbank.models import CreditClass, Outcome
from learncity.creditbank.services import outcome_reverse
from learncity.monitoring import selectors
from learncity.monitoring.models import Indicator
from learncity.monitoring.periods import period_parse
from learncity.monitoring.seeds import INDICATORS
from tests.people import factories as people_factories

from .conftest import record, refreshed

D = datetime.date


@pytest.fixture
def root(db):
    """A superuser of the test's own (every scope), not the demo city's admin."""
    return people_factories.root()


def actual(admin, code, place, period="2026"):
    return selectors.indicator_drilldown(actor=admin, code=code, place_id=place.pk, period=period_parse(period)).row.actual


@pytest.fixture
def dataset(hand_city):
    """The records of the hand-made city:
    P1 (F, 1980, C1, employee): community completion 32h 2026-03-10 and 2026-07-10 (both recognised), community
        attendance 2h 2026-03-11 (not recognised: CE-COURSE wants a completion); volunteer 3.5h 2026, 2h 2025.
    P2 (M, born 1 Jan 1950, C2; 76 at 1 Jan 2026): elderly completion 8h 2026-05-01; community completion
        2025-12-20 (recognised, in 2025).
    P3 (M, 2010, C3; 15): community completion 2026-04-01 (recognised, but under 18).
    P4 (F, 1966-07-01, C3, employee; 59 at 1 Jan 2026): vocational completion 16h score 80 2026-09-15 (recognised,
        vocational class); community completion 2026-02-02, recognised then reversed.
    P5 (M, 1990, C1): academic completion 20h 2026-10-01; an online resource record 1h 2026-06-01."""
    h, p = hand_city, hand_city.people
    r = {}
    r["p1a"] = record(h, p["P1"], D(2026, 3, 10), "community")
    r["p1b"] = record(h, p["P1"], D(2026, 7, 10), "community")
    r["p1c"] = record(h, p["P1"], D(2026, 3, 11), "community", hours="2", kind="attendance")
    r["p2a"] = record(h, p["P2"], D(2026, 5, 1), "elderly", hours="8")
    r["p2b"] = record(h, p["P2"], D(2025, 12, 20), "community")
    r["p3a"] = record(h, p["P3"], D(2026, 4, 1), "community")
    r["p4a"] = record(h, p["P4"], D(2026, 9, 15), "vocational", hours="16", score="80")
    r["p4b"] = record(h, p["P4"], D(2026, 2, 2), "community")
    r["p5a"] = record(h, p["P5"], D(2026, 10, 1), "academic", hours="20")
    r["p5b"] = record(h, p["P5"], D(2026, 6, 1), "", hours="1", kind="resource")
    recognised = set(Outcome.objects.filter(learning_record__in=r.values()).values_list("learning_record_id", flat=True))
    # the assumptions about the demo's standards this dataset rests on
    assert recognised >= {r[k].pk for k in ("p1a", "p1b", "p2b", "p3a", "p4a", "p4b")}
    assert r["p1c"].pk not in recognised and r["p5a"].pk not in recognised
    assert Outcome.objects.get(learning_record=r["p4a"]).credit_class == CreditClass.VOCATIONAL
    refreshed()
    return r


def test_every_seeded_indicator_equals_the_hand_worked_value(root, hand_city, dataset):
    admin, h = root, hand_city
    outcome_reverse(actor=admin, outcome=Outcome.objects.get(learning_record=dataset["p4b"]), reason="重复登记")
    refreshed()
    expected = {
        # P1 only: P2's community record is in 2025, P3 is under 18, P4's was reversed; adults 300
        "CE-PART": (Decimal("0.33"), 1, 300),
        # P4 (employee, vocational) over the registered employees P1, P4
        "EMP-CE": (Decimal("50.00"), 1, 2),
        # the non-academic completions, events and resources of 2026 (not attendance): P1 ×2, P2, P3, P4 ×2
        "NONACAD-PT": (Decimal(6), 6, None),
        "ADULT-ACAD": (Decimal(1), 1, None),
        "NONACAD-CERT": (Decimal(1), 1, None),
        # P2 (76) over the 100 residents aged 60 and over
        "ELDER-PART": (Decimal("1.00"), 1, 100),
        "ONLINE-PT": (Decimal(1), 1, None),
        # 一街道 of 3 streets (三街道's school is not active)
        "STREET-SCHOOL": (Decimal("33.33"), 1, 3),
        # 一社区 and 三社区 of 4 communities
        "COMMUNITY-ROOM": (Decimal("50.00"), 2, 4),
        "DEMO-ZONE": (Decimal(1), 1, None),
        "EXP-ZONE": (Decimal(0), 0, None),  # named in 2027
        "LEARNING-ORG": (Decimal(2), 2, None),  # the third is named in 2027
        "VOLUNTEER-HRS": (Decimal("3.5"), Decimal("3.5"), None),
        # the library and the science museum opened in May (not the teaching point, nor the museum closed in 2025)
        "FREE-VENUE": (Decimal(2), 2, None),
    }
    assert set(expected) == {code for code, *_ in INDICATORS} == set(Indicator.objects.values_list("code", flat=True))
    got = {}
    for code in expected:
        v = actual(admin, code, h.city)
        got[code] = (v.value, v.numerator, v.denominator)
    assert got == expected


def test_values_by_place_period_and_the_missing_or_zero_denominator(root, hand_city, dataset):
    admin, h = root, hand_city
    # before the reversal P4 counts in CE-PART (February)
    assert actual(admin, "CE-PART", h.city).numerator == 2
    assert actual(admin, "CE-PART", h.city, "2026-Q1").numerator == 2
    outcome_reverse(actor=admin, outcome=Outcome.objects.get(learning_record=dataset["p4b"]), reason="重复登记")
    refreshed()
    assert actual(admin, "CE-PART", h.city, "2026-Q1").numerator == 1
    assert actual(admin, "CE-PART", h.city, "2026-Q2").numerator == 0  # P3 is 15
    assert actual(admin, "CE-PART", h.city, "2026-07").numerator == 1
    assert actual(admin, "CE-PART", h.city, "2026-01-01..2026-02-28").numerator == 0
    assert actual(admin, "CE-PART", h.city, "2025").numerator == 1  # P2's December record
    # 甲区: P1 over its 150 adults
    assert actual(admin, "CE-PART", h.a) == selectors.Value(Decimal("0.67"), Decimal(1), 150)
    # 乙区 has no population figures, 三街道 a total of 0: "no data", never a division error or 0%
    assert actual(admin, "CE-PART", h.b) == selectors.Value(None, Decimal(0), None)
    assert actual(admin, "CE-PART", h.s3).value is None
    assert actual(admin, "CE-PART", h.s3).denominator == 0
    # additive counts add up the tree
    assert actual(admin, "NONACAD-PT", h.a).numerator == 3 and actual(admin, "NONACAD-PT", h.b).numerator == 3
    assert actual(admin, "NONACAD-PT", h.c3, "2026-Q3").numerator == 1
    assert actual(admin, "VOLUNTEER-HRS", h.city, "2025").value == Decimal("2.0")


def test_the_age_band_is_the_one_at_1_january(root, hand_city, dataset):
    """P4 turns 60 in July 2026 but is 59 at 1 January, so not in elderly participation's 60+; P2, born on
    1 January 1950, is 76; P1 (born May 1980) is 45."""
    admin, h = root, hand_city
    rows = selectors.indicator_breakdown(actor=admin, code="NONACAD-PT", by="age_band", place_id=h.city.pk,
                                         period=period_parse("2026")).rows
    by_band = {r.key: r.value.numerator for r in rows}
    assert {k: v for k, v in by_band.items() if v} == {"45-59": 4, "70-79": 1, "15-17": 1}
    elder = selectors.indicator_breakdown(actor=admin, code="ELDER-PART", by="age_band", place_id=h.city.pk,
                                          period=period_parse("2026")).rows
    assert [(r.key, r.value.numerator, r.value.denominator) for r in elder] == [
        ("60-69", 0, 100), ("70-79", 1, 0), ("80+", 0, 0)]
    assert [r.value.value for r in elder] == [Decimal("0.00"), None, None]


def test_breakdowns(root, hand_city, dataset):
    admin, h = root, hand_city
    p = period_parse("2026")
    sex = selectors.indicator_breakdown(actor=admin, code="CE-PART", by="sex", place_id=h.city.pk, period=p)
    # P1 (F) and P4 (F, not reversed here): women 2 of 150 adult women; men 0 of 150
    assert [(r.key, r.value) for r in sex.rows] == [
        ("M", selectors.Value(Decimal("0.00"), Decimal(0), 150)),
        ("F", selectors.Value(Decimal("1.33"), Decimal(2), 150))]
    group = selectors.indicator_breakdown(actor=admin, code="CE-PART", by="group", place_id=h.city.pk, period=p)
    assert {r.key: r.value.numerator for r in group.rows if r.value.numerator} == {"employee": 2}
    kinds = selectors.indicator_breakdown(actor=admin, code="NONACAD-PT", by="record_kind", place_id=h.city.pk, period=p)
    assert {r.key: r.value.numerator for r in kinds.rows} == {"completion": 6}  # attendance is not a person-time
    providers = selectors.indicator_breakdown(actor=admin, code="NONACAD-PT", by="provider_kind", place_id=h.a.pk,
                                              period=p)
    assert {r.key: r.value.numerator for r in providers.rows} == {h.provider.kind: 3}
    series = selectors.indicator_series(actor=admin, code="CE-PART", grain="month", place_id=h.city.pk, year=2026)
    assert [pt.value.numerator for pt in series.points] == [0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    quarters = selectors.indicator_series(actor=admin, code="NONACAD-PT", grain="quarter", place_id=h.city.pk, year=2026)
    assert [pt.value.numerator for pt in quarters.points] == [2, 2, 2, 0]
    years = selectors.indicator_series(actor=admin, code="NONACAD-PT", grain="year", place_id=h.city.pk, year=2026)
    assert [(pt.period.key, pt.value.numerator) for pt in years.points] == [
        ("2022", 0), ("2023", 0), ("2024", 0), ("2025", 1), ("2026", 6)]


def test_a_breakdown_the_indicator_cannot_have_is_refused(root, hand_city):
    from learncity.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        selectors.indicator_breakdown(actor=root, code="CE-PART", by="provider_kind", place_id=hand_city.city.pk)
    assert "by" in exc.value.errors
    with pytest.raises(DomainError) as exc:
        selectors.indicator_breakdown(actor=root, code="STREET-SCHOOL", by="sex")
    assert "by" in exc.value.errors


def test_free_venue_counts_public_learning_venues_open_at_the_period_end_not_teaching_points(root, hand_city):
    """The hand city's free-open venues: 一社区图书室 (a library), 一街道社区学校教学点 (a teaching point, open free on
    Saturdays), 甲区博物馆 (closed on 30 June 2025) and 乙区科技馆 (opened on 1 May 2026)."""
    admin, h = root, hand_city
    counted = {key: actual(admin, "FREE-VENUE", h.city, key).numerator for key in ("2024", "2025", "2026-Q1", "2026")}
    assert counted == {"2024": 2, "2025": 1, "2026-Q1": 1, "2026": 2}
    # the teaching points' street counts its community's library only, however many classrooms open their doors
    Venue.objects.create(name="一街道教学点二", kind="classroom", place=h.s1, free_open_days="每天")
    Venue.objects.create(name="一街道开放学校", kind="school", place=h.s1, free_open_days="周末")
    assert actual(admin, "FREE-VENUE", h.s1).numerator == 1
    assert actual(admin, "FREE-VENUE", h.c1).numerator == 1
    info, _ = selectors.indicator_get(actor=admin, code="FREE-VENUE")
    assert "教学点" in info.explanation and "图书馆" in info.explanation


def test_reference_counts_honour_effective_and_end_dates(root, hand_city):
    admin, h = root, hand_city
    # 二社区's learning room closed on 30 April 2026: 3 of 4 communities in 2025 and in 2026-Q1, 2 in 2026
    rooms = {key: actual(admin, "COMMUNITY-ROOM", h.city, key).numerator for key in ("2025", "2026-Q1", "2026")}
    assert rooms == {"2025": 3, "2026-Q1": 3, "2026": 2}
    # 乙区's provincial demonstration title withdrawn on 1 January 2026
    zones = {key: actual(admin, "DEMO-ZONE", h.city, key).numerator for key in ("2017", "2025", "2026")}
    assert zones == {"2017": 0, "2025": 2, "2026": 1}
    # 甲区学习型社区 (2022) withdrawn on 1 July 2025; the agency and the enterprise (2024) stay
    orgs = {key: actual(admin, "LEARNING-ORG", h.city, key).numerator for key in ("2023", "2024", "2025")}
    assert orgs == {"2023": 1, "2024": 3, "2025": 2}
    # each is compared with the previous period's count, now that the counts have dates
    row = selectors.indicator_drilldown(actor=admin, code="COMMUNITY-ROOM", place_id=h.city.pk,
                                        period=period_parse("2025")).row
    assert (row.previous.numerator, row.trend) == (3, "flat")
