"""The demo city's monitoring: targets from the seeds, learning organisations, rollups up to date."""

import datetime
from decimal import Decimal

from django.db import transaction

from learncity.demo.builder import demo_build
from learncity.monitoring import rollups
from learncity.monitoring.models import Target
from learncity.network.models import LearningOrganisation
from learncity.people.models import LearnerProfile
from learncity.places.models import Place, Population


def test_the_demo_city_has_seed_targets_and_up_to_date_rollups(city):
    assert not rollups.rollups_behind()
    year = datetime.date(2026, 1, 1)
    city_targets = dict(Target.objects.filter(place=city, period_start=year).values_list("indicator__code", "value"))
    assert city_targets["CE-PART"] == Decimal("35.00") and city_targets["EMP-CE"] == Decimal("25.00")
    # The demo's residents are a sample: for its year they are the population, and count targets shrink with them.
    sample = Population.objects.get(place=city, year=year.year)
    residents = LearnerProfile.objects.filter(residence__path__startswith=city.path).count()
    assert sample.total == residents == sum(sample.bands.values_list("count", flat=True))
    real = Population.objects.filter(place=city, year__lt=year.year).order_by("-year").first()
    assert real.total > 1_000_000
    for code, seed in (("NONACAD-PT", 1_000_000), ("ADULT-ACAD", 5_000)):
        assert city_targets[code] == max(1, round(Decimal(seed) * residents / real.total))
    assert city_targets["DEMO-ZONE"] == Decimal("5.00")  # counts of places are not scaled
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
