"""The demo city's monitoring: targets from the seeds, learning organisations, rollups up to date."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from learncity.catalog.models import Attendance, Venue
from learncity.catalog.services import _session_hours
from learncity.demo.builder import demo_build
from learncity.monitoring import rollups, selectors
from learncity.monitoring.models import Target
from learncity.monitoring.periods import period_parse
from learncity.monitoring.seeds import NON_ACADEMIC_KINDS
from learncity.network.models import LearningOrganisation
from learncity.people.models import LearnerProfile
from learncity.places.models import Place, Population
from learncity.records.models import LearningRecord


def test_the_demo_city_has_seed_targets_and_up_to_date_rollups(city):
    assert not rollups.rollups_behind()
    year = datetime.date(2026, 1, 1)
    city_targets = dict(Target.objects.filter(place=city, period_start=year).values_list("indicator__code", "value"))
    assert city_targets["CE-PART"] == Decimal("35.00") and city_targets["EMP-CE"] == Decimal("25.00")
    # The demo's residents are a sample: they are the population of every year the pages show, so the years compare.
    residents = LearnerProfile.objects.filter(residence__path__startswith=city.path).count()
    for y in range(year.year - 4, year.year + 1):
        sample = Population.objects.get(place=city, year=y)
        assert sample.total == residents == sum(sample.bands.values_list("count", flat=True)), y
    # Count targets: the seeds' city-wide figures × one scale, the sample's share of the city's learning (its
    # non-academic person-times of the year before over the seeds' 1,000,000), worked out here from the raw rows.
    volume = LearningRecord.objects.filter(
        learner__residence__path__startswith=city.path, kind__in=["completion", "event", "resource"],
        course_kind__in=NON_ACADEMIC_KINDS, date__year=year.year - 1).count()
    assert volume > 0
    scale = Decimal(volume) / Decimal(1_000_000)
    for code, seed in (("NONACAD-PT", 1_000_000), ("ADULT-ACAD", 5_000), ("VOLUNTEER-HRS", 20_000),
                       ("NONACAD-CERT", 10_000), ("ONLINE-PT", 50_000)):
        assert city_targets[code] == max(1, (Decimal(seed) * scale).quantize(Decimal(1))), code
    gulou = Place.objects.get(parent=city, name="鼓楼区")
    assert Population.objects.get(place=gulou, year=year.year).total == LearnerProfile.objects.filter(
        residence__path__startswith=gulou.path).count()
    tiers = dict(Target.objects.filter(indicator__code="CE-PART", place__parent=city, period_start=year)
                 .values_list("place__name", "value"))
    assert tiers["鼓楼区"] == Decimal("50.00") and tiers["闽侯县"] == Decimal("30.00") and tiers["长乐区"] == Decimal("40.00")
    assert len(tiers) == Place.objects.filter(parent=city).count()
    assert set(Target.objects.filter(place__path__startswith=city.path).values_list("source", flat=True)) == {"seed"}
    orgs = LearningOrganisation.objects.filter(place__path__startswith=city.path)
    assert orgs.count() > 10 and all(o.name.endswith("（演示）") and o.member_unit_id for o in orgs)


def fingerprint(code: str):
    with transaction.atomic():
        result = demo_build(city=code, residents=30, seed=5)
        path = result.city.path
        out = (sorted(LearningOrganisation.objects.filter(place__path__startswith=path)
                      .values_list("place__code", "kind", "name", "year", "member_unit__name")),
               sorted(Target.objects.filter(place__path__startswith=path)
                      .values_list("indicator__code", "place__code", "period_start", "value")))
        assert not rollups.rollups_behind()
        transaction.set_rollback(True)
    return out


def test_the_monitoring_demo_is_deterministic(db):
    first, second = fingerprint("620300"), fingerprint("620300")
    assert first == second and first[0] and first[1]


def test_the_demo_attendances_have_the_learning_records_a_check_in_makes(city):
    attendances = Attendance.objects.filter(session__course__institution__place__path__startswith=city.path)
    records = LearningRecord.objects.filter(kind="attendance", learner__residence__path__startswith=city.path)
    assert attendances.count() == records.count() > 0
    for a in attendances.select_related("session__course__institution", "enrollment").order_by("pk")[:50]:
        r = LearningRecord.objects.get(provider=a.session.course.institution, external_id=f"attendance-{a.pk}")
        session = a.session
        assert (r.learner_id, r.kind, r.course_kind, r.course_id, r.session_id, r.title, r.hours, r.date) == (
            a.enrollment.learner_id, "attendance", session.course.kind, session.course_id, session.pk,
            session.course.title, _session_hours(session), session.date)


def test_the_demo_residents_register_before_they_learn_and_the_reference_counts_have_dates(users, city):
    # (the demo city's own figures are the subject: read as its administrator)
    profiles = LearnerProfile.objects.filter(residence__path__startswith=city.path)
    assert not profiles.filter(registered_on__isnull=True).exists()
    assert profiles.filter(registered_on__year=2026).exists() and profiles.filter(registered_on__year__lt=2025).exists()
    records = LearningRecord.objects.filter(learner__in=profiles)
    assert records.exists() and not records.filter(date__lt=F("learner__registered_on")).exists()
    venues = Venue.objects.filter(place__path__startswith=city.path)
    assert venues.filter(opened_on__isnull=False).exists() and venues.filter(closed_on__isnull=False).exists()
    free = {key: selectors.indicator_drilldown(actor=users["city_admin"], code="FREE-VENUE",
                                               period=period_parse(key)).row.actual.numerator
            for key in ("2024", "2025", "2026")}
    opened = venues.filter(opened_on__year=2026).exclude(free_open_days="").count()
    closed = venues.filter(closed_on__year=2025).exclude(free_open_days="").count()
    assert opened and closed
    assert (free["2025"] - free["2024"], free["2026"] - free["2025"]) == (-closed, opened)
