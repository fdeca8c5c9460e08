"""The demo catalog's plan: its terms, slots, who offers what and how much of it, the rows it keeps in
Python while it builds (`PlanInst`, `PlanCourse`) and the calendar helpers."""


import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from learncity.catalog.models import Venue
from learncity.network.models import InstitutionKind as IK

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

COURSE_COLUMNS = ("id", "institution_id", "code", "title", "description", "kind", "mode", "level", "hours", "fee",
                  "capacity", "state", "featured", "term", "outcome_standard_code", "enrolled_count", "created_at",
                  "updated_at", "title_en", "tags", "enrol_opens", "enrol_closes", "late_enrolment")
ENROLLED_COUNT = COURSE_COLUMNS.index("enrolled_count")

RECORD_COLUMNS = ("id", "learner_id", "provider_id", "kind", "course_kind", "course_id", "session_id", "event_id",
                  "resource_id", "title", "hours", "score", "date", "source", "external_id", "created_at",
                  "created_by_id")

COUNT_KEYS = ("venues", "teachers", "textbooks", "experts", "volunteers", "volunteer_services", "courses",
              "sessions", "enrollments", "attendance", "events", "event_registrations", "resources",
              "learning_records")


def noop(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class PlanInst:
    id: int
    name: str
    kind: str
    role: str  # the kind, or for Dazhou's 继续教育中心 the part it plays (see BuildBase._load)
    place_id: int
    place_name: str
    district: str  # the district's code; "" for the city's own institutions
    rural: bool
    address: str


@dataclass
class PlanCourse:
    id: int
    inst: PlanInst
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


LEARNING_WEEKS = {2025: datetime.date(2025, 11, 8), 2026: datetime.date(2026, 11, 7)}  # Saturdays


def plus_hours(at: datetime.time, hours: float) -> datetime.time:
    return (datetime.datetime.combine(datetime.date(2000, 1, 1), at) + datetime.timedelta(hours=hours)).time()


def session_count(rng: random.Random, kind: str, hours: float) -> int:
    """How many weekly sessions a course of `hours` a session has: 8 to 48 hours in all, within a term; at least
    ten for the elderly and academic kinds, at most twelve for the others."""
    lo, hi = math.ceil(8 / hours), min(WEEKS, math.floor(48 / hours))
    return rng.randint(max(lo, 10), hi) if kind in ("elderly", "academic") else rng.randint(lo, min(hi, 12))


def title_suffix(title: str, suffix: str) -> str:
    """The suffix as a title takes it: 国画（花鸟）中级班, not 国画（花鸟）（中级班）."""
    return suffix.strip("（）") if title.endswith("）") else suffix


def nth_saturday(year: int, month: int, nth: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(5 - first.weekday()) % 7 + 7 * (nth - 1))


def second_saturday(year: int, month: int) -> datetime.date:
    return nth_saturday(year, month, 2)


def third_saturday(year: int, month: int) -> datetime.date:
    return nth_saturday(year, month, 3)


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
