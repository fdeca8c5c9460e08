"""Rollups: incremental == full recompute == a naive count over the raw rows, after random sequences of inserts,
reversals and late-arriving records; and the watermarks."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learncity.core.scopes import Role
from learncity.creditbank.models import EntryReason, LedgerEntry, Outcome
from learncity.creditbank.services import outcome_reverse
from learncity.monitoring import rollups, selectors, services
from learncity.monitoring.models import GroupBit, Measure, PersonCell, Watermark
from learncity.monitoring.periods import period_of, period_parse
from learncity.monitoring.seeds import COMMUNITY_KINDS
from learncity.people import idcard
from learncity.people.models import LearnerGroup, LearnerProfile
from learncity.people.services import learner_profile_create, learner_profile_update
from learncity.records.models import LearningRecord
from tests.people import factories as people_factories
from tests.places import factories as places_factories

from .conftest import record

PEOPLE = ["P1", "P2", "P3", "P4", "P5"]


@pytest.fixture
def root(db):
    """A superuser of the test's own (every scope), not the demo city's admin."""
    return people_factories.root()
insert = st.tuples(st.just("insert"), st.sampled_from(PEOPLE),
                   st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2026, 10, 31)),
                   st.sampled_from(["community", "health", "elderly", "academic"]),
                   st.sampled_from(["completion", "attendance"]))
reverse = st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50))
refresh = st.just(("refresh",))
operations = st.lists(st.one_of(insert, insert, reverse, refresh), min_size=1, max_size=14)


def naive_ce_part(people: dict, place, period) -> int:
    """Community-education participation's numerator, straight from the raw rows in Python: distinct residents
    under the place, 18 or over at 1 January, with a recognised (and not reversed) community-education record dated
    in the period."""
    reversed_outcomes = set(LedgerEntry.objects.filter(reason=EntryReason.REVERSAL, outcome__isnull=False)
                            .values_list("outcome_id", flat=True))
    found = set()
    for p in people.values():
        if not p.residence.path.startswith(place.path):
            continue
        for r in LearningRecord.objects.filter(learner=p, course_kind__in=COMMUNITY_KINDS,
                                               date__gte=period.start, date__lte=period.end):
            outcome = Outcome.objects.filter(learning_record=r).first()
            if outcome is None or outcome.pk in reversed_outcomes:
                continue
            b = p.birth_date
            age = r.date.year - b.year - (0 if (b.month, b.day) == (1, 1) else 1)
            if age >= 18:
                found.add(p.pk)
    return len(found)


def naive_person_times(people: dict, place, period) -> int:
    from learncity.monitoring.seeds import NON_ACADEMIC_KINDS

    return LearningRecord.objects.filter(
        learner__in=[p for p in people.values() if p.residence.path.startswith(place.path)],
        kind__in=["completion", "event", "resource"], course_kind__in=NON_ACADEMIC_KINDS,
        date__gte=period.start, date__lte=period.end).count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ops=operations)
def test_incremental_equals_recompute_equals_naive(root, hand_city, ops):
    h, admin = hand_city, root
    with transaction.atomic():
        rollups.rollups_refresh()
        for op in ops:
            if op[0] == "insert":
                _, who, day, kind, rkind = op
                record(h, h.people[who], day, kind, kind=rkind, hours="16")  # dated any day: late arrivals too
            elif op[0] == "reverse":
                live = list(Outcome.objects.filter(learning_record__learner__in=h.people.values())
                            .exclude(entries__reason=EntryReason.REVERSAL).order_by("pk"))
                if live:
                    outcome_reverse(actor=admin, outcome=live[op[1] % len(live)], reason="测试冲正")
            else:
                rollups.rollups_refresh()
        rollups.rollups_refresh()
        incremental = {y: rollups.rollups_snapshot(y) for y in (2025, 2026)}
        rollups.rollups_recompute(2025)
        rollups.rollups_recompute(2026)
        assert {y: rollups.rollups_snapshot(y) for y in (2025, 2026)} == incremental
        for place in (h.city, h.a, h.b, h.c3):
            for key in ("2025", "2026", "2026-Q1", "2026-02", "2026-03-01..2026-08-31"):
                period = period_parse(key)
                row = selectors.indicator_drilldown(actor=admin, code="CE-PART", place_id=place.pk, period=period).row
                assert row.actual.numerator == naive_ce_part(h.people, place, period), (place.name, key)
                pt = selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=place.pk, period=period).row
                assert pt.actual.numerator == naive_person_times(h.people, place, period), (place.name, key)
        transaction.set_rollback(True)


def test_the_demo_citys_incremental_rollups_equal_a_full_recompute(db):
    """The demo builder refreshed the rollups incrementally; throwing them away and rebuilding gives the same rows."""
    rollups.rollups_refresh()
    before = rollups.rollups_snapshot()
    assert before["person_cell"] and before["time_cell"] and before["person_year"]
    rollups.rollups_recompute()
    assert rollups.rollups_snapshot() == before


def test_a_late_record_lands_in_its_own_month_and_reads_never_refresh(root, hand_city):
    h, admin = hand_city, root
    p = period_parse("2026-03")
    rollups.rollups_refresh()
    assert selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=p).row.actual.numerator == 0
    record(h, h.people["P1"], datetime.date(2026, 3, 15), "community")  # arrives in November, dated March
    marks = dict(Watermark.objects.values_list("pk", "last_id"))
    # a read does not refresh: the figure waits for the background refresh, and the page says it is behind
    assert selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=p).row.actual.numerator == 0
    assert dict(Watermark.objects.values_list("pk", "last_id")) == marks
    assert rollups.rollups_behind() and selectors.figures_freshness().behind
    rollups.rollups_refresh()
    assert selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=p).row.actual.numerator == 1
    nov = period_of("month", datetime.date(2026, 11, 1))
    assert selectors.indicator_drilldown(actor=admin, code="NONACAD-PT", place_id=h.city.pk, period=nov).row.actual.numerator == 0
    assert not rollups.rollups_behind() and not selectors.figures_freshness().behind


def test_a_refresh_stamps_its_time_and_bumps_the_monitoring_version_only_when_figures_changed(hand_city):
    from learncity.core.cache import versions

    rollups.rollups_refresh()
    stamped = selectors.figures_freshness().as_of
    version = versions("monitoring")["monitoring"]
    assert stamped is not None
    rollups.rollups_refresh()  # nothing new: a new stamp, the same version (the cached pages stay)
    assert versions("monitoring")["monitoring"] == version
    assert selectors.figures_freshness().as_of >= stamped
    record(hand_city, hand_city.people["P1"], datetime.date(2026, 5, 5), "community")
    rollups.rollups_refresh()
    assert versions("monitoring")["monitoring"] == version + 1


def test_freshness_is_one_query_and_says_behind_for_each_stream(hand_city, django_assert_num_queries):
    rollups.rollups_refresh()
    with django_assert_num_queries(1):
        assert not selectors.figures_freshness().behind
    from learncity.pools.models import Volunteer, VolunteerService

    VolunteerService.objects.create(volunteer=Volunteer.objects.get(learner=hand_city.people["P1"]),
                                    date=datetime.date(2026, 6, 1), hours=Decimal("1"), activity="补录",
                                    institution=hand_city.provider)
    assert selectors.figures_freshness().behind
    rollups.rollups_refresh()
    assert not selectors.figures_freshness().behind


def test_watermarks_advance_and_a_refresh_with_nothing_new_does_nothing(hand_city):
    rollups.rollups_refresh()
    assert rollups.rollups_refresh() == 0
    before = dict(Watermark.objects.values_list("pk", "last_id"))
    r = record(hand_city, hand_city.people["P1"], datetime.date(2026, 5, 5), "community")
    assert rollups.rollups_behind()
    assert rollups.rollups_refresh() > 0
    after = dict(Watermark.objects.values_list("pk", "last_id"))
    assert any(after[k] > v for k, v in before.items())
    assert max(Watermark.objects.filter(stream="record").values_list("last_id", flat=True)) == r.pk


def test_a_reversal_clears_the_persons_month_bit(root, hand_city):
    h, admin = hand_city, root
    r = record(h, h.people["P1"], datetime.date(2026, 6, 6), "community")
    rollups.rollups_refresh()
    measure = rollups.measure_for(
        __import__("learncity.monitoring.inputs", fromlist=["spec_validate"]).spec_validate(
            {"numerator": {"source": "records", "count": "persons",
                           "filters": {"course_kind": COMMUNITY_KINDS, "recognised": True}}}), create=False)
    june = 1 << 5
    cells = PersonCell.objects.filter(measure=measure, year=2026, place_id=h.c1.pk)
    assert list(cells.values_list("mask", "persons")) == [(june, 1)]
    outcome_reverse(actor=admin, outcome=Outcome.objects.get(learning_record=r), reason="错录")
    rollups.rollups_refresh()
    assert not cells.exists()


def test_a_new_indicator_version_gets_its_own_measure_caught_up_from_the_start(root, hand_city):
    h, admin = hand_city, root
    record(h, h.people["P1"], datetime.date(2026, 5, 5), "health")
    record(h, h.people["P5"], datetime.date(2026, 5, 6), "community")
    rollups.rollups_refresh()
    measures = Measure.objects.count()
    services.indicator_version_create(actor=people_factories.account_make(Role.CITY_ADMIN, place=places_factories.place(places_factories.DAZHOU)),
                                      code="ADULT-ACAD", spec={
        "numerator": {"source": "records", "count": "persons", "filters": {"course_kind": ["health", "community"]}}})
    rollups.rollups_refresh()  # the background refresh the new version enqueued
    row = selectors.indicator_drilldown(actor=admin, code="ADULT-ACAD", place_id=h.city.pk, period=period_parse("2026")).row
    assert row.indicator.version == 2
    assert row.actual.numerator == Decimal(2)
    assert Measure.objects.count() == measures + 1


# --- groups and the registered residents ---------------------------------------------------------------------

def naive_employees(people: dict, place, *, participating_in=None) -> int:
    """Registered employees living under the place (registered by the end of the period, or of 2026), and with a
    period, those with a vocational, professional or cadre record dated in it, counted over the profiles as they
    are now."""
    found = 0
    end = participating_in.end if participating_in is not None else datetime.date(2026, 12, 31)
    for p in LearnerProfile.objects.filter(pk__in=[q.pk for q in people.values()]):
        if not p.residence.path.startswith(place.path) or not p.groups.filter(code="employee").exists():
            continue
        if participating_in is None and (p.registered_on or p.created_at.date()) > end:
            continue
        if participating_in is not None and not LearningRecord.objects.filter(
                learner=p, course_kind__in=["vocational", "professional", "cadre"],
                date__gte=participating_in.start, date__lte=participating_in.end).exists():
            continue
        found += 1
    return found


def test_group_masks_and_resident_cells_follow_registrations_group_changes_and_moves(root, hand_city):
    """EMP-CE: employees with a workplace record over registered employees, read from the cells (group masks,
    resident cells), equal to counting the profiles — after a new registration, a group change and a move, and
    again after a full recompute."""
    h, admin = hand_city, root
    period = period_parse("2026")
    record(h, h.people["P4"], datetime.date(2026, 9, 15), "vocational")
    record(h, h.people["P5"], datetime.date(2026, 2, 1), "professional")  # P5 is not an employee (yet)

    def check():
        rollups.rollups_refresh()  # as the background refresh does after each change
        for place in (h.city, h.a, h.b, h.s1, h.c1, h.c3):
            row = selectors.indicator_drilldown(actor=admin, code="EMP-CE", place_id=place.pk, period=period).row
            assert row.actual.numerator == naive_employees(h.people, place, participating_in=period), place.name
            assert (row.actual.denominator or 0) == naive_employees(h.people, place), place.name

    check()
    assert rollups.rollups_snapshot()["resident_cell"]
    # a new employee registers through the service (the profile and its groups in one transaction)
    h.people["P6"] = learner_profile_create(actor=admin, name="测试六",
                                            id_number=idcard.make("359902", datetime.date(1985, 2, 2), 761),
                                            residence_code=h.c4.code, groups=["employee"])
    check()
    # P5 becomes an employee and moves: the resident cells follow at once (the profile's updated_at moved)
    learner_profile_update(actor=admin, profile=h.people["P5"], groups=["employee"], residence_code=h.c3.code)
    h.people["P5"].refresh_from_db()
    rollups.rollups_refresh()
    row = selectors.indicator_drilldown(actor=admin, code="EMP-CE", place_id=h.b.pk, period=period).row
    assert row.actual.denominator == naive_employees(h.people, h.b)
    # P5's professional record was counted before P5 was an employee: a recompute counts it under today's groups
    incremental = rollups.rollups_snapshot()
    rollups.rollups_recompute()
    assert rollups.rollups_snapshot()["resident_cell"] == incremental["resident_cell"]
    check()


def test_a_group_without_a_bit_is_counted_over_the_memberships_with_the_same_numbers(root, hand_city):
    h, admin = hand_city, root
    period = period_parse("2026")
    record(h, h.people["P4"], datetime.date(2026, 9, 15), "vocational")
    record(h, h.people["P1"], datetime.date(2026, 3, 10), "cadre")
    rollups.rollups_refresh()

    def figures():
        rows = [selectors.indicator_drilldown(actor=admin, code="EMP-CE", place_id=p.pk, period=period).row
                for p in (h.city, h.a, h.b)]
        by_group = selectors.indicator_breakdown(actor=admin, code="CE-PART", by="group", place_id=h.city.pk,
                                                 period=period).rows
        return [(r.actual.numerator, r.actual.denominator) for r in rows], [(r.key, r.value) for r in by_group]

    with_bits = figures()
    assert with_bits[0][0] == (Decimal(2), 2)
    GroupBit.objects.filter(group_id=LearnerGroup.objects.get(code="employee").pk).delete()
    assert rollups.group_mask(["employee"]) is None and not rollups.rollups_behind()
    assert figures() == with_bits


def test_the_64th_group_gets_no_bit(db):
    have = len(rollups.group_bits_sync())
    LearnerGroup.objects.bulk_create([LearnerGroup(code=f"g{i}", name=f"群体{i}")
                                      for i in range(rollups.MAX_GROUP_BITS - have + 1)])
    bits = rollups.group_bits_sync()
    assert len(bits) == rollups.MAX_GROUP_BITS and len(set(bits.values())) == rollups.MAX_GROUP_BITS
    last = LearnerGroup.objects.order_by("-pk").first()
    assert last.pk not in bits and rollups.group_mask([last.code]) is None


def test_a_december_registration_leaves_the_previous_years_rate_unchanged(root, hand_city):
    """EMP-CE over the employees registered by the period's end: P1 and P4 (registered in 2020); P4 took a
    vocational course in 2025 and in 2026. An employee registering in December 2026 joins 2026's denominator
    only: 2025 and 2026's third quarter keep theirs, incrementally and after a full recompute."""
    h, admin = hand_city, root
    record(h, h.people["P4"], datetime.date(2025, 6, 1), "vocational")
    record(h, h.people["P4"], datetime.date(2026, 6, 1), "vocational")

    def rates():
        rollups.rollups_refresh()  # as the background refresh does after each change
        return {key: (row.actual.numerator, row.actual.denominator, row.actual.value) for key in ("2025", "2026-Q3", "2026")
                for row in [selectors.indicator_drilldown(actor=admin, code="EMP-CE", place_id=h.city.pk,
                                                          period=period_parse(key)).row]}

    before = rates()
    assert before == {"2025": (1, 2, Decimal("50.00")), "2026-Q3": (0, 2, Decimal("0.00")),
                      "2026": (1, 2, Decimal("50.00"))}
    p6 = learner_profile_create(actor=admin, name="测试六", id_number=idcard.make("359902", datetime.date(1985, 2, 2), 761),
                                residence_code=h.c4.code, groups=["employee"])
    p6.registered_on = datetime.date(2026, 12, 15)
    p6.save()
    after = rates()
    assert after["2025"] == before["2025"] and after["2026-Q3"] == before["2026-Q3"]
    assert after["2026"] == (1, 3, Decimal("33.33"))
    rollups.rollups_recompute()
    assert rates() == after
    assert (p6.pk, 202612) in {(s[0], s[5]) for s in rollups.rollups_snapshot()["resident_state"]}
