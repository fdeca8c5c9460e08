"""The demo city's learning catalog: venues; the teacher, textbook, expert and volunteer pools; four terms of
courses over two years with their weekly sessions; events; digital resources; and the residents' enrollments,
attendance and learning records. All generated (source "demo", codes prefixed "DEMO").

Deterministic for a city, seed and set of residents. Set-based: rows are made in Python and written per table with
core.bulk (COPY on PostgreSQL), so 20,000 residents take seconds. Call it inside the demo build, after the
institutions, committees and residents exist.

Invariants the catalog's services enforce, and so this builder keeps:
- no two sessions in the same venue and room overlap (each course holds one weekly slot of a room for its term);
- Course.enrolled_count = the course's live enrollments (enrolled + completed) <= capacity; waitlist 1..n;
- one learning record per completion, event attended, resource fully viewed and volunteer service entry
  (external_id `volunteer-service-<id>`, as catalog.pools.volunteer_service_record makes it), external_id unique
  per provider;
- one learning record per attendance, the record a check-in makes (catalog.services._attend: kind attendance, the
  course's kind and title, the session's date and hours, external_id `attendance-<id>`, at the course's
  institution), written set-based here rather than by 300,000 calls of the service.
"""

import datetime
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Event,
    EventKind,
    EventRegistration,
    EventRegistrationStatus,
    Expert,
    ExpertKind,
    LearningRecord,
    Mode,
    RecordKind,
    RecordSource,
    Resource,
    ResourceKind,
    Teacher,
    TeacherKind,
    Textbook,
    Venue,
    Volunteer,
    VolunteerService,
)
from learncity.core.bulk import insert_rows, next_ids
from learncity.network.models import Institution
from learncity.network.models import InstitutionKind as IK
from learncity.people.models import LearnerGroup, LearnerProfile
from learncity.places.models import Place, PlaceLevel

from . import catalog_names as words
from . import names

Progress = Callable[[str, int, int], None]

# The four terms of the two demo years: (code, first Monday). A term has 16 teaching weeks; the National Day
# week is skipped. The demo's "today" (builder.TODAY, 2026-11-01) falls in the middle of the last one.
TERMS = [("2025春", datetime.date(2025, 3, 3)), ("2025秋", datetime.date(2025, 9, 8)),
         ("2026春", datetime.date(2026, 3, 2)), ("2026秋", datetime.date(2026, 9, 7))]
TERM_SHARE = [0.22, 0.24, 0.26, 0.28]  # the catalog grows a little each term
WEEKS = 16
# Daily slots a room is booked by: (start, longest session). A course keeps its weekday and slot all term.
SLOTS = [(datetime.time(8, 30), 3.0), (datetime.time(14, 30), 3.0), (datetime.time(19, 0), 2.5)]
SESSION_HOURS = {"elderly": [1.5, 2.0], "vocational": [2.5, 3.0], "academic": [2.5, 3.0],
                 "professional": [2.0, 2.5, 3.0], "cadre": [3.0]}
# When a kind meets: weekdays (0 = Monday) x slot indexes.
WEEKDAYS, WEEKEND, ALL_DAYS = range(5), (5, 6), range(7)
MEETS = {
    "elderly": [(d, s) for d in WEEKDAYS for s in (0, 1)],
    "cadre": [(d, s) for d in WEEKDAYS for s in (0, 1)],
    "vocational": [(d, 2) for d in WEEKDAYS] + [(d, s) for d in WEEKEND for s in (0, 1)],
    "professional": [(d, 2) for d in WEEKDAYS] + [(d, s) for d in WEEKEND for s in (0, 1)],
    "academic": [(d, 2) for d in WEEKDAYS] + [(d, s) for d in WEEKEND for s in (0, 1)],
    "family": [(d, 2) for d in WEEKDAYS] + [(d, s) for d in WEEKEND for s in (0, 1)],
}
ANY_SLOT = [(d, s) for d in ALL_DAYS for s in range(len(SLOTS))]

KIND_WEIGHTS = {"community": 14, "elderly": 16, "vocational": 10, "professional": 6, "cadre": 3, "academic": 4,
                "rural": 7, "family": 8, "health": 9, "culture": 10, "digital": 9, "law": 5}
# Who offers what: course kind -> {provider role: weight}. Roles are institution kinds, except that Dazhou's
# 继续教育中心 play the community university / college / learning room by their tier (see _role).
PROVIDERS: dict[str, dict[str, float]] = {
    "community": {"community_university": 2, "community_college": 6, "community_school": 20, "learning_room": 14,
                  "cultural_station": 3, "folk_learning_community": 2},
    "elderly": {"elderly_university": 30, "community_school": 6, "learning_room": 3, "community_college": 3},
    "vocational": {"vocational_school": 6, "vocational_centre": 10, "enterprise_training": 10, "community_college": 4,
                   "open_university_branch": 3, "workers_palace": 3},
    "professional": {"open_university": 6, "university": 8, "vocational_school": 4, "open_university_branch": 4},
    "cadre": {"community_university": 6, "open_university": 4, "community_college": 4},
    "academic": {"open_university": 6, "open_university_branch": 10, "university": 4},
    "rural": {"learning_room:rural": 10, "vocational_centre": 8, "community_school:rural": 8},
    "family": {"community_school": 10, "learning_room": 8, "community_college": 4, "youth_palace": 4},
    "health": {"community_school": 10, "learning_room": 8, "elderly_university": 4, "community_college": 3},
    "culture": {"cultural_centre": 8, "cultural_station": 6, "youth_palace": 4, "workers_palace": 4,
                "community_school": 5, "elderly_university": 6, "folk_learning_community": 3, "museum": 1,
                "library": 1},
    "digital": {"community_school": 6, "community_college": 5, "library": 4, "open_university_branch": 4,
                "elderly_university": 4, "science_museum": 2, "learning_room": 3},
    "law": {"community_school": 8, "learning_room": 6, "community_college": 3, "open_university_branch": 2},
}
ONLINE_PROVIDERS = {"open_university", "open_university_branch", "university", "community_university",
                    "community_college", "vocational_school", "library"}
ONLINE_KINDS = {"digital", "professional", "academic", "cadre", "law", "health", "family"}
# Institution role -> venue kind. Social organisations and folk learning communities have no venue of their own:
# they teach at the street's cultural station.
VENUE_KIND = {
    IK.LIBRARY: Venue.Kind.LIBRARY, IK.MUSEUM: Venue.Kind.MUSEUM, IK.CULTURAL_CENTRE: Venue.Kind.CULTURAL_CENTRE,
    IK.CULTURAL_STATION: Venue.Kind.CULTURAL_STATION, IK.SCIENCE_MUSEUM: Venue.Kind.SCIENCE_MUSEUM,
    IK.YOUTH_PALACE: Venue.Kind.YOUTH_PALACE, IK.WORKERS_PALACE: Venue.Kind.WORKERS_PALACE,
    IK.ELDERLY_UNIVERSITY: Venue.Kind.ELDERLY_CENTRE,
    **{k: Venue.Kind.CLASSROOM for k in (
        IK.COMMUNITY_UNIVERSITY, IK.GUIDANCE_CENTRE, IK.COMMUNITY_COLLEGE, IK.COMMUNITY_SCHOOL, IK.LEARNING_ROOM,
        IK.CONTINUING_EDUCATION_CENTRE, IK.OPEN_UNIVERSITY, IK.OPEN_UNIVERSITY_BRANCH, IK.UNIVERSITY,
        IK.VOCATIONAL_SCHOOL, IK.VOCATIONAL_CENTRE, IK.ENTERPRISE_TRAINING)},
}
# How many a teaching venue seats, by who runs it (the others: catalog_names.VENUE_HOURS).
CLASSROOM_CAPACITY = {"learning_room": (30, 80), "community_school": (60, 200), "enterprise_training": (40, 150)}
RESOURCE_PROVIDERS = ("open_university", "community_university", "library", "elderly_university",
                      "open_university_branch", "community_college")
SCORED_KINDS = {"vocational", "professional", "academic", "cadre"}
COMPLETION_SHARE = 0.6
SIGN_UP_TIMES = [datetime.time(h, m) for h in range(8, 22) for m in (0, 10, 20, 30, 40, 50)]

# How much to make for N residents: proportional, with floors (so a small demo still shows every kind and topic)
# and caps (so `learncity demo`, 20,000 residents, stays fast: ~2,000 courses, ~60,000 enrollments).
COURSES_PER_RESIDENT, MIN_COURSES, MAX_COURSES = 0.1, 160, 3000
ENROLLMENTS_PER_RESIDENT, MAX_ENROLLMENTS = 3.2, 100_000
EVENT_RECORDS_PER_RESIDENT, MAX_EVENT_RECORDS = 0.8, 30_000
RESOURCE_RECORDS_PER_RESIDENT, MAX_RESOURCE_RECORDS = 0.6, 20_000
MIN_RESOURCES, MAX_RESOURCES = 80, 400
MIN_VOLUNTEERS, MAX_VOLUNTEERS = 5, 1500

