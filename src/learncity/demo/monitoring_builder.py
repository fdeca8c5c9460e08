"""The demo city's monitoring: learning organisations (generated, marked "（演示）"), targets taken from the seeds and
adapted to the city, and the rollups brought up to date from every record the earlier builders wrote.

Targets (source "seed"), for the demo's year and the year before:
- community-education participation: 35% for the city (Dazhou 2014); by district, Chongqing's tiers adapted —
  50% in the urban core, 40% in the other districts, 30% in the counties;
- employee continuing-education participation 25%, adult academic enrolments 5,000, non-academic certifications
  10,000, non-academic person-times 1,000,000 (Dazhou 2014), scaled to the city's share of Dazhou's population
  is not attempted: the seed figures are used as they are;
- coverage: 90% of streets with a community school and 80% of communities with a learning room (the seven
  ministries' 90/80/70% east/centre/west, east);
- 5 demonstration and 5 experimental zones (Chongqing: 5 national each), 30 learning organisations.

The demo's residents are a sample of the real city (20,000 of 福州's 8.47 million by default), so its rates would
all be near 0% against the real population. For the demo's year it therefore records the sample as that year's
population (every place, by sex and age band at 1 January, counted from the registered residents; the earlier
years keep the real-scale figures), and count targets (persons, person-times, hours) are the seed figures scaled
by the same sample share. Rate targets are the seeds' as they are.
"""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction

from learncity.core.audit import audit_record
from learncity.core.bulk import insert_rows
from learncity.monitoring.models import (
    Indicator,
    IndicatorVersion,
    IndicatorVersionStatus,
    Target,
    TargetSource,
)
from learncity.monitoring.periods import period_of
from learncity.monitoring.rollups import rollups_refresh
from learncity.network.models import LearningOrganisation, LearningOrganisationKind, MemberUnit
from learncity.people.models import LearnerProfile
from learncity.places.models import (
    AGE_BAND_CODES,
    SEX_CHOICES,
    Place,
    PlaceLevel,
    Population,
    PopulationBand,
    age_band_of,
)

CORE = ("鼓楼区", "台江区", "仓山区", "晋安区")  # Fuzhou's urban core (Chongqing's "nine core districts" tier)
CITY_TARGETS = {
    "CE-PART": "35", "EMP-CE": "25", "ADULT-ACAD": "5000", "NONACAD-CERT": "10000", "NONACAD-PT": "1000000",
    "ELDER-PART": "20", "STREET-SCHOOL": "90", "COMMUNITY-ROOM": "80", "DEMO-ZONE": "5", "EXP-ZONE": "5",
    "LEARNING-ORG": "30", "VOLUNTEER-HRS": "20000", "ONLINE-PT": "50000", "FREE-VENUE": "2000",
}
# Counts of places and organisations, which the sample does not shrink.
UNSCALED = {"DEMO-ZONE", "EXP-ZONE", "LEARNING-ORG", "FREE-VENUE", "STREET-SCHOOL", "COMMUNITY-ROOM"}
ORG_WORDS = ["书香", "求知", "启航", "同心", "致远", "笃行", "明德", "善学", "和美", "创新"]


def build_monitoring(city: Place, rng: random.Random, today: datetime.date, progress=lambda *a: None) -> dict[str, int]:
    progress("监测评估", 0, 2)
    with transaction.atomic():
        orgs = _learning_organisations(city, rng, today)
        share = _sample_population(city, today.year)
        targets = _targets(city, today, share)
        audit_record(actor=None, action="demo.monitoring", obj=city, targets=targets, learning_organisations=orgs)
    progress("监测评估", 1, 2)
    rollups_refresh()
    progress("监测评估", 2, 2)
    return {"learning_organisations": orgs, "targets": targets}


def _learning_organisations(city: Place, rng: random.Random, today: datetime.date) -> int:
    streets = list(Place.objects.filter(path__startswith=city.path, level=PlaceLevel.STREET).order_by("code"))
    units = list(MemberUnit.objects.filter(committee__place=city).order_by("pk"))
    kinds = list(LearningOrganisationKind)
    rows, seen = [], set()
    for street in rng.sample(streets, min(len(streets), 24)):
        kind = rng.choice(kinds)
        name = f"{street.name}{rng.choice(ORG_WORDS)}{kind.label[3:]}（演示）"
        if (street.pk, kind, name) in seen:
            continue
        seen.add((street.pk, kind, name))
        rows.append(LearningOrganisation(name=name, kind=kind, place=street, year=rng.randint(today.year - 4, today.year),
                                         member_unit=rng.choice(units) if units else None))
    LearningOrganisation.objects.bulk_create(rows)
    return len(rows)


def _sample_population(city: Place, year: int) -> Decimal:
    """The registered residents as the population of `year`, at every level of the city; returns their share of
    the real-scale population of the year before (the scale count targets are brought to)."""
    places = dict(Place.objects.filter(path__startswith=city.path).values_list("code", "pk"))
    jan1 = datetime.date(year, 1, 1)
    cells: dict[int, Counter] = defaultdict(Counter)
    for path, birth, sex in LearnerProfile.objects.filter(residence__path__startswith=city.path).values_list(
            "residence__path", "birth_date", "sex").iterator(chunk_size=20_000):
        age = jan1.year - birth.year - ((jan1.month, jan1.day) < (birth.month, birth.day))
        band = age_band_of(max(age, 0))
        for code in path.strip("/").split("/"):
            if code in places:
                cells[places[code]][(sex, band)] += 1
    real = Population.objects.filter(place=city, year__lt=year).order_by("-year").values_list("total", flat=True).first()
    Population.objects.filter(place_id__in=list(places.values()), year=year).delete()
    # Every place of the city, those without residents too (a 0, so no rate there rather than one against the
    # real-scale figures of an earlier year), with all its sex × age-band cells like any population table.
    populations = Population.objects.bulk_create(
        [Population(place_id=pk, year=year, total=sum(cells[pk].values())) for pk in places.values()], batch_size=2000)
    insert_rows(PopulationBand, ("population_id", "sex", "age_band", "count"),
                ((pop.pk, sex, band, cells[pop.place_id][(sex, band)])
                 for pop in populations for band in AGE_BAND_CODES for sex, _ in SEX_CHOICES))
    residents = sum(cells[city.pk].values())
    return Decimal(residents) / Decimal(real) if real and residents else Decimal("1")


def _targets(city: Place, today: datetime.date, share: Decimal) -> int:
    indicators = {i.code: i for i in Indicator.objects.all()}
    rates = set(IndicatorVersion.objects.filter(status=IndicatorVersionStatus.ACTIVE, spec__denominator__isnull=False)
                .values_list("indicator__code", flat=True))
    districts = list(Place.objects.filter(parent=city).order_by("code"))
    rows = []
    for year in (today.year - 1, today.year):
        period = period_of("year", datetime.date(year, 1, 1))
        for code, value in CITY_TARGETS.items():
            if code in indicators:
                scaled = Decimal(value) if code in rates or code in UNSCALED else max(
                    Decimal(1), (Decimal(value) * share).quantize(Decimal(1)))
                rows.append(Target(indicator=indicators[code], place=city, period_kind="year", period_start=period.start,
                                   period_end=period.end, value=scaled, source=TargetSource.SEED))
        if "CE-PART" in indicators:
            for d in districts:
                tier = "50" if d.name in CORE else "30" if d.name.endswith("县") else "40"
                rows.append(Target(indicator=indicators["CE-PART"], place=d, period_kind="year",
                                   period_start=period.start, period_end=period.end, value=Decimal(tier),
                                   source=TargetSource.SEED))
    Target.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
