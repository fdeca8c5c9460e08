"""The demo city's monitoring: learning organisations (generated, marked "（演示）"), targets taken from the seeds and
adapted to the city, and the rollups brought up to date from every record the earlier builders wrote.

Targets (source "seed"), for the demo's year and the year before:
- community-education participation: 35% for the city (Dazhou 2014); by district, Chongqing's tiers adapted —
  50% in the urban core, 40% in the other districts, 30% in the counties;
- employee continuing-education participation 25%, adult academic enrolments 5,000, non-academic certifications
  10,000, non-academic person-times 1,000,000 (Dazhou 2014), volunteer hours 20,000, online person-times 50,000:
  counts for a whole city, scaled to the demo (below);
- coverage: 90% of streets with a community school and 80% of communities with a learning room (the seven
  ministries' 90/80/70% east/centre/west, east);
- 5 demonstration and 5 experimental zones (Chongqing: 5 national each), 30 learning organisations, 2,000 free
  venues: counts of places and organisations, which a sample of residents does not shrink.

The demo's residents are a sample of the real city (20,000 of 福州's 8.47 million by default), so its rates would
all be near 0% against the real population. So the sample is the population of every year the pages show (the
demo's year and the four before, every place, by sex and age band at 1 January of each year): one definition of
the denominator, so a year compares with the last like with like.

Count targets are the seeds' city-wide figures scaled once, by `count_target_scale` and nowhere else: by the
sample's share of the city's learning, not of its population. The sample is of registered learners, who learn far
more than the average resident, so the population share (20,000 / 8.47 million) would leave targets of a few
hours and certificates that the demo exceeds a hundredfold. The share of learning is measured on the seeds' one
figure for the city's whole learning volume, non-academic person-times (1,000,000 a year): the demo's
non-academic person-times of the year before its year ÷ 1,000,000. Rate targets are the seeds' as they are.

The residents' registration dates are spread over the years before the demo's (and some in it), never after
their first enrolment or learning record; a few venues, learning rooms, titles and learning organisations open,
close or are withdrawn during the demo's years, so the reference counts move with their dates.
"""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DateField, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from learncity.catalog.models import Course, CourseSession, Enrollment, Event, Venue
from learncity.core.audit import audit_record
from learncity.core.bulk import insert_rows
from learncity.core.sql import bulk_sql
from learncity.monitoring.models import (
    Indicator,
    IndicatorVersion,
    IndicatorVersionStatus,
    Target,
    TargetSource,
)
from learncity.monitoring.periods import period_of
from learncity.monitoring.rollups import rollups_refresh
from learncity.monitoring.seeds import FREE_VENUE_KINDS
from learncity.monitoring.selectors import indicator_drilldown
from learncity.network.models import (
    Designation,
    DesignationTier,
    Institution,
    InstitutionKind,
    LearningOrganisation,
    LearningOrganisationKind,
    MemberUnit,
)
from learncity.people.models import LearnerProfile, User
from learncity.places.models import (
    AGE_BAND_CODES,
    SEX_CHOICES,
    Place,
    PlaceLevel,
    Population,
    PopulationBand,
    age_band_of,
)
from learncity.records.models import LearningRecord

CORE = ("鼓楼区", "台江区", "仓山区", "晋安区")  # Fuzhou's urban core (Chongqing's "nine core districts" tier)
CITY_TARGETS = {
    "CE-PART": "35", "EMP-CE": "25", "ADULT-ACAD": "5000", "NONACAD-CERT": "10000", "NONACAD-PT": "1000000",
    "ELDER-PART": "20", "STREET-SCHOOL": "90", "COMMUNITY-ROOM": "80", "DEMO-ZONE": "5", "EXP-ZONE": "5",
    "LEARNING-ORG": "30", "VOLUNTEER-HRS": "20000", "ONLINE-PT": "50000", "FREE-VENUE": "2000",
}
# Counts of places and organisations, which the sample does not shrink.
UNSCALED = {"DEMO-ZONE", "EXP-ZONE", "LEARNING-ORG", "FREE-VENUE", "STREET-SCHOOL", "COMMUNITY-ROOM"}
# The seeds' figure for the city's whole learning volume: what the sample's share of the city's learning is
# measured against (count_target_scale).
LEARNING_VOLUME = ("NONACAD-PT", Decimal(CITY_TARGETS["NONACAD-PT"]))
REGISTRATIONS_FROM = datetime.date(2019, 1, 1)  # the earliest a demo resident registered
ORG_WORDS = ["书香", "求知", "启航", "同心", "致远", "笃行", "明德", "善学", "和美", "创新"]