# The next term's courses (_next_term): a share of the current term's number, at least NEXT_TERM_MIN, the topics
# learners search for most among them; its first week NEXT_TERM_LEAD weeks or more after the build date; sign-ups
# open NEXT_TERM_OPENED days before the build.
NEXT_TERM_SHARE, NEXT_TERM_MIN, NEXT_TERM_LEAD, NEXT_TERM_OPENED = 0.12, 12, 3, 7
NEXT_TERM_POPULAR = ("太极拳", "书法", "英语", "瑜伽", "Python")

COUNT_KEYS = ("venues", "teachers", "textbooks", "experts", "volunteers", "volunteer_services", "courses",
              "sessions", "enrollments", "attendance", "events", "event_registrations", "resources",
              "learning_records")


def _noop(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class _Inst:
    id: int
    name: str
    kind: str
    role: str  # the kind, or for Dazhou's 继续教育中心 the part it plays (see _Build._load)
    place_id: int
    place_name: str
    district: str  # the district's code; "" for the city's own institutions
    rural: bool
    address: str


@dataclass
class _Course:
    id: int
    inst: _Inst
    kind: str
    title: str
    term: int
    mode: str
    capacity: int
    session_hours: float
    groups: tuple[str, ...]
    slot: int = 0
    sessions: list[tuple[int, datetime.date, bool]] = field(default_factory=list)  # (id, date, online)
    topic: str = ""  # the topic's title (catalog_names.COURSE_TOPICS), without the variant's suffix
    venue_id: int | None = None
    room: str = ""
    weekday: int = 0


def build_catalog(city: Place, rng: random.Random, progress: Progress = _noop, *,
                  residents_ids: list[int] | None = None, today: datetime.date | None = None,
                  built_on: datetime.date | None = None) -> dict[str, int]:
    """Build the city's demo catalog; return the rows made per table. A city that has one already is left as it
    is (all counts 0). `today` defaults to the demo's today (builder.TODAY), `residents_ids` to every resident of
    the city, `built_on` (the real date of the build, which dates the next term's courses: see _next_term) to the
    local date."""
    if today is None:
        from .builder import TODAY as today  # here, not at the top: the builder imports this module
    if Venue.objects.filter(place__path__startswith=city.path).exists():
        return dict.fromkeys(COUNT_KEYS, 0)
    with transaction.atomic():
        return _Build(city, rng, progress, residents_ids, today, built_on or timezone.localdate()).run()


def next_term(built_on: datetime.date) -> tuple[str, datetime.date]:
    """The term whose courses a demo built on `built_on` announces: (code, first Monday). It starts on the
    first Monday at least NEXT_TERM_LEAD weeks after the build; its code is by that Monday's month: July to
    October the autumn term of its year, November and December the spring term of the next (a build in December
    2026 announces 2027春, starting in the winter), January to June the spring term of its year. Never one of the
    demo's own TERMS, as the build date is taken no earlier than the demo's today."""
    day = built_on + datetime.timedelta(weeks=NEXT_TERM_LEAD)
    monday = day + datetime.timedelta(days=-day.weekday() % 7)
    if monday.month >= 11:
        return f"{monday.year + 1}春", monday
    return f"{monday.year}{'秋' if monday.month >= 7 else '春'}", monday



class _Build:
    def __init__(self, city: Place, rng: random.Random, progress: Progress, residents_ids, today: datetime.date,
                 built_on: datetime.date):
        self.city, self.rng, self.progress, self.today, self.built_on = city, rng, progress, today, built_on
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.adapt_dt = connection.ops.adapt_datetimefield_value
        self.adapt_time = connection.ops.adapt_timefield_value
        self.counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
        self._dt_cache: dict[tuple, object] = {}
        self.province = city.parent.name if city.parent_id else city.name
        self._load(residents_ids)

    # --- inputs ---------------------------------------------------------------------------------------------

    def _load(self, residents_ids):
        city = self.city
        self.districts = list(Place.objects.filter(parent=city).order_by("code").values_list("id", "code", "name"))
        district_ids = {d[0] for d in self.districts}
        self.insts: list[_Inst] = []
        for iid, name, kind, place_id, path, pname, address in (
                Institution.objects.filter(place__path__startswith=city.path, is_active=True).order_by("code")
                .values_list("id", "name", "kind", "place_id", "place__path", "place__name", "address")):
            role = kind
            if kind == IK.CONTINUING_EDUCATION_CENTRE:  # Dazhou: 继续教育大学 / 学院 / 中心
                role = ("community_university" if place_id == city.id else
                        "community_college" if place_id in district_ids else "learning_room")
            elif kind == IK.GUIDANCE_CENTRE:
                role = "community_university"
            self.insts.append(_Inst(iid, name, kind, role, place_id, pname, self._district_of(path),
                                    pname.endswith(("村", "镇", "乡")), address))
        self.by_role: dict[str, list[_Inst]] = defaultdict(list)
        for i in self.insts:
            self.by_role[i.role].append(i)
        if not self.insts:
            raise ValueError(f"{city.name} has no institutions: build the demo city first")
        self.top = (self.by_role.get("community_university") or self.insts)[0]
        self.college_of = {i.district: i for i in self.by_role.get("community_college", [])}
        self.groups = dict(LearnerGroup.objects.values_list("code", "id"))
        self.group_names = dict(LearnerGroup.objects.values_list("code", "name"))

        wanted = set(residents_ids) if residents_ids is not None else None
        self.residents = [r for r in LearnerProfile.objects.filter(residence__path__startswith=city.path)
                          .order_by("id").values_list("id", "residence__path", "residence_id", "birth_date")
                          if wanted is None or r[0] in wanted]
        self.all_ids = [r[0] for r in self.residents]
        district_of = {rid: self._district_of(path) for rid, path, _, _ in self.residents}
        self.pool_district: dict[str, list[int]] = defaultdict(list)
        self.pool_group: dict[str, list[int]] = defaultdict(list)
        self.pool_group_district: dict[tuple[str, str], list[int]] = defaultdict(list)
        for rid in self.all_ids:
            self.pool_district[district_of[rid]].append(rid)
        through = LearnerProfile.groups.through
        for pid, gcode in (through.objects.filter(learnerprofile__residence__path__startswith=city.path)
                           .order_by("learnerprofile_id", "learnergroup_id")
                           .values_list("learnerprofile_id", "learnergroup__code")):
            if pid in district_of:
                self.pool_group[gcode].append(pid)
                self.pool_group_district[(gcode, district_of[pid])].append(pid)
        self._unions: dict[tuple, list[int]] = {}

    def _district_of(self, path: str) -> str:
        return path[len(self.city.path):].split("/")[0]

    def _pool(self, groups: tuple[str, ...], district: str, need: int) -> list[int]:
        """Whom a course enrolls: its target groups in its district, else city-wide, else anyone nearby, else
        anyone: the first of these with `need` residents."""
        options = []
        if groups:
            if district:
                options.append(self._union(groups, district))
            options.append(self._union(groups, ""))
        if district:
            options.append(self.pool_district.get(district, []))
        options.append(self.all_ids)
        return next(pool for pool in options if len(pool) >= need or pool is self.all_ids)

    def _union(self, groups: tuple[str, ...], district: str) -> list[int]:
        key = (groups, district)
        if key not in self._unions:
            lists = [self.pool_group_district.get((g, district), []) if district else self.pool_group.get(g, [])
                     for g in groups]
            self._unions[key] = lists[0] if len(lists) == 1 else sorted(set().union(*lists))
        return self._unions[key]

    # --- helpers --------------------------------------------------------------------------------------------

    def dt(self, day: datetime.date, at: datetime.time, minutes: int = 0):
        """A local date and time as the database takes it (aware; naive UTC text on SQLite). Cached: the demo's
        times repeat, and adapting 200,000 of them would be a good part of the build."""
        key = (day, at, minutes)
        value = self._dt_cache.get(key)
        if value is None:
            value = self._dt_cache[key] = self.adapt_dt(
                datetime.datetime.combine(day, at, tzinfo=self.tz) + datetime.timedelta(minutes=minutes))
        return value

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(names.GIVEN_CHARS) + (rng.choice(names.GIVEN_CHARS) if rng.random() < 0.8 else "")
        return rng.choice(names.SURNAMES) + given

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def _insert(self, key: str, model, columns, rows) -> None:
        # Quoted: CourseSession has a column named "end", a reserved word in PostgreSQL.
        self.counts[key] += insert_rows(model, [connection.ops.quote_name(c) for c in columns], rows)

    def _link(self, through, columns, pairs) -> None:
        insert_rows(through, ("id", *columns), ((i, *p) for i, p in zip(next_ids(through, len(pairs)), pairs,
                                                                          strict=True)))

    def _records(self, records: list[tuple]) -> None:
        """Learning records from (learner, provider, kind, course_kind, course, event, resource, title, hours,
        score, date, external_id, created_at)."""
        ids = next_ids(LearningRecord, len(records))
        rows = ((rid, learner, provider, kind, ck, course, None, event, resource, title[:200], hours, score, day,
                 RecordSource.DEMO, ext, created, None)
                for rid, (learner, provider, kind, ck, course, event, resource, title, hours, score, day, ext, created)
                in zip(ids, records, strict=True))
        self._insert("learning_records", LearningRecord,
                     ("id", "learner_id", "provider_id", "kind", "course_kind", "course_id", "session_id", "event_id",
                      "resource_id", "title", "hours", "score", "date", "source", "external_id", "created_at",
                      "created_by_id"), rows)

    # --- the build ------------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        n = len(self.all_ids)
        self.n_courses = max(MIN_COURSES, min(MAX_COURSES, round(n * COURSES_PER_RESIDENT)))
        self.target_enrollments = min(round(n * ENROLLMENTS_PER_RESIDENT), MAX_ENROLLMENTS)
        self._venues()
        self._textbooks()
        self._experts()
        self._courses()
        self._enrollments()
        self._events()
        self._resources()
        self._volunteers()
        self._next_term()
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for model in (Course, CourseSession, Enrollment, Attendance, LearningRecord):
                    cur.execute(f"ANALYZE {model._meta.db_table}")
        return dict(self.counts)

    # venues -------------------------------------------------------------------------------------------------

    def _venues(self):
        rng = self.rng
        own = [i for i in self.insts if i.kind in VENUE_KIND]
        extra = [(f"{self.city.name}体育中心体育馆", Venue.Kind.GYMNASIUM, self.city.id, self.city.name, "")]
        for did, dcode, dname in self.districts:  # gymnasiums and schools that open their facilities
            if rng.random() < 0.5:
                extra.append((f"{dname}全民健身中心体育馆", Venue.Kind.GYMNASIUM, did, dname, dcode))
            if rng.random() < 0.4:
                school = rng.choice([f"{dname}实验小学", f"{dname}第{rng.randint(1, 12)}中学", f"{dname}实验中学"])
                extra.append((school, Venue.Kind.SCHOOL, did, dname, dcode))
        self.venue_of: dict[int, int] = {}  # institution -> its venue
        self.station_of_place: dict[int, int] = {}  # street -> its cultural station's venue
        self.rooms: dict[int, list[str]] = {}
        self.venue_info: dict[int, tuple] = {}  # venue -> (kind, institution or None, district, capacity, name)
        rows = []
        ids = iter(next_ids(Venue, len(own) + len(extra)))
        for i in own:
            vid, vkind = next(ids), VENUE_KIND[i.kind]
            if vkind == Venue.Kind.ELDERLY_CENTRE:
                name = f"{i.name.removesuffix('老年大学')}老年活动中心"
            elif vkind == Venue.Kind.CLASSROOM and i.role != "learning_room":
                name = f"{i.name}教学点"
            else:
                name = i.name
            rows.append(self._venue_row(vid, name, vkind, i.place_id, i, i.address or i.place_name,
                                        capacity=CLASSROOM_CAPACITY.get(i.role)))
            self.venue_of[i.id] = vid
            self.rooms[vid] = list(words.ROOMS.get(i.role, ["多功能厅"]))
            if i.kind == IK.CULTURAL_STATION:
                self.station_of_place[i.place_id] = vid
        for name, vkind, place_id, pname, district in extra:
            vid = next(ids)
            rows.append(self._venue_row(vid, name, vkind, place_id, None, pname, district))
            self.rooms[vid] = ["主馆"]
        rows = self._venue_addresses(rows)
        self._insert("venues", Venue, ("id", "name", "kind", "place_id", "institution_id", "address",
                                       "opening_hours", "free_open_days", "capacity", "accessibility",
                                       "transit_note"), rows)
        self.progress("场馆", len(rows), len(rows))

    def _venue_addresses(self, rows: list[tuple]) -> list[tuple]:
        """Each venue's full address (district, street, road and number: 鼓楼区鼓东街道五四路 128 号; a village's by
        its group), a transit note for most of the bigger venues and some teaching points, and a name that says
        its street (or district) where the city has several of that name (the generated villages repeat names: 22
        南门村学习室 in 22 villages looked like one venue listed 22 times).
        Two institutions of one name at one place share one venue instead of listing it twice. Drawn from an rng
        of their own, so the rest of the demo stays as it was."""
        rng = random.Random(f"{self.city.code}:venue-addresses")
        places = {pid: (name, level, parent) for pid, name, level, parent in Place.objects.filter(
            path__startswith=self.city.path).values_list("id", "name", "level", "parent_id")}

        def chain(place_id):  # district, street, community names (those the place has)
            names, pid = {}, place_id
            while pid in places and places[pid][1] >= PlaceLevel.DISTRICT:
                name, level, parent = places[pid]
                names[level] = name
                pid = parent
            return names.get(PlaceLevel.DISTRICT, ""), names.get(PlaceLevel.STREET, ""), names.get(
                PlaceLevel.COMMUNITY, "")

        streets_of = defaultdict(list)  # a district's streets: a venue of the district itself is in one of them
        for pid, (_, level, parent) in sorted(places.items()):
            if level == PlaceLevel.STREET:
                streets_of[parent].append(pid)
        city_districts = [pid for pid, (_, level, parent) in sorted(places.items())
                          if level == PlaceLevel.DISTRICT and parent == self.city.id]
        name_count = defaultdict(int)
        for row in rows:
            name_count[row[1]] += 1
        seen: dict[tuple, int] = {}
        out = []
        for vid, name, vkind, place_id, inst_id, _address, hours, free, capacity, access in rows:
            if (name, place_id) in seen:  # a second institution of the same name at the same place
                kept = seen[(name, place_id)]
                self.venue_of.update({i: kept for i, v in self.venue_of.items() if v == vid})
                self.station_of_place.update({p: kept for p, v in self.station_of_place.items() if v == vid})
                self.venue_info.pop(vid, None)
                self.rooms.pop(vid, None)
                continue
            seen[(name, place_id)] = vid
            district, street, community = chain(place_id)
            if not district and city_districts:  # the city's own venues stand in one of its central districts
                place_id_for_address = rng.choice(city_districts[:3])
                district = places[place_id_for_address][0]
            else:
                place_id_for_address = place_id
            if not street and streets_of.get(place_id_for_address):
                street = places[rng.choice(streets_of[place_id_for_address])][0]
            prefix = chain(place_id)[1] or district
            if name_count[name] > 1 and prefix and not name.startswith(prefix):
                name = f"{prefix}{name}"[:128]
                info = self.venue_info.get(vid)
                if info:
                    self.venue_info[vid] = (*info[:4], name)
            village = community.endswith("村")
            if village:
                address = f"{district}{street}{community}{rng.randint(1, 12)}组 {rng.randint(1, 99)} 号"
            else:
                road = rng.choice(words.ROADS)
                address = f"{district}{street}{community if vkind == Venue.Kind.CLASSROOM else ''}{road} " \
                          f"{rng.randint(1, 399)} 号"
            big = vkind not in (Venue.Kind.CLASSROOM, Venue.Kind.CULTURAL_STATION)
            transit = ""
            if village and rng.random() < 0.3:
                transit = words.TRANSIT_VILLAGE.format(stop=community)
            elif not village and rng.random() < (0.9 if big else 0.3):
                stop = (street or district or self.city.name).removesuffix("街道") + rng.choice(["", "口", "路口"])
                if big and street.endswith("街道") and rng.random() < 0.6:  # the metro runs in town
                    transit = words.TRANSIT_METRO.format(line=rng.randint(1, 6), stop=stop,
                                                         exit=rng.choice("ABCD"), minutes=rng.randint(3, 10))
                else:
                    a = rng.randint(1, 180)
                    transit = words.TRANSIT_BUS.format(a=a, b=a + rng.randint(3, 90), stop=stop,
                                                       minutes=rng.randint(2, 8))
            out.append((vid, name, vkind, place_id, inst_id, address[:200], hours, free, capacity, access, transit))
        return out

    def _venue_row(self, vid, name, vkind, place_id, inst: _Inst | None, address, district="", capacity=None):
        hours, free, (lo, hi) = words.VENUE_HOURS[vkind]
        if vkind == Venue.Kind.CLASSROOM and capacity:
            lo, hi = capacity
        capacity = self.rng.randint(lo, hi) // 10 * 10
        self.venue_info[vid] = (vkind, inst, inst.district if inst else district, capacity, name)
        return (vid, name[:128], vkind, place_id, inst.id if inst else None, address[:200], hours, free, capacity,
                self.rng.choice(words.ACCESSIBILITY))

    def venues_of(self, vkind: str, district: str) -> list[int]:
        return [vid for vid, (k, _, d, _, _) in self.venue_info.items() if k == vkind and d == district]

    # textbooks, teachers, experts ---------------------------------------------------------------------------

    def _textbooks(self):
        rng = self.rng
        topics = [t for entries in words.COURSE_TOPICS.values() for t, _, _ in entries]
        ids = iter(next_ids(Textbook, 2 * len(topics)))
        rows, self.textbooks_of = [], {}
        for title in topics:
            base = title.split("（")[0].split("：")[-1]
            self.textbooks_of[title] = []
            for series in rng.sample(words.TEXTBOOK_SERIES, rng.randint(1, 2)):
                tid = next(ids)
                publisher, prefix = rng.choice(words.PUBLISHERS)
                authors = "、".join(self.person() for _ in range(rng.randint(1, 3))) + " 主编"
                rows.append((tid, series.format(topic=base), authors, publisher, isbn13(prefix, rng), base[:64]))
                self.textbooks_of[title].append(tid)
        self._insert("textbooks", Textbook, ("id", "title", "authors", "publisher", "isbn", "topic"), rows)

    def _experts(self):
        rng = self.rng
        count = max(20, min(80, 20 + 3 * len(self.districts)))
        orgs = [i.name for role in ("university", "open_university", "community_university", "vocational_school")
                for i in self.by_role.get(role, [])]
        orgs += [o.format(city=self.city.name, province=self.province) for o in words.EXPERT_ORGS]
        kinds = [ExpertKind.CONSULTANCY, ExpertKind.GUIDANCE, ExpertKind.REVIEWER]
        rows = [(eid, self.person(), rng.choices(kinds, weights=[3, 4, 3])[0],
                 "、".join(rng.sample(words.EXPERT_FIELDS, rng.randint(1, 3))), rng.choice(orgs), self.city.id, None)
                for eid in next_ids(Expert, count)]
        self._insert("experts", Expert, ("id", "name", "kind", "specialities", "organisation", "city_id", "user_id"),
                     rows)

    # courses and their sessions -----------------------------------------------------------------------------

    def _providers(self, kind: str):
        """(role weights, [(institutions, their weights)]) of a course kind, among the roles the city has."""
        weights, members = [], []
        for role, w in PROVIDERS[kind].items():
            base, _, rural = role.partition(":")
            found = self.by_role.get(base, [])
            if rural:
                found = [i for i in found if i.rural] or found
            if found:
                weights.append(w)
                members.append((found, [3 if i.district == "" else 1 for i in found]))  # city-level teach more
        return (weights, members) if weights else ([1], [([self.top], [1])])

    def _courses(self):
        rng = self.rng
        kinds = list(KIND_WEIGHTS)
        providers = {k: self._providers(k) for k in kinds}
        # Every topic once, so any city shows them all; then more by the kinds' weights.
        plan = [(k, entry) for k in kinds for entry in words.COURSE_TOPICS[k]]
        while len(plan) < self.n_courses:
            k = rng.choices(kinds, weights=[KIND_WEIGHTS[x] for x in kinds])[0]
            plan.append((k, rng.choice(words.COURSE_TOPICS[k])))
        rng.shuffle(plan)
        terms = [t for t, share in enumerate(TERM_SHARE) for _ in range(round(share * len(plan)))]
        terms = (terms + [len(TERMS) - 1] * len(plan))[:len(plan)]
        rng.shuffle(terms)
        # The topics added for English searches (yoga, Python, spoken English …) run this term in any city.
        current = {title for entries in words.MORE_COURSE_TOPICS.values() for title, _, _ in entries}
        terms = [len(TERMS) - 1 if title in current else t for (_, (title, _, _)), t in zip(plan, terms, strict=True)]

        self.term_weeks = [term_weeks(start) for _, start in TERMS]
        occupied: set[tuple] = set()
        teachers = _TeacherPool(self)
        self.courses: list[_Course] = []
        self.course_rows, self.group_links, self.textbook_links, self.session_rows = [], [], [], []
        created = self.dt(TERMS[0][1] - datetime.timedelta(days=45), datetime.time(9))
        for seq, ((kind, (title, groups, room_hint)), term, cid) in enumerate(
                zip(plan, terms, next_ids(Course, len(plan)), strict=True), start=1):
            weights, members = providers[kind]
            found, inst_weights = members[rng.choices(range(len(weights)), weights=weights)[0]]
            inst = rng.choices(found, weights=inst_weights)[0]
            suffix = rng.choice(words.TITLE_SUFFIXES[kind])
            if title.endswith("）"):  # 国画（花鸟）中级班, not 国画（花鸟）（中级班）
                suffix = suffix.strip("（）")
            full_title = f"{title}{suffix}"
            mode = Mode.OFFLINE
            if inst.role in ONLINE_PROVIDERS and kind in ONLINE_KINDS:
                r = rng.random()
                mode = Mode.ONLINE if r < 0.35 else Mode.BLENDED if r < 0.55 else Mode.OFFLINE
            h = rng.choice(SESSION_HOURS.get(kind, [1.5, 2.0]))
            lo, hi = math.ceil(8 / h), min(WEEKS, math.floor(48 / h))
            n = rng.randint(max(lo, 10), hi) if kind in ("elderly", "academic") else rng.randint(lo, min(hi, 12))
            if mode == Mode.ONLINE:
                capacity = rng.choice([40, 50, 60])
            elif inst.role == "learning_room":
                capacity = rng.randint(20, 30)
            else:
                capacity = rng.randint(20, 60)
            course = _Course(cid, inst, kind, full_title[:128], term, mode, capacity, h, groups, topic=title)
            code = f"DEMO{self.city.code[:4]}-{TERMS[term][0][:4]}{'S' if term % 2 == 0 else 'A'}-{seq:05d}"
            # One weekly slot of one room for the whole term: no two sessions in a room can overlap.
            if mode == Mode.ONLINE:
                venue_id, room = None, ""
                weekday, course.slot = rng.choice([(d, s) for d, s in ANY_SLOT if SLOTS[s][1] >= h])
            else:
                venue_id = (self.venue_of.get(inst.id) or self.station_of_place.get(inst.place_id)
                            or self.venue_of[self.college_of.get(inst.district, self.top).id])
                room, weekday, course.slot = self._book(occupied, venue_id, term, kind, h, room_hint)
            course.venue_id, course.room, course.weekday = venue_id, room, weekday
            start = SLOTS[course.slot][0]
            end = (datetime.datetime.combine(datetime.date(2000, 1, 1), start) + datetime.timedelta(hours=h)).time()
            start_db, end_db = self.adapt_time(start), self.adapt_time(end)
            url = f"https://learn.example.org/live/{code}" if mode != Mode.OFFLINE else ""
            first_week = rng.randint(0, min(3, WEEKS - n))
            for monday in self.term_weeks[term][first_week:first_week + n]:
                day = monday + datetime.timedelta(days=weekday)
                course.sessions.append((0, day, mode == Mode.ONLINE))
                self.session_rows.append((cid, day, start_db, end_db, venue_id, room, url))
            self.courses.append(course)

            hours = Decimal(str(h)) * n
            state = CourseState.CLOSED if term < len(TERMS) - 1 else CourseState.PUBLISHED
            audience = "、".join(self.group_names.get(g, g) for g in groups) or "全体市民"
            description = (f"{title}。面向{audience}，{TERMS[term][0]}学期开课，每周一次，共{n}次课、{hours}学时。"
                           f"由{inst.name}开设。（演示数据）")
            self.course_rows.append([cid, inst.id, code, course.title, description, kind, mode,
                                     rng.choice(words.LEVELS[kind]) if kind in words.LEVELS else "", hours,
                                     self._fee(kind, inst.role), capacity, state, rng.random() < 0.08,
                                     TERMS[term][0], "", 0, created, created,
                                     words.title_en(title, suffix)[:160], words.TOPIC_TAGS.get(title, ""),
                                     *self._enrolment_window(term, course.sessions)])
            self.group_links += [(cid, self.groups[g]) for g in groups if g in self.groups]
            self.textbook_links += [(cid, tb) for tb in self.textbooks_of[title][:rng.randint(0, 2)]]
            teachers.assign(cid, kind, title, inst)
            if seq % 500 == 0 and seq < len(plan):
                self.progress("课程", seq, len(plan))
        self.teacher_links = teachers.flush()
        self.progress("课程", len(plan), len(plan))

    def _enrolment_window(self, term: int, sessions: list) -> tuple:
        """(enrol_opens, enrol_closes, late_enrolment) of a course. The current term's courses: about a third
        take sign-ups in a window, from three weeks before the first session to the day before the second; the
        first course of the term whose sessions run past the demo's today takes late enrolment (its provider's
        say-so: learners may join although its sessions have mostly passed). An rng of its own, so the rest of the
        demo stays as it was."""
        if not hasattr(self, "_window_rng"):
            self._window_rng, self._late_given = random.Random(f"{self.city.code}:enrolment-windows"), False
        if term != len(TERMS) - 1 or len(sessions) < 2:
            return None, None, False
        first, second, last = sessions[0][1], sessions[1][1], sessions[-1][1]
        if not self._late_given and first < self.today and last > self.today + datetime.timedelta(weeks=6):
            self._late_given = True
            return None, None, True
        if self._window_rng.random() < 0.35:
            return first - datetime.timedelta(days=21), second - datetime.timedelta(days=1), False
        return None, None, False

    def _book(self, occupied: set, venue_id: int, term: int, kind: str, h: float, room_hint: str):
        """A free (room, weekday, slot) of the venue for the term; a new classroom when every one is taken."""
        rng = self.rng
        rooms = self.rooms[venue_id]
        ordered = rng.sample(rooms, len(rooms))
        if room_hint in rooms:
            ordered.remove(room_hint)
            ordered.insert(0, room_hint)
        slots = [(d, s) for d, s in MEETS.get(kind, ANY_SLOT) if SLOTS[s][1] >= h]
        slots = rng.sample(slots, len(slots))
        for room in ordered:
            for d, s in slots:
                if (venue_id, room, term, d, s) not in occupied:
                    occupied.add((venue_id, room, term, d, s))
                    return room, d, s
        room = f"{100 + len(rooms) + 1}教室"
        rooms.append(room)
        d, s = slots[0]
        occupied.add((venue_id, room, term, d, s))
        return room, d, s

    def _fee(self, kind: str, role: str, rng: random.Random | None = None) -> Decimal:
        """Mostly free; some vocational, professional, academic and elderly-university classes charge."""
        rng = rng or self.rng
        r = rng.random()
        if kind == "vocational" and (r < 0.4 or (role == "enterprise_training" and r < 0.6)):
            return Decimal(rng.choice([380, 480, 680, 880, 1200, 1800]))
        if kind == "professional" and r < 0.3:
            return Decimal(rng.choice([120, 200, 300, 600]))
        if kind == "academic" and r < 0.5:
            return Decimal(rng.choice([600, 800, 1200]))
        if kind == "elderly" and r < 0.15:
            return Decimal(rng.choice([100, 150, 200]))
        return Decimal("0")

    # enrollments, attendance, completions -------------------------------------------------------------------

    def _enrollments(self):
        rng = self.rng
        last_term = len(TERMS) - 1
        # Demand: each course's popularity, scaled so the catalog sees about target_enrollments in all.
        popularity = [rng.uniform(0.35, 1.2) for _ in self.courses]
        seats = sum(min(c.capacity, c.capacity * p) for c, p in zip(self.courses, popularity, strict=True)) or 1
        scale = min(1.0, self.target_enrollments / seats) if self.all_ids else 0.0
        plan, total = [], 0
        for c, pop in zip(self.courses, popularity, strict=True):
            demand = c.capacity * pop * scale
            live, overflow = min(c.capacity, round(demand)), 0
            if self.all_ids and c.term == last_term and rng.random() < 0.05:  # a popular class with a waitlist
                live, overflow = c.capacity, rng.randint(1, 6)
            elif demand > c.capacity:
                overflow = min(8, round(demand - c.capacity))
            cancelled = sum(1 for _ in range(live) if rng.random() < 0.05)
            need = live + overflow + cancelled
            if need == 0:
                plan.append((c, [], [], []))
                continue
            pool = self._pool(c.groups, "" if c.mode == Mode.ONLINE else c.inst.district, need)
            picked = rng.sample(pool, min(need, len(pool)))
            live_ids, rest = picked[:live], picked[live:]
            wait_ids = rest[:overflow] if len(live_ids) == c.capacity else []
            plan.append((c, live_ids, wait_ids, rest[len(wait_ids):]))
            total += len(picked)

        # Sessions get their ids, and the courses go in with their enrolled_count already right.
        session_ids = iter(next_ids(CourseSession, len(self.session_rows)))
        for c in self.courses:
            c.sessions = [(next(session_ids), day, online) for _, day, online in c.sessions]
        for row, (_, live_ids, _, _) in zip(self.course_rows, plan, strict=True):
            row[15] = len(live_ids)
        self._insert("courses", Course, ("id", "institution_id", "code", "title", "description", "kind", "mode",
                                         "level", "hours", "fee", "capacity", "state", "featured", "term",
                                         "outcome_standard_code", "enrolled_count", "created_at", "updated_at",
                                         "title_en", "tags", "enrol_opens", "enrol_closes", "late_enrolment"),
                     self.course_rows)
        self._link(Course.target_groups.through, ("course_id", "learnergroup_id"), self.group_links)
        self._link(Course.textbooks.through, ("course_id", "textbook_id"), self.textbook_links)
        self._link(Course.teachers.through, ("course_id", "teacher_id"), self.teacher_links)
        sids = (sid for c in self.courses for sid, _, _ in c.sessions)
        self._insert("sessions", CourseSession, ("id", "course_id", "date", "start", "end", "venue_id", "room",
                                                 "online_url"),
                     ((sid, *row) for sid, row in zip(sids, self.session_rows, strict=True)))
        self.session_rows = self.course_rows = None

        enrollments, attendance, completions = [], [], []
        random = rng.random
        enrollment_ids = iter(next_ids(Enrollment, total))
        for done, (c, live_ids, wait_ids, cancel_ids) in enumerate(plan, start=1):
            term_start = self.term_weeks[c.term][0]
            closed = c.term < last_term
            past = [s for s in c.sessions if s[1] < self.today]
            start = SLOTS[c.slot][0]
            signed_in = {sid: [self.dt(day, start, m) for m in (-10, -5, 0, 3)] for sid, day, _ in past}
            need_sessions = math.ceil(COMPLETION_SHARE * len(c.sessions))
            for learner in live_ids:
                eid = next(enrollment_ids)
                created = self.dt(term_start - datetime.timedelta(days=rng.randint(3, 30)), rng.choice(SIGN_UP_TIMES))
                diligence = rng.uniform(0.7, 1.0) if rng.random() < 0.75 else rng.uniform(0.2, 0.7)
                attended = [s for s in past if random() < diligence]
                for sid, _, online in attended:
                    r = random()  # one draw for how and when they signed in: 300,000 rows
                    method = Attendance.Method.QR if online or r < 0.6 else Attendance.Method.STAFF
                    attendance.append((sid, eid, method, signed_in[sid][int(r * 40) % 4], learner, c))
                status, hours, score, updated = EnrollmentStatus.ENROLLED, None, None, created
                if closed and len(attended) >= need_sessions:
                    status = EnrollmentStatus.COMPLETED
                    hours = Decimal(str(c.session_hours)) * len(attended)
                    if c.kind in SCORED_KINDS or rng.random() < 0.25:
                        score = Decimal(rng.randint(600, 1000)) / 10
                    last_day = c.sessions[-1][1]
                    updated = self.dt(last_day, datetime.time(20))
                    completions.append((learner, c.inst.id, RecordKind.COMPLETION, c.kind, c.id, None, None, c.title,
                                        hours, score, last_day, f"demo-completion-{eid}", updated))
                enrollments.append((eid, c.id, learner, status, None, created, updated, hours, score))
            for position, learner in enumerate(wait_ids, start=1):
                eid = next(enrollment_ids)
                created = self.dt(term_start - datetime.timedelta(days=rng.randint(0, 5)), rng.choice(SIGN_UP_TIMES))
                if closed:  # the term is over: who never got a seat was taken off the list
                    enrollments.append((eid, c.id, learner, EnrollmentStatus.CANCELLED, None, created, created,
                                        None, None))
                else:
                    enrollments.append((eid, c.id, learner, EnrollmentStatus.WAITLISTED, position, created, created,
                                        None, None))
            for learner in cancel_ids:
                eid = next(enrollment_ids)
                created = self.dt(term_start - datetime.timedelta(days=rng.randint(10, 30)), datetime.time(10))
                cancelled = self.dt(term_start - datetime.timedelta(days=rng.randint(0, 9)), datetime.time(16))
                enrollments.append((eid, c.id, learner, EnrollmentStatus.CANCELLED, None, created, cancelled, None,
                                    None))
            if done % 500 == 0 and done < len(plan):
                self.progress("报名与出勤", done, len(plan))
        self._insert("enrollments", Enrollment, ("id", "course_id", "learner_id", "status", "waitlist_position",
                                                 "created_at", "updated_at", "completed_hours", "score"), enrollments)
        attendance.sort(key=lambda row: row[0])  # by session: the indexes fill in order
        attendance_ids = next_ids(Attendance, len(attendance))
        self._insert("attendance", Attendance, ("id", "session_id", "enrollment_id", "method", "at", "recorded_by_id"),
                     ((aid, *row[:4], None) for aid, row in zip(attendance_ids, attendance, strict=True)))
        self._records(completions)
        self._attendance_records(attendance_ids, attendance)
        self.progress("报名与出勤", len(plan), len(plan))

    def _attendance_records(self, attendance_ids, attendance) -> None:
        """Each attendance's learning record, as the check-in service makes it (see the module's docstring)."""
        day_of = {sid: day for c in self.courses for sid, day, _ in c.sessions}
        hours_of = {c.id: Decimal(str(c.session_hours)).quantize(Decimal("0.1")) for c in self.courses}
        rows = ((learner, c.inst.id, RecordKind.ATTENDANCE, c.kind, c.id, sid, c.title, hours_of[c.id], day_of[sid],
                 f"attendance-{aid}", at)
                for aid, (sid, _, _, at, learner, c) in zip(attendance_ids, attendance, strict=True))
        ids = next_ids(LearningRecord, len(attendance))
        self._insert("learning_records", LearningRecord,
                     ("id", "learner_id", "provider_id", "kind", "course_kind", "course_id", "session_id", "event_id",
                      "resource_id", "title", "hours", "score", "date", "source", "external_id", "created_at",
                      "created_by_id"),
                     ((rid, learner, provider, kind, ck, course, session, None, None, title[:200], hours, None, day,
                       RecordSource.DEMO, ext, created, None)
                      for rid, (learner, provider, kind, ck, course, session, title, hours, day, ext, created)
                      in zip(ids, rows, strict=True)))

    # events -------------------------------------------------------------------------------------------------

    def _events(self):
        rng = self.rng
        city, short = self.city, self.city.name.removesuffix("市")
        events = []  # (title, kind, description, organiser, venue, start, end, capacity, hours, course_kind)

        def organiser_of(vid: int, district: str) -> int:
            inst = self.venue_info[vid][1]
            return inst.id if inst else self.college_of.get(district, self.top).id

        def add(title, kind, vid, day, start, end, hours, course_kind="", last_day=None, description=""):
            _, _, district, vcap, vname = self.venue_info[vid]
            capacity = min(vcap, rng.choice([50, 80, 100, 120, 150, 200, 300, 500])) or 50
            events.append((title[:128], kind, description or f"{title}，地点：{vname}。（演示数据）",
                           organiser_of(vid, district), vid, (day, start), (last_day or day, end), capacity,
                           Decimal(str(hours)), course_kind, district))

        def first(*candidates):
            return next((c[0] for c in candidates if c), None)

        areas = [("", city.name)] + [(code, name) for _, code, name in self.districts]
        top_venue = self.venue_of[self.top.id]
        libraries = [vid for vid, info in self.venue_info.items() if info[0] == Venue.Kind.LIBRARY]
        for year in (2025, 2026):
            # 读书月 (April) at every library.
            for vid in libraries:
                for _ in range(rng.randint(1, 2)):
                    start = rng.choice([datetime.time(9, 30), datetime.time(14, 30)])
                    add(f"{year}年全民阅读月·{rng.choice(words.READING_TITLES)}", EventKind.READING, vid,
                        datetime.date(year, 4, rng.randint(1, 30)), start, _plus(start, 2), 2, "culture")
            # 9·28 终身教育活动日: the city's launch, each district's day, some community schools.
            day928 = datetime.date(year, 9, 28)
            for code, name in areas:
                vid = first(self.venues_of(Venue.Kind.CULTURAL_CENTRE, code), self.venues_of(Venue.Kind.LIBRARY, code),
                            [top_venue])
                if code == "":
                    add(f"{year}年{name}“9·28 终身教育活动日”启动仪式", EventKind.ACTIVITY_DAY, vid, day928,
                        datetime.time(9), datetime.time(11, 30), 2.5, "community")
                else:
                    add(f"{year}年{name}“9·28 终身教育活动日”{rng.choice(words.ACTIVITY_DAY_TITLES)}",
                        EventKind.ACTIVITY_DAY, vid, day928, datetime.time(14, 30), datetime.time(17), 2.5,
                        "community")
            schools = self.by_role.get("community_school", [])
            for inst in rng.sample(schools, min(len(schools), 2 * len(self.districts))):
                add(f"{inst.name}“9·28”{rng.choice(words.ACTIVITY_DAY_TITLES)}", EventKind.ACTIVITY_DAY,
                    self.venue_of[inst.id], day928, datetime.time(9), datetime.time(11), 2, "community")
            # 全民终身学习活动周 (a week in November): the city's opening, then each district's events.
            week = LEARNING_WEEKS[year]
            add(f"{year}年{city.name}全民终身学习活动周开幕式", EventKind.LEARNING_WEEK,
                first(self.venues_of(Venue.Kind.CULTURAL_CENTRE, ""), [top_venue]), week, datetime.time(9),
                datetime.time(11, 30), 2.5, "community")
            for code, name in areas[1:]:
                options = (self.venues_of(Venue.Kind.CULTURAL_CENTRE, code) + self.venues_of(Venue.Kind.LIBRARY, code)
                           + self.venues_of(Venue.Kind.ELDERLY_CENTRE, code)
                           + ([self.venue_of[self.college_of[code].id]] if code in self.college_of else []))
                for title in rng.sample(words.LEARNING_WEEK_TITLES, rng.randint(1, 3)):
                    if options:
                        add(f"{year}年{name}全民终身学习活动周·{title}", EventKind.LEARNING_WEEK, rng.choice(options),
                            week + datetime.timedelta(days=rng.randint(0, 6)), datetime.time(14, 30),
                            datetime.time(16, 30), 2, "community")
            # 市民讲堂: monthly at the city library, every other month in the districts.
            for code, _ in areas:
                vid = first(self.venues_of(Venue.Kind.LIBRARY, code), self.venues_of(Venue.Kind.CULTURAL_CENTRE, code))
                if vid is None:
                    continue
                for month in range(1, 13) if code == "" else range(1 + rng.randint(0, 1), 13, 2):
                    topic, kind = rng.choice(words.LECTURE_TOPICS)
                    add(f"市民讲堂：{topic.format(city=short)}", EventKind.LECTURE, vid, second_saturday(year, month),
                        datetime.time(9, 30), datetime.time(11, 30), 2, kind)
            # Exhibitions at museums, the science museum and the cultural centres.
            halls = [vid for vid, info in self.venue_info.items()
                     if info[0] in (Venue.Kind.MUSEUM, Venue.Kind.SCIENCE_MUSEUM, Venue.Kind.CULTURAL_CENTRE)]
            for vid in halls:
                for _ in range(rng.randint(1, 2)):
                    opens = datetime.date(year, rng.randint(1, 11), rng.randint(1, 28))
                    add(rng.choice(words.EXHIBITIONS).format(city=short), EventKind.EXHIBITION, vid, opens,
                        datetime.time(9), datetime.time(17), 1, "culture",
                        last_day=opens + datetime.timedelta(days=rng.randint(20, 60)))
            # Open days: museums on 5·18, the science museum on 全国科普日, gymnasiums on 8·8, open schools on 9·28.
            for vid, (vkind, _, _, _, vname) in self.venue_info.items():
                if vkind == Venue.Kind.MUSEUM:
                    add(f"{year}年“5·18 国际博物馆日”{vname}开放日", EventKind.OPEN_DAY, vid, datetime.date(year, 5, 18),
                        datetime.time(9), datetime.time(17), 2, "culture")
                elif vkind == Venue.Kind.SCIENCE_MUSEUM:
                    add(f"{year}年全国科普日·{vname}开放日", EventKind.OPEN_DAY, vid, third_saturday(year, 9),
                        datetime.time(9, 30), datetime.time(17), 2, "digital")
                elif vkind == Venue.Kind.GYMNASIUM:
                    add(f"{year}年“8·8 全民健身日”{vname}开放活动", EventKind.OPEN_DAY, vid, datetime.date(year, 8, 8),
                        datetime.time(8), datetime.time(12), 2, "health")
                elif vkind == Venue.Kind.SCHOOL:
                    add(f"{year}年{vname}校园开放日", EventKind.OPEN_DAY, vid, day928, datetime.time(9),
                        datetime.time(16), 2, "community")
        ids = next_ids(Event, len(events))
        rows = [(eid, title, kind, description, organiser, vid, self.dt(*start), self.dt(*end), capacity, hours, True)
                for eid, (title, kind, description, organiser, vid, start, end, capacity, hours, _, _)
                in zip(ids, events, strict=True)]
        self._insert("events", Event, ("id", "title", "kind", "description", "organiser_id", "venue_id", "starts_at",
                                       "ends_at", "capacity", "hours", "is_free"), rows)

        # Who came: learning records for the events that are over, about 0.8 per resident in all.
        past = [(eid, e) for eid, e in zip(ids, events, strict=True) if e[6][0] < self.today]
        weight = {eid: min(e[7], 300) for eid, e in past}
        total_weight = sum(weight.values()) or 1
        target = min(round(len(self.all_ids) * EVENT_RECORDS_PER_RESIDENT), MAX_EVENT_RECORDS)
        records = []
        for eid, (title, _, _, organiser, _, start, end, capacity, hours, course_kind, district) in past:
            want = min(capacity, round(target * weight[eid] / total_weight))
            pool = self._pool((), district, want)
            for learner in rng.sample(pool, min(want, len(pool))):
                day = self.day_between(start[0], min(end[0], self.today - datetime.timedelta(days=1)))
                # The record id a check-in gives (services.event_check_in): checking them in again makes none.
                records.append((learner, organiser, RecordKind.EVENT, course_kind, None, eid, None, title, hours, None,
                                day, f"event-{eid}-{learner}", self.dt(day, end[1])))
        self._records(records)
        self._event_registrations(list(zip(ids, events, strict=True)), records)
        self.progress("活动", len(events), len(events))

    def _event_registrations(self, events: list[tuple], records: list[tuple]) -> None:
        """Sign-ups: whoever has an event's learning record signed up and attended; a few more signed up and did
        not come; events still to come have sign-ups (some cancelled), within their capacity; registered_count
        is then set from them in one statement. An rng of their own, so the rest of the demo stays as it was."""
        rng = random.Random(f"{self.city.code}:event-registrations")
        rows, live = [], defaultdict(set)
        for learner, _, _, _, _, eid, _, _, _, _, _, _, created in records:
            rows.append((eid, learner, EventRegistrationStatus.ATTENDED, None, created))
            live[eid].add(learner)
        for eid, (_, _, _, _, _, start, end, capacity, _, _, district) in events:
            upcoming = end[0] >= self.today
            room = capacity - len(live[eid])
            if room <= 0 or (not upcoming and rng.random() < 0.5):
                continue
            want = rng.randint(0, min(room, 60)) if upcoming else rng.randint(0, min(room, 5))
            pool = self._pool((), district, want)
            for learner in rng.sample(pool, min(want, len(pool))):
                if learner in live[eid]:
                    continue
                live[eid].add(learner)
                rows.append((eid, learner, EventRegistrationStatus.REGISTERED, start[0], None))
            if upcoming and pool and rng.random() < 0.3:  # changed their mind: cancelled, the seat free again
                learner = rng.choice(pool)
                rows.append((eid, learner, EventRegistrationStatus.CANCELLED, start[0], None))
        ids = next_ids(EventRegistration, len(rows))
        signed = datetime.time(10)
        table = []
        for rid, (eid, learner, status, start_day, attended) in zip(ids, rows, strict=True):
            when = (self.dt(min(start_day, self.today) - datetime.timedelta(days=rng.randint(1, 14)), signed)
                    if start_day else attended)
            table.append((rid, eid, learner, status, when, attended, None))
        self._insert("event_registrations", EventRegistration,
                     ("id", "event_id", "learner_id", "status", "created_at", "attended_at", "recorded_by_id"), table)
        counted = (EventRegistration.objects.filter(event=OuterRef("pk"))
                   .exclude(status=EventRegistrationStatus.CANCELLED).order_by().values("event")
                   .annotate(n=Count("id")).values("n"))
        Event.objects.filter(pk__in=list(live)).update(registered_count=Coalesce(Subquery(counted), 0))

    # digital resources ---------------------------------------------------------------------------------------

    def _resources(self):
        rng = self.rng
        count = max(MIN_RESOURCES, min(MAX_RESOURCES, round(len(self.all_ids) / 60)))
        providers = [i for role in RESOURCE_PROVIDERS for i in self.by_role.get(role, [])] or [self.top]
        weights = [3 if i.district == "" else 1 for i in providers]
        topics = [(k, t) for k, entries in words.COURSE_TOPICS.items() for t, _, _ in entries]
        kinds = [ResourceKind.VIDEO, ResourceKind.DOCUMENT, ResourceKind.AUDIO, ResourceKind.LINK]
        minutes = {ResourceKind.VIDEO: (8, 45), ResourceKind.DOCUMENT: (15, 60), ResourceKind.AUDIO: (10, 30),
                   ResourceKind.LINK: (20, 60)}
        rows = []
        for rid, k in zip(next_ids(Resource, count), range(count), strict=True):
            course_kind, title = topics[k % len(topics)] if k < len(topics) else rng.choice(topics)
            topic = title.split("（")[0]
            kind = rng.choices(kinds, weights=[50, 25, 10, 15])[0]
            provider = rng.choices(providers, weights=weights)[0]
            name = rng.choice(words.RESOURCE_TEMPLATES[kind]).format(topic=topic, n=rng.randint(1, 12))
            english = words.TITLE_EN.get(title, "")
            rows.append((rid, name[:128], kind, topic[:64], course_kind,
                         f"{provider.name}提供的{topic}{ResourceKind(kind).label}学习资源。（演示数据）",
                         f"https://learn.example.org/resources/{rid}", rng.randint(*minutes[kind]), provider.id, True,
                         words.RESOURCE_TEMPLATES_EN[kind].format(topic=english)[:160] if english else ""))
        self._insert("resources", Resource, ("id", "title", "kind", "topic", "course_kind", "description", "url",
                                             "duration_minutes", "provider_id", "published", "title_en"), rows)

        # Fully viewed resources become learning records: about 0.6 per resident in all.
        target = min(round(len(self.all_ids) * RESOURCE_RECORDS_PER_RESIDENT), MAX_RESOURCE_RECORDS)
        seen, records = set(), []
        first_day, last_day = datetime.date(2025, 1, 1), self.today - datetime.timedelta(days=1)
        for _ in range(3 * target):
            if len(records) >= target:
                break
            row, learner = rng.choice(rows), rng.choice(self.all_ids)
            if (row[0], learner) in seen:
                continue
            seen.add((row[0], learner))
            rid, title, _, _, course_kind, _, _, duration, provider, _, _ = row
            hours = max(Decimal("0.1"), (Decimal(duration) / 60).quantize(Decimal("0.1")))
            day = self.day_between(first_day, last_day)
            records.append((learner, provider, RecordKind.RESOURCE, course_kind, None, None, rid, title, hours, None,
                            day, f"demo-resource-{rid}-{learner}", self.dt(day, datetime.time(rng.randint(7, 22)))))
        self._records(records)
        self.progress("数字资源", len(rows), len(rows))

    # volunteers ----------------------------------------------------------------------------------------------

    def _volunteers(self):
        rng = self.rng
        adults = [(rid, place) for rid, _, place, born in self.residents
                  if 18 <= (self.today - born).days // 365 <= 75]
        count = min(len(adults), max(MIN_VOLUNTEERS, min(MAX_VOLUNTEERS, round(len(self.all_ids) * 0.03))))
        room_of_place = {i.place_id: i for i in self.by_role.get("learning_room", [])}
        volunteers, services = [], []
        first_day, last_day = datetime.date(2025, 1, 1), self.today - datetime.timedelta(days=1)
        picked = rng.sample(adults, count)
        for vid, (learner, place) in zip(next_ids(Volunteer, count), picked, strict=True):
            inst = room_of_place.get(place) or self.college_of.get(self.district_of_place(place)) or self.top
            volunteers.append((vid, learner, "、".join(rng.sample(words.VOLUNTEER_SKILLS, rng.randint(1, 3))), inst.id))
            for _ in range(rng.randint(2, 24)):
                where = inst if rng.random() < 0.8 else self.college_of.get(inst.district, self.top)
                services.append((vid, self.day_between(first_day, last_day),
                                 Decimal(str(rng.choice([1, 1.5, 2, 2, 2.5, 3, 4]))),
                                 rng.choice(words.VOLUNTEER_ACTIVITIES), where.id, None))
        self._insert("volunteers", Volunteer, ("id", "learner_id", "skills", "institution_id"), volunteers)
        service_ids = next_ids(VolunteerService, len(services))
        self._insert("volunteer_services", VolunteerService,
                     ("id", "volunteer_id", "date", "hours", "activity", "institution_id", "recorded_by_id"),
                     ((sid, *row) for sid, row in zip(service_ids, services, strict=True)))
        # Service hours are learning too: one record per entry, at the institution served.
        learner_of = {vid: learner for vid, learner, _, _ in volunteers}
        self._records([(learner_of[vid], where, RecordKind.VOLUNTEERING, "", None, None, None, f"志愿服务：{activity}",
                        hours, None, day, f"volunteer-service-{sid}", self.dt(day, datetime.time(18)))
                       for sid, (vid, day, hours, activity, where, _) in zip(service_ids, services, strict=True)])
        self.progress("志愿者", count, count)

    # the next term ------------------------------------------------------------------------------------------

    def _next_term(self):
        """Published courses of the next term (next_term(built_on)), so the demo has courses a newcomer can enrol
        in whatever the date it is built on: the demo's terms are fixed, and by the real date the current one has
        mostly passed. About NEXT_TERM_SHARE of the current term's number (at least NEXT_TERM_MIN), one of each of
        the topics learners search for most (NEXT_TERM_POPULAR), the rest by the kinds' weights; each a new class
        of a topic some institution already teaches, at that institution, in its room and weekly slot, by its
        teachers, the institutions spread over the districts. Sessions weekly from the term's first to fifth week;
        sign-ups open since before the build until the day before the second session. No enrollments, attendance
        or records: nothing in the monitoring figures changes. Drawn last from the build's rng, so every other row
        is as it was, and the same apart from the dates whatever the build date."""
        if not self.courses:
            return
        rng = self.rng
        code, monday = next_term(max(self.built_on, self.today))
        last = len(TERMS) - 1
        want = max(NEXT_TERM_MIN, round(NEXT_TERM_SHARE * sum(1 for c in self.courses if c.term == last)))
        by_topic: dict[str, list[_Course]] = defaultdict(list)
        for c in self.courses:
            by_topic[c.topic].append(c)
        topics = [(k, entry) for k in KIND_WEIGHTS for entry in words.COURSE_TOPICS[k] if entry[0] in by_topic]
        chosen = []
        for word in NEXT_TERM_POPULAR:
            matching = [t for t in topics if word in t[1][0] and t not in chosen]
            if matching:
                chosen.append(rng.choice(matching))
        rest = [t for t in topics if t not in chosen]
        while len(chosen) < want and rest:
            pick = rng.choices(rest, weights=[KIND_WEIGHTS[k] for k, _ in rest])[0]
            rest.remove(pick)
            chosen.append(pick)

        weeks = term_weeks(monday)
        # Rooms taken from the term's first week on (this term's courses may run into it), and as courses are made.
        taken: dict[tuple, list[tuple]] = defaultdict(list)
        for venue, room, day, start, end in CourseSession.objects.filter(
                date__gte=monday, venue__isnull=False).values_list("venue_id", "room", "date", "start", "end"):
            taken[(venue, room, day)].append((start, end))
        teachers_of: dict[int, list[int]] = defaultdict(list)
        for course_id, teacher_id in self.teacher_links:
            teachers_of[course_id].append(teacher_id)
        districts: Counter = Counter()
        created = self.dt(self.built_on - datetime.timedelta(days=NEXT_TERM_OPENED), datetime.time(9))
        course_rows, group_links, textbook_links, teacher_links, sessions = [], [], [], [], []
        seq, ids = len(self.courses), iter(next_ids(Course, len(chosen)))  # ids of classes not made stay unused
        base = rng.getrandbits(64)
        for i, (kind, (title, groups, _)) in enumerate(chosen):
            # Each class its own rng: which room is free (this term's classes may still hold it in the next's
            # first weeks, depending on the build date) changes no other class.
            crng = random.Random(f"{base}:{i}")
            first_week, suffix = crng.randint(0, 2), crng.choice(words.TITLE_SUFFIXES[kind])
            sources = sorted(by_topic[title], key=lambda c: (districts[c.inst.district], crng.random()))
            for source in sources:
                h = source.session_hours
                lo, hi = math.ceil(8 / h), min(WEEKS, math.floor(48 / h))
                n = crng.randint(max(lo, 10), hi) if kind in ("elderly", "academic") else crng.randint(lo, min(hi, 12))
                # its slot in its room, else another of the room's slots for the kind that is free all term
                slots = [(source.weekday, source.slot)]
                if source.venue_id is not None:
                    others = [(d, s) for d, s in MEETS.get(kind, ANY_SLOT)
                              if SLOTS[s][1] >= h and (d, s) != (source.weekday, source.slot)]
                    slots += crng.sample(others, len(others))
                for weekday, slot in slots:
                    start, end = SLOTS[slot][0], _plus(SLOTS[slot][0], h)
                    days = [m + datetime.timedelta(days=weekday) for m in weeks[first_week:first_week + n]]
                    if source.venue_id is None or not any(a < end and start < b for day in days
                                                          for a, b in taken[(source.venue_id, source.room, day)]):
                        break
                else:
                    continue  # the room is taken at every slot: the topic's next class elsewhere
                break
            else:
                continue  # every class of the topic has its room taken then
            districts[source.inst.district] += 1
            seq += 1
            cid = next(ids)
            if title.endswith("）"):
                suffix = suffix.strip("（）")
            hours = Decimal(str(h)) * n
            audience = "、".join(self.group_names.get(g, g) for g in groups) or "全体市民"
            inst = source.inst
            description = (f"{title}。面向{audience}，{code}学期开课，每周一次，共{n}次课、{hours}学时。"
                           f"由{inst.name}开设。（演示数据）")
            second = days[1] if len(days) > 1 else days[0]
            course_rows.append((cid, inst.id, f"DEMO{self.city.code[:4]}-{code[:4]}{'A' if code.endswith('秋') else 'S'}"
                                f"-{seq:05d}", f"{title}{suffix}"[:128], description, kind, source.mode,
                                crng.choice(words.LEVELS[kind]) if kind in words.LEVELS else "", hours,
                                self._fee(kind, inst.role, crng), source.capacity, CourseState.PUBLISHED,
                                crng.random() < 0.08, code, "", 0, created, created,
                                words.title_en(title, suffix)[:160], words.TOPIC_TAGS.get(title, ""),
                                self.built_on - datetime.timedelta(days=NEXT_TERM_OPENED),
                                second - datetime.timedelta(days=1), False))
            group_links += [(cid, self.groups[g]) for g in groups if g in self.groups]
            textbook_links += [(cid, tb) for tb in self.textbooks_of[title][:crng.randint(0, 2)]]
            teacher_links += [(cid, t) for t in teachers_of[source.id]]
            url = f"https://learn.example.org/live/{course_rows[-1][2]}" if source.mode != Mode.OFFLINE else ""
            for day in days:
                sessions.append((cid, day, self.adapt_time(start), self.adapt_time(end), source.venue_id,
                                 source.room, url))
                if source.venue_id is not None:
                    taken[(source.venue_id, source.room, day)].append((start, end))
        if not course_rows:
            return
        self._insert("courses", Course, ("id", "institution_id", "code", "title", "description", "kind", "mode",
                                         "level", "hours", "fee", "capacity", "state", "featured", "term",
                                         "outcome_standard_code", "enrolled_count", "created_at", "updated_at",
                                         "title_en", "tags", "enrol_opens", "enrol_closes", "late_enrolment"),
                     course_rows)
        self._link(Course.target_groups.through, ("course_id", "learnergroup_id"), group_links)
        self._link(Course.textbooks.through, ("course_id", "textbook_id"), textbook_links)
        self._link(Course.teachers.through, ("course_id", "teacher_id"), teacher_links)
        self._insert("sessions", CourseSession, ("id", "course_id", "date", "start", "end", "venue_id", "room",
                                                 "online_url"),
                     ((sid, *row) for sid, row in zip(next_ids(CourseSession, len(sessions)), sessions, strict=True)))

    def district_of_place(self, place_id: int) -> str:
        if not hasattr(self, "_place_district"):
            self._place_district = {pid: self._district_of(path) for pid, path in
                                    Place.objects.filter(path__startswith=self.city.path).values_list("id", "path")}
        return self._place_district.get(place_id, "")


class _TeacherPool:
    """Teachers made as the courses need them: a course takes one or two teachers of its kind from those already
    teaching at its institution, or one who teaches the kind elsewhere (up to three institutions), or a new one."""

    def __init__(self, build: _Build):
        self.b, self.rng = build, build.rng
        self.rows: list[list] = []  # [name, kind, specialities set, institutions list]
        self.at: dict[tuple[int, str], list[int]] = defaultdict(list)  # (institution, course kind) -> teachers
        self.of_kind: dict[str, list[int]] = defaultdict(list)
        self.links: list[tuple[int, int]] = []  # (course, teacher index)

    def assign(self, course_id: int, kind: str, topic: str, inst: _Inst) -> None:
        rng = self.rng
        chosen: list[int] = []
        for _ in range(1 if rng.random() < 0.8 else 2):
            here = [t for t in self.at[(inst.id, kind)] if t not in chosen]
            if here and rng.random() < 0.85:
                t = rng.choice(here)
            else:
                elsewhere = [t for t in self.of_kind[kind]
                             if t not in chosen and len(self.rows[t][3]) < 3 and inst.id not in self.rows[t][3]]
                if elsewhere and rng.random() < 0.5:
                    t = rng.choice(elsewhere)
                else:
                    t = len(self.rows)
                    teacher_kind = rng.choices([TeacherKind.FULL_TIME, TeacherKind.PART_TIME, TeacherKind.VOLUNTEER],
                                               weights=[3, 5, 2])[0]
                    self.rows.append([self.b.person(), teacher_kind, [], []])
                    self.of_kind[kind].append(t)
                self.rows[t][3].append(inst.id)
                self.at[(inst.id, kind)].append(t)
            base = topic.split("（")[0].split("：")[-1]
            if base not in self.rows[t][2] and len(self.rows[t][2]) < 4:
                self.rows[t][2].append(base)
            chosen.append(t)
            self.links.append((course_id, t))

    def flush(self) -> list[tuple[int, int]]:
        """Insert the teachers and their institutions; return the (course, teacher id) links."""
        ids = next_ids(Teacher, len(self.rows))
        rows = []
        for tid, (name, kind, specialities, _) in zip(ids, self.rows, strict=True):
            if self.rng.random() < 0.3:
                specialities = [*specialities, self.rng.choice(words.TEACHER_SPECIALITY_EXTRA)]
            rows.append((tid, name, kind, "、".join(specialities)[:200], None))
        self.b._insert("teachers", Teacher, ("id", "name", "kind", "specialities", "user_id"), rows)
        self.b._link(Teacher.institutions.through, ("teacher_id", "institution_id"),
                     [(ids[t], inst) for t, row in enumerate(self.rows) for inst in row[3]])
        return [(course, ids[t]) for course, t in self.links]


LEARNING_WEEKS = {2025: datetime.date(2025, 11, 8), 2026: datetime.date(2026, 11, 7)}  # Saturdays


def _plus(at: datetime.time, hours: float) -> datetime.time:
    return (datetime.datetime.combine(datetime.date(2000, 1, 1), at) + datetime.timedelta(hours=hours)).time()


def _nth_saturday(year: int, month: int, nth: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(5 - first.weekday()) % 7 + 7 * (nth - 1))


def second_saturday(year: int, month: int) -> datetime.date:
    return _nth_saturday(year, month, 2)


def third_saturday(year: int, month: int) -> datetime.date:
    return _nth_saturday(year, month, 3)


def term_weeks(start: datetime.date) -> list[datetime.date]:
    """The Mondays of a term's 16 teaching weeks, skipping any week that touches the National Day holiday."""
    out, monday = [], start
    while len(out) < WEEKS:
        sunday = monday + datetime.timedelta(days=6)
        if not (monday <= datetime.date(monday.year, 10, 7) and sunday >= datetime.date(monday.year, 10, 1)):
            out.append(monday)
        monday += datetime.timedelta(days=7)
    return out


def isbn13(prefix: str, rng: random.Random) -> str:
    """A well-formed Chinese ISBN-13 (978-7-…) with a valid check digit; the item number is made up."""
    width = 8 - len(prefix)
    item = f"{rng.randrange(10 ** width):0{width}d}"
    digits = f"9787{prefix}{item}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return f"978-7-{prefix}-{item}-{check}"
