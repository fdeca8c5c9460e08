"""A small hand-made city (测试市, code 359900) beside the demo city, so indicator values can be worked out by hand.

    测试市 359900 ── 甲区 359901 ── 一街道 359901001 ── 一社区 C1, 二社区 C2
                 └─ 乙区 359902 ── 二街道 359902001 ── 三社区 C3
                                └─ 三街道 359902002 ── 四社区 C4

Population (2025): the city 1000 and 甲区 500, by band (see POP_*); 乙区 has none; 三街道 has a total of 0.
Residents P1–P5 (see `hand_city`). Records are made through `learning_record_create` by a community school of the
tests' own (in 达州市, outside the hand-made city, as the demo's school was), accredited through the credit bank's
service for the demo catalogue's CE-COURSE, ELDER-COURSE and VT-COURSE as the demo's is, so recognition runs as in
life.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from learncity.catalog.models import Venue
from learncity.monitoring.rollups import rollups_refresh
from learncity.network.models import Designation, Institution, InstitutionKind, LearningOrganisation
from learncity.people.models import LearnerProfile
from learncity.places.models import Place, PlaceLevel
from learncity.pools.models import Volunteer, VolunteerService
from learncity.records.models import RecordKind

from .factories import place_make, population_make, provider_make, record_make, resident_make

POP_CITY = {("M", "18-24"): 100, ("F", "18-24"): 100, ("M", "60-69"): 50, ("F", "60-69"): 50,
            ("M", "0-14"): 350, ("F", "0-14"): 350}
POP_A = {("M", "18-24"): 50, ("F", "18-24"): 50, ("M", "60-69"): 25, ("F", "60-69"): 25,
         ("M", "0-14"): 175, ("F", "0-14"): 175}


@dataclass
class HandCity:
    city: Place
    a: Place
    b: Place
    s1: Place
    s2: Place
    s3: Place
    c1: Place
    c2: Place
    c3: Place
    c4: Place
    people: dict[str, LearnerProfile]
    staff: object
    provider: object


def person(key: str, residence: Place, birth: datetime.date, sex: str, groups=(),
           registered: datetime.date = datetime.date(2020, 1, 1)) -> LearnerProfile:
    return resident_make(key, residence, birth, sex, groups, registered)


def record(city: HandCity, who: LearnerProfile, day: datetime.date, course_kind: str, *, hours="32",
           kind=RecordKind.COMPLETION, score=None):
    return record_make(city.staff, city.provider, who, day, course_kind, hours=hours, kind=kind, score=score)


@pytest.fixture
def hand_city(db) -> HandCity:
    city = place_make("359900", "测试市", PlaceLevel.CITY, None)
    a = place_make("359901", "甲区", PlaceLevel.DISTRICT, city)
    b = place_make("359902", "乙区", PlaceLevel.DISTRICT, city)
    s1 = place_make("359901001", "一街道", PlaceLevel.STREET, a)
    s2 = place_make("359902001", "二街道", PlaceLevel.STREET, b)
    s3 = place_make("359902002", "三街道", PlaceLevel.STREET, b)
    c1 = place_make("359901001001", "一社区", PlaceLevel.COMMUNITY, s1)
    c2 = place_make("359901001002", "二社区", PlaceLevel.COMMUNITY, s1)
    c3 = place_make("359902001001", "三社区", PlaceLevel.COMMUNITY, s2)
    c4 = place_make("359902002001", "四社区", PlaceLevel.COMMUNITY, s3)
    population_make(city, POP_CITY)
    population_make(a, POP_A)
    population_make(s3, None, total=0)
    staff, provider = provider_make()
    people = {
        "P1": person("P1", c1, datetime.date(1980, 5, 5), "F", ["employee"]),
        "P2": person("P2", c2, datetime.date(1950, 1, 1), "M"),
        "P3": person("P3", c3, datetime.date(2010, 6, 1), "M"),
        "P4": person("P4", c3, datetime.date(1966, 7, 1), "F", ["employee"]),
        "P5": person("P5", c1, datetime.date(1990, 3, 3), "M"),
    }
    # the network and reference tables
    for i, (kind, place, active) in enumerate([
            (InstitutionKind.COMMUNITY_SCHOOL, s1, True), (InstitutionKind.COMMUNITY_SCHOOL, s3, False),
            (InstitutionKind.LEARNING_ROOM, c1, True), (InstitutionKind.LEARNING_ROOM, c3, True),
            (InstitutionKind.LEARNING_ROOM, c4, False)]):
        Institution.objects.create(code=f"HAND{i}", name=f"测试机构{i}", kind=kind, place=place, is_active=active)
    # 二社区's learning room closed on 30 April 2026: counted up to the day before
    Institution.objects.create(code="HAND9", name="测试机构9", kind=InstitutionKind.LEARNING_ROOM, place=c2,
                               is_active=False, opened_on=datetime.date(2021, 1, 1), closed_on=datetime.date(2026, 4, 30))
    Designation.objects.create(place=a, kind="demonstration", tier="national", year=2020)
    # 乙区's provincial title was withdrawn on 1 January 2026
    Designation.objects.create(place=b, kind="demonstration", tier="provincial", year=2018,
                               ended_on=datetime.date(2026, 1, 1))
    Designation.objects.create(place=b, kind="experimental", tier="municipal", year=2027)
    LearningOrganisation.objects.create(name="甲区学习型机关", kind="agency", place=a, year=2024)
    LearningOrganisation.objects.create(name="一街道学习型企业", kind="enterprise", place=s1, year=2024)
    LearningOrganisation.objects.create(name="乙区学习型家庭", kind="family", place=b, year=2027)
    LearningOrganisation.objects.create(name="甲区学习型社区", kind="community", place=a, year=2022,
                                        ended_on=datetime.date(2025, 7, 1))
    Venue.objects.create(name="一社区图书室", kind="library", place=c1, free_open_days="每周三")
    Venue.objects.create(name="二街道文化站", kind="cultural_station", place=s2, free_open_days="")
    # a teaching point open free on Saturdays is not a learning venue of FREE-VENUE's; a museum closed in June
    # 2025; a science museum opened in May 2026
    Venue.objects.create(name="一街道社区学校教学点", kind="classroom", place=s1, free_open_days="每周六")
    Venue.objects.create(name="甲区博物馆", kind="museum", place=a, free_open_days="周二至周日",
                         closed_on=datetime.date(2025, 6, 30))
    Venue.objects.create(name="乙区科技馆", kind="science_museum", place=b, free_open_days="每周三",
                         opened_on=datetime.date(2026, 5, 1))
    volunteer = Volunteer.objects.create(learner=people["P1"])
    VolunteerService.objects.create(volunteer=volunteer, date=datetime.date(2026, 4, 4), hours=Decimal("3.5"),
                                    activity="图书整理", institution=provider)
    VolunteerService.objects.create(volunteer=volunteer, date=datetime.date(2025, 11, 11), hours=Decimal("2"),
                                    activity="讲座服务", institution=provider)
    refreshed()
    return HandCity(city, a, b, s1, s2, s3, c1, c2, c3, c4, people, staff, provider)


def refreshed() -> None:
    """What the background refresh does after data arrives (pages never refresh): the rollups, the place closure
    and the registered residents brought up to date."""
    rollups_refresh()