def build_monitoring(city: Place, rng: random.Random, today: datetime.date, progress=lambda *a: None) -> dict[str, int]:
    progress("监测评估", 0, 2)
    with transaction.atomic():
        orgs = _learning_organisations(city, rng, today)
        _registrations(city, today)
        _sample_population(city, range(today.year - 4, today.year + 1))
        dated = _effective_dates(city, rng, today)
    progress("监测评估", 1, 3)
    rollups_refresh()
    progress("监测评估", 2, 3)
    with transaction.atomic():
        scale = count_target_scale(city, today.year - 1)
        targets = _targets(city, today, scale)
        audit_record(actor=None, action="demo.monitoring", obj=city, targets=targets, learning_organisations=orgs,
                     count_target_scale=str(scale), dated=dated)
    progress("监测评估", 3, 3)
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


def _registrations(city: Place, today: datetime.date) -> None:
    """Each resident's registration date: a day from REGISTRATIONS_FROM to the demo's today picked by their id
    (about a quarter in the demo's two years), moved back to their first enrolment or learning record when that
    is earlier. Two set-based statements."""
    span = (today - REGISTRATIONS_FROM).days
    profiles = LearnerProfile.objects.filter(residence__path__startswith=city.path)
    day = bulk_sql().date_plus_days(REGISTRATIONS_FROM, f"(id * 7919) %% {span}")
    table = connection.ops.quote_name(LearnerProfile._meta.db_table)
    ids_sql, ids_params = profiles.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET registered_on = {day}, updated_at = %s "
                    f"WHERE id IN ({ids_sql})", [timezone.now(), *ids_params])
    first = (LearningRecord.objects.filter(learner=OuterRef("pk")).order_by("date").values("date")[:1])
    enrolled = (Enrollment.objects.filter(learner=OuterRef("pk")).order_by("created_at").values("created_at")[:1])
    profiles.annotate(first=Subquery(first), enrolled=Subquery(enrolled)).filter(
        Q(first__lt=F("registered_on")) | Q(enrolled__date__lt=F("registered_on"))).update(
        registered_on=Least(Coalesce(Subquery(first), F("registered_on")),
                            Coalesce(Cast(Subquery(enrolled), DateField()), F("registered_on"))))


def _sample_population(city: Place, years) -> None:
    """The residents as the population of each of `years`, at every level of the city, by sex and age band at 1
    January of each year (the same people every year: the sample stands for the city's residents, registered or
    not)."""
    places = dict(Place.objects.filter(path__startswith=city.path).values_list("code", "pk"))
    # residents by (place of residence, sex, age base): the age at 1 January of year Y is Y − age base
    counted: Counter = Counter()
    for residence, birth, sex in LearnerProfile.objects.filter(residence__path__startswith=city.path).values_list(
            "residence_id", "birth_date", "sex").iterator(chunk_size=20_000):
        counted[(residence, sex, birth.year + (0 if (birth.month, birth.day) == (1, 1) else 1))] += 1
    chain = {pk: [places[c] for c in path.strip("/").split("/") if c in places]
             for pk, path in Place.objects.filter(pk__in={k[0] for k in counted}).values_list("pk", "path")}
    years = list(years)
    Population.objects.filter(place_id__in=list(places.values()), year__in=years).delete()
    for year in years:
        cells: dict[int, Counter] = defaultdict(Counter)
        for (residence, sex, base), n in counted.items():
            band = age_band_of(max(year - base, 0))
            for pk in chain[residence]:
                cells[pk][(sex, band)] += n
        # Every place of the city, those without residents too (a 0, so no rate there rather than one against
        # other figures), with all its sex × age-band cells like any population table.
        populations = Population.objects.bulk_create(
            [Population(place_id=pk, year=year, total=sum(cells[pk].values())) for pk in places.values()],
            batch_size=2000)
        insert_rows(PopulationBand, ("population_id", "sex", "age_band", "count"),
                    ((pop.pk, sex, band, cells[pop.place_id][(sex, band)])
                     for pop in populations for band in AGE_BAND_CODES for sex, _ in SEX_CHOICES))


def count_target_scale(city: Place, year: int) -> Decimal:
    """The one factor the seeds' city-wide count targets are multiplied by for the demo (see the module's
    docstring): the sample's share of the city's learning, its non-academic person-times of `year` over the
    seeds' figure for a whole city's. 1 when the demo has no learning that year."""
    code, city_volume = LEARNING_VOLUME
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return Decimal(1)
    row = indicator_drilldown(actor=admin, code=code, place_id=city.pk,
                              period=period_of("year", datetime.date(year, 1, 1))).row
    volume = row.actual.numerator or Decimal(0)
    return (volume / city_volume) if volume else Decimal(1)


def _effective_dates(city: Place, rng: random.Random, today: datetime.date) -> dict[str, int]:
    """Some of the city's reference rows open, close or are withdrawn during the demo's two years: venues open
    free to the public that host nothing before their opening or after their closing, learning rooms that opened
    in the demo's year (their courses all start later), a title withdrawn, learning organisations withdrawn."""
    last_year = datetime.date(today.year - 1, 1, 1)
    free = Venue.objects.filter(place__path__startswith=city.path, kind__in=FREE_VENUE_KINDS).exclude(free_open_days="")
    used_before = {vid for vid in CourseSession.objects.filter(date__lt=datetime.date(today.year, 3, 1))
                   .values_list("venue_id", flat=True)} | set(
        Event.objects.filter(starts_at__date__lt=datetime.date(today.year, 3, 1)).values_list("venue_id", flat=True))
    used_after = {vid for vid in CourseSession.objects.filter(date__gte=datetime.date(today.year - 1, 9, 30))
                  .values_list("venue_id", flat=True)} | set(
        Event.objects.filter(starts_at__date__gte=datetime.date(today.year - 1, 9, 30)).values_list("venue_id", flat=True))
    candidates = list(free.order_by("pk").values_list("pk", flat=True))
    opened = [v for v in candidates if v not in used_before][:6]
    closed = [v for v in candidates if v not in used_after and v not in opened][:3]
    Venue.objects.filter(pk__in=opened).update(opened_on=datetime.date(today.year, 3, 1))
    Venue.objects.filter(pk__in=closed).update(closed_on=datetime.date(today.year - 1, 9, 30))
    # learning rooms whose courses all began after 1 March of the demo's year opened then
    rooms = Institution.objects.filter(place__path__startswith=city.path, kind=InstitutionKind.LEARNING_ROOM,
                                       is_active=True)
    early = set(Course.objects.filter(sessions__date__lt=datetime.date(today.year, 3, 1))
                .values_list("institution_id", flat=True))
    new_rooms = [pk for pk in rooms.order_by("pk").values_list("pk", flat=True) if pk not in early][:20]
    Institution.objects.filter(pk__in=new_rooms).update(opened_on=datetime.date(today.year, 3, 1))
    titles = list(Designation.objects.filter(place__path__startswith=city.path, tier=DesignationTier.MUNICIPAL)
                  .order_by("pk")[:1])
    Designation.objects.filter(pk__in=[t.pk for t in titles]).update(ended_on=datetime.date(today.year, 6, 30))
    orgs = list(LearningOrganisation.objects.filter(place__path__startswith=city.path, year__lt=last_year.year)
                .order_by("pk").values_list("pk", flat=True))
    withdrawn = rng.sample(orgs, min(len(orgs), 2))
    LearningOrganisation.objects.filter(pk__in=withdrawn).update(ended_on=datetime.date(today.year - 1, 12, 31))
    return {"venues_opened": len(opened), "venues_closed": len(closed), "rooms_opened": len(new_rooms),
            "titles_withdrawn": len(titles), "organisations_withdrawn": len(withdrawn)}


def _targets(city: Place, today: datetime.date, scale: Decimal) -> int:
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
                    Decimal(1), (Decimal(value) * scale).quantize(Decimal(1)))
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
