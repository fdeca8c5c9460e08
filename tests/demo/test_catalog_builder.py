"""The demo catalog: every course kind and the seeds' topics; counts that agree; no room booked twice; one
learning record per completion; the same seed builds the same catalog.

The demo city of the test database (福州市, 300 residents) gets its catalog from the demo build, which calls
build_catalog. The `catalog` fixture calls it again: that adds nothing to a city that has a catalog, and builds one
(inside the test's transaction) should the demo build ever stop doing so."""

import random
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import pairwise

import pytest
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseKind,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Event,
    EventKind,
    EventRegistration,
    EventRegistrationStatus,
    LearningRecord,
    Mode,
    RecordKind,
    RecordSource,
    Resource,
    Venue,
)
from learncity.demo.builder import TODAY, demo_build
from learncity.demo.catalog import (
    COUNT_KEYS,
    NEXT_TERM_MIN,
    NEXT_TERM_POPULAR,
    TERMS,
    build_catalog,
    next_term,
)
from learncity.intake.models import ImportJob
from learncity.network.models import Institution, InstitutionKind
from learncity.places.models import Place
from learncity.pools.models import Expert, Teacher, Textbook, Volunteer, VolunteerService

FUZHOU_PATH = "/350000/350100/"
JINCHANG = "620300"  # 金昌市: two districts, a small city to build twice
ZHONGWEI = "640500"  # 中卫市: three districts and counties, the module's city without a catalog (not 金昌, built anew)
SEED_TOPICS = ["腊梅种植", "健康坝坝舞", "计算机技术", "法律常识", "家庭理财", "家庭安全", "卫生保健", "书画摄影",
               "民俗文化", "新型职业农民培训", "书法", "国画", "太极拳", "合唱", "智能手机使用", "家庭教育",
               "家长学校", "电工", "育婴员", "养老护理员", "电子商务", "专业技术人员继续教育", "干部培训"]
LIVE = [EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED]


def rng_for(city: Place, seed: int = 2026) -> random.Random:
    return random.Random(f"{seed}:{city.code}:catalog")


@pytest.fixture
def catalog(city):
    """The demo city with its catalog (built here when the demo build has not built one)."""
    build_catalog(city, rng_for(city))
    return city


def in_city(path: str = FUZHOU_PATH):
    return Course.objects.filter(institution__place__path__startswith=path)


def table_counts() -> dict[str, int]:
    models = (Venue, Teacher, Textbook, Volunteer, VolunteerService, Course, CourseSession, Enrollment, Attendance,
              Event, EventRegistration, Resource, LearningRecord)
    return {m._meta.label: m.objects.count() for m in models}


# --- what is offered ---------------------------------------------------------------------------------------


def test_every_course_kind_is_offered_in_every_term(catalog):
    kinds = set(in_city().values_list("kind", flat=True))
    terms = set(in_city().values_list("term", flat=True))

    assert kinds == set(CourseKind.values)
    # the demo's four terms, and the next one (by the date the demo was built: today)
    assert terms == {"2025春", "2025秋", "2026春", "2026秋", next_term(timezone.localdate())[0]}
    assert in_city().count() >= 160


def test_the_titles_carry_the_seed_documents_topics(catalog):
    titles = list(in_city().values_list("title", flat=True))

    missing = [topic for topic in SEED_TOPICS if not any(topic in t for t in titles)]
    assert missing == []


def test_courses_are_offered_by_plausible_institutions_to_their_groups(catalog):
    elderly = in_city().filter(kind=CourseKind.ELDERLY)
    providers = set(in_city().values_list("institution__kind", flat=True))

    assert set(elderly.values_list("target_groups__code", flat=True)) == {"elderly"}
    assert {InstitutionKind.COMMUNITY_SCHOOL, InstitutionKind.ELDERLY_UNIVERSITY,
            InstitutionKind.OPEN_UNIVERSITY_BRANCH} <= providers
    assert not providers & {InstitutionKind.SOCIAL_ORGANISATION.value}
    assert not in_city().filter(kind=CourseKind.ACADEMIC).exclude(
        institution__kind__in=[InstitutionKind.OPEN_UNIVERSITY, InstitutionKind.OPEN_UNIVERSITY_BRANCH,
                               InstitutionKind.UNIVERSITY]).exists()


def test_past_terms_are_closed_and_the_current_one_published(catalog):
    states = set(in_city().values_list("term", "state").distinct())

    assert states == {("2025春", CourseState.CLOSED), ("2025秋", CourseState.CLOSED),
                      ("2026春", CourseState.CLOSED), ("2026秋", CourseState.PUBLISHED),
                      (next_term(timezone.localdate())[0], CourseState.PUBLISHED)}


def test_courses_have_sensible_hours_fees_and_capacity(catalog):
    courses = in_city()

    assert not courses.filter(Q(hours__lt=8) | Q(hours__gt=48)).exists()
    assert not courses.filter(Q(capacity__lt=20) | Q(capacity__gt=60)).exists()
    assert courses.filter(fee=0).count() > 0.8 * courses.count()
    assert courses.filter(kind=CourseKind.VOCATIONAL, fee__gt=0).exists()
    assert courses.filter(featured=True).exists()
    assert set(courses.values_list("mode", flat=True)) == set(Mode.values)


# --- sessions ----------------------------------------------------------------------------------------------


def test_no_two_sessions_overlap_in_the_same_venue_and_room(catalog):
    by_room = defaultdict(list)
    for venue, room, day, start, end in CourseSession.objects.filter(venue__isnull=False).values_list(
            "venue_id", "room", "date", "start", "end"):
        by_room[(venue, room, day)].append((start, end))

    clashes = [(key, a, b) for key, spans in by_room.items()
               for a, b in pairwise(sorted(spans)) if b[0] < a[1]]
    assert by_room
    assert clashes == []


def test_sessions_are_weekly_within_their_term_at_the_institutions_venue(catalog):
    starts = dict([*TERMS, next_term(timezone.localdate())])
    sessions = CourseSession.objects.filter(course__in=in_city()).select_related("course", "venue")
    by_course = defaultdict(list)
    for s in sessions:
        by_course[s.course].append(s)

    for course, items in by_course.items():
        days = [s.date for s in items]
        assert all((b - a).days % 7 == 0 for a, b in pairwise(days)), course.title
        assert starts[course.term] <= days[0] and days[-1] < max(date(starts[course.term].year + 1, 2, 1),
                                                                 starts[course.term] + timedelta(weeks=20))
        assert float(course.hours) == pytest.approx(sum(
            (s.end.hour * 60 + s.end.minute - s.start.hour * 60 - s.start.minute) / 60 for s in items))
        if course.mode == Mode.ONLINE:
            assert all(s.venue is None and s.online_url.startswith("https://learn.example.org/") for s in items)
        else:
            assert all(s.venue is not None and s.room for s in items)
            assert {s.venue.place.path.startswith(FUZHOU_PATH) for s in items} == {True}


# --- enrollments and attendance ----------------------------------------------------------------------------


def test_enrolled_count_is_the_live_enrollments_and_never_exceeds_capacity(catalog):
    live = dict(Enrollment.objects.filter(status__in=LIVE).values("course").annotate(n=Count("id"))
                .values_list("course", "n"))

    wrong = [(c.code, c.enrolled_count, live.get(c.pk, 0)) for c in in_city() if c.enrolled_count != live.get(c.pk, 0)]
    assert wrong == []
    assert not in_city().filter(enrolled_count__gt=F("capacity")).exists()
    assert sum(live.values()) > 0


def test_the_waitlist_is_numbered_from_one_and_only_where_the_course_is_full(catalog):
    waiting = defaultdict(list)
    for course, position in Enrollment.objects.filter(status=EnrollmentStatus.WAITLISTED).values_list(
            "course", "waitlist_position"):
        waiting[course].append(position)

    assert waiting
    for course_id, positions in waiting.items():
        course = Course.objects.get(pk=course_id)
        assert sorted(positions) == list(range(1, len(positions) + 1))
        assert course.enrolled_count == course.capacity and course.state == CourseState.PUBLISHED
    assert not Enrollment.objects.exclude(status=EnrollmentStatus.WAITLISTED).filter(
        waitlist_position__isnull=False).exists()
    assert Enrollment.objects.filter(status=EnrollmentStatus.CANCELLED).exists()


def test_a_learner_has_at_most_one_live_enrollment_per_course(catalog):
    doubles = (Enrollment.objects.exclude(status=EnrollmentStatus.CANCELLED).values("course", "learner")
               .annotate(n=Count("id")).filter(n__gt=1))

    assert not doubles.exists()


def test_attendance_is_of_live_learners_at_past_sessions_of_their_course(catalog):
    attendance = Attendance.objects.select_related("session", "enrollment")

    assert attendance.exists()
    assert not attendance.filter(session__date__gte=TODAY).exists()
    assert not attendance.exclude(enrollment__status__in=LIVE).exists()
    assert not attendance.exclude(session__course=F("enrollment__course")).exists()
    assert set(attendance.values_list("method", flat=True)) == {Attendance.Method.QR, Attendance.Method.STAFF}


def test_completions_are_in_closed_terms_with_the_hours_attended(catalog):
    completed = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).select_related("course")

    assert completed.exists()
    for e in completed.annotate(n=Count("attendances")):
        assert e.course.state == CourseState.CLOSED
        sessions = e.course.sessions.count()
        assert e.n >= 0.6 * sessions
        assert e.completed_hours == e.course.hours / sessions * e.n
        assert e.score is None or 60 <= e.score <= 100
    assert not Enrollment.objects.filter(course__state=CourseState.PUBLISHED,
                                         status=EnrollmentStatus.COMPLETED).exists()


# --- learning records --------------------------------------------------------------------------------------


def test_every_completion_has_exactly_one_learning_record_with_its_hours(catalog):
    completions = {e.pk: e for e in Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED)
                   .select_related("course")}
    # (the credit bank's demo adds the demo learner's own completions elsewhere, "demo-learner-…")
    records = LearningRecord.objects.filter(kind=RecordKind.COMPLETION, external_id__startswith="demo-completion-")
    per_enrollment = Counter(int(ext.removeprefix("demo-completion-")) for ext in
                             records.values_list("external_id", flat=True))

    assert set(per_enrollment) == set(completions)
    assert set(per_enrollment.values()) == {1}
    for r in records.select_related("course"):
        e = completions[int(r.external_id.removeprefix("demo-completion-"))]
        last = e.course.sessions.order_by("-date").first().date
        assert (r.learner_id, r.course_id, r.provider_id, r.hours, r.score, r.title, r.course_kind, r.date) == (
            e.learner_id, e.course_id, e.course.institution_id, e.completed_hours, e.score, e.course.title,
            e.course.kind, last)


def test_learning_records_are_unique_per_provider_and_marked_demo(catalog):
    records = LearningRecord.objects.filter(provider__place__path__startswith=FUZHOU_PATH)
    pairs = list(records.values_list("provider_id", "external_id"))

    assert len(pairs) == len(set(pairs))
    # (besides the catalog's own, the providers' yearly uploads: they came through the intake path)
    assert set(records.values_list("source", flat=True)) == {RecordSource.DEMO, RecordSource.IMPORT}
    assert records.filter(source=RecordSource.IMPORT).count() == sum(ImportJob.objects.filter(
        institution__place__path__startswith=FUZHOU_PATH).values_list("rows_new", flat=True))
    assert set(records.values_list("kind", flat=True)) == {RecordKind.ATTENDANCE, RecordKind.COMPLETION, RecordKind.EVENT,
                                                            RecordKind.RESOURCE, RecordKind.VOLUNTEERING}
    assert not records.filter(date__gte=TODAY).exists()
    assert not records.filter(kind=RecordKind.EVENT, event__starts_at__date__gt=F("date")).exists()
    assert not records.filter(kind=RecordKind.RESOURCE, resource__isnull=True).exists()


# --- events, venues, pools ---------------------------------------------------------------------------------


def test_the_year_has_its_lifelong_learning_days(catalog):
    events = Event.objects.filter(venue__place__path__startswith=FUZHOU_PATH)

    assert set(events.values_list("kind", flat=True)) == set(EventKind.values)
    for year in (2025, 2026):
        assert events.filter(kind=EventKind.ACTIVITY_DAY, starts_at__date=date(year, 9, 28)).exists()
        assert events.filter(kind=EventKind.READING, starts_at__month=4, starts_at__year=year).exists()
        week = events.filter(kind=EventKind.LEARNING_WEEK, starts_at__year=year)
        assert week.exists() and set(week.values_list("starts_at__month", flat=True)) <= {10, 11}
    assert events.filter(kind=EventKind.LECTURE, title__startswith="市民讲堂").exists()


def test_the_networks_venues_are_open_to_the_public(catalog):
    venues = Venue.objects.filter(place__path__startswith=FUZHOU_PATH)
    kinds = set(venues.values_list("kind", flat=True))

    assert {Venue.Kind.LIBRARY, Venue.Kind.MUSEUM, Venue.Kind.CULTURAL_CENTRE, Venue.Kind.CULTURAL_STATION,
            Venue.Kind.SCIENCE_MUSEUM, Venue.Kind.ELDERLY_CENTRE, Venue.Kind.CLASSROOM,
            Venue.Kind.GYMNASIUM} <= kinds
    libraries = Institution.objects.filter(place__path__startswith=FUZHOU_PATH, kind=InstitutionKind.LIBRARY)
    assert venues.filter(institution__in=libraries).count() == libraries.count()
    assert not venues.filter(Q(opening_hours="") | Q(free_open_days="") | Q(capacity=0)).exists()
    assert venues.exclude(accessibility="").exists()


def test_venues_have_full_addresses_and_no_two_share_a_name(catalog):
    venues = Venue.objects.filter(place__path__startswith=FUZHOU_PATH).select_related("place")
    names = Counter(venues.values_list("name", flat=True))

    assert [n for n, c in names.items() if c > 1] == []
    districts = list(Place.objects.filter(parent__path=FUZHOU_PATH).values_list("path", "name"))
    for v in venues:  # district (its own, or one of the city's for the city's venues), street, road or group, number
        own = [name for path, name in districts if v.place.path.startswith(path)]
        assert any(v.address.startswith(name) for name in own or [n for _, n in districts]), v.address
        assert re.search(r"^.+?(区|县|市)\S*?(街道|镇|乡)\S+ \d+ 号$", v.address), v.address
    big = venues.exclude(kind__in=[Venue.Kind.CLASSROOM, Venue.Kind.CULTURAL_STATION])
    assert big.exclude(transit_note="").count() > big.count() / 2
    assert venues.filter(kind=Venue.Kind.CLASSROOM).exclude(transit_note="").exists()


def test_event_sign_ups_agree_with_the_records_and_the_counts(catalog):
    events = Event.objects.filter(venue__place__path__startswith=FUZHOU_PATH)
    sign_ups = EventRegistration.objects.filter(event__in=events)
    attended = set(sign_ups.filter(status=EventRegistrationStatus.ATTENDED).values_list("event_id", "learner_id"))
    recorded = set(LearningRecord.objects.filter(kind=RecordKind.EVENT, event__in=events)
                   .values_list("event_id", "learner_id"))

    assert attended == recorded and attended
    assert sign_ups.filter(status=EventRegistrationStatus.REGISTERED, event__ends_at__date__gte=TODAY).exists()
    assert sign_ups.filter(status=EventRegistrationStatus.CANCELLED).exists()
    live = dict(sign_ups.exclude(status=EventRegistrationStatus.CANCELLED).values("event_id")
                .annotate(n=Count("id")).values_list("event_id", "n"))
    assert {e.pk: e.registered_count for e in events if e.registered_count} == live
    assert not events.filter(capacity__gt=0, registered_count__gt=F("capacity")).exists()
    assert not sign_ups.filter(status=EventRegistrationStatus.ATTENDED, attended_at__isnull=True).exists()


def test_the_pools_teachers_textbooks_and_volunteers(catalog):
    teachers = Teacher.objects.annotate(n=Count("institutions"))
    isbns = list(Textbook.objects.values_list("isbn", flat=True))
    volunteers = Volunteer.objects.filter(learner__residence__path__startswith=FUZHOU_PATH)

    assert teachers.exists() and set(teachers.values_list("n", flat=True)) <= {1, 2, 3}
    assert not in_city().filter(teachers__isnull=True).exists()
    assert isbns and all(isbn_valid(i) for i in isbns)
    assert volunteers.exists()
    services = VolunteerService.objects.filter(volunteer__in=volunteers)
    assert services.exists() and not services.filter(Q(date__lt=date(2025, 1, 1)) | Q(date__gte=TODAY)).exists()


def test_every_demo_service_entry_is_a_volunteering_learning_record(catalog):
    """The demo's volunteer service is recorded as the page records it: each entry one volunteering record of the
    volunteer's, at the institution, its hours and date, from the demo (moved from tests/pools, issue 17)."""
    services = {s.pk: s for s in VolunteerService.objects.select_related("volunteer")
                .filter(volunteer__learner__residence__path__startswith=FUZHOU_PATH)}
    records = {r.external_id: r for r in LearningRecord.objects.filter(
        kind=RecordKind.VOLUNTEERING, learner__residence__path__startswith=FUZHOU_PATH)}
    assert services
    assert set(records) == {f"volunteer-service-{pk}" for pk in services}
    for pk, s in services.items():
        r = records[f"volunteer-service-{pk}"]
        assert (r.learner_id, r.provider_id, r.hours, r.date, r.source) == (
            s.volunteer.learner_id, s.institution_id, s.hours, s.date, RecordSource.DEMO)


def test_the_demo_city_has_the_open_university_its_conversion_rules_target(catalog):
    """The demo's conversion rule R-NCRE1-OU targets the city's open university (moved from tests/creditbank,
    issue 17: the credit bank's tests now make their own)."""
    assert Institution.objects.filter(kind=InstitutionKind.OPEN_UNIVERSITY, place__path__startswith=FUZHOU_PATH
                                      ).exists()


def isbn_valid(isbn: str) -> bool:
    digits = isbn.replace("-", "")
    return (len(digits) == 13 and digits.startswith("9787")
            and sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0)


def test_isbn_check_is_a_real_check():
    assert isbn_valid("978-7-111-54493-7")  # a real one: 机械工业出版社
    assert not isbn_valid("978-7-111-54493-8")


# --- built once, deterministic -----------------------------------------------------------------------------


def test_building_the_catalog_again_adds_nothing(catalog):
    before = table_counts()

    again = build_catalog(catalog, rng_for(catalog))

    assert again == dict.fromkeys(COUNT_KEYS, 0)
    assert table_counts() == before


def catalog_fingerprint(path: str) -> dict:
    courses = in_city(path)
    return {
        "courses": list(courses.order_by("code").values_list(
            "code", "title", "institution__code", "kind", "mode", "term", "capacity", "enrolled_count", "fee",
            "hours")),
        "sessions": list(CourseSession.objects.filter(course__in=courses).order_by("course__code", "date").values_list(
            "course__code", "date", "start", "end", "venue__name", "room")),
        "enrollments": sorted(Enrollment.objects.filter(course__in=courses).values_list(
            "course__code", "learner__id_number_hash", "status", "waitlist_position", "completed_hours")),
        # (sorted whole: two events may share a start and a title, in different venues)
        "events": sorted(Event.objects.filter(venue__place__path__startswith=path)
                         .values_list("title", "starts_at", "venue__name")),
        "records": Counter(LearningRecord.objects.filter(provider__place__path__startswith=path)
                           .values_list("kind", flat=True)),
    }


def build_and_forget(seed: int) -> tuple[dict, dict]:
    """Build 金昌市 with its catalog inside a savepoint, take the fingerprint, and roll it all back."""
    with transaction.atomic():
        result = demo_build(city=JINCHANG, residents=60, seed=seed)
        counts = build_catalog(result.city, rng_for(result.city, seed))
        fingerprint = catalog_fingerprint(result.city.path)
        transaction.set_rollback(True)
    return counts, fingerprint


def test_the_same_seed_builds_the_same_catalog(db):
    first_counts, first = build_and_forget(seed=7)
    second_counts, second = build_and_forget(seed=7)

    assert first == second
    assert first_counts == second_counts
    assert len(first["courses"]) >= 160 and first["enrollments"]


def test_another_seed_builds_another_catalog(db):
    _, first = build_and_forget(seed=7)
    _, other = build_and_forget(seed=8)

    assert [c[1] for c in first["courses"]] != [c[1] for c in other["courses"]]


def forget_catalog(city: Place) -> None:
    """Delete a city's catalog, whoever built it (the textbooks are shared and stay)."""
    path = city.path
    courses = Course.objects.filter(institution__place__path__startswith=path)
    LearningRecord.objects.filter(provider__place__path__startswith=path).delete()
    Attendance.objects.filter(session__course__in=courses).delete()
    Enrollment.objects.filter(course__in=courses).delete()
    CourseSession.objects.filter(course__in=courses).delete()
    courses.delete()
    EventRegistration.objects.filter(event__venue__place__path__startswith=path).delete()
    Event.objects.filter(venue__place__path__startswith=path).delete()
    Resource.objects.filter(provider__place__path__startswith=path).delete()
    Volunteer.objects.filter(learner__residence__path__startswith=path).delete()
    Teacher.objects.filter(institutions__place__path__startswith=path).distinct().delete()
    Venue.objects.filter(place__path__startswith=path).delete()
    Expert.objects.filter(city=city).delete()


@pytest.fixture(scope="module")
def _uncatalogued_built(module_transaction):
    with module_transaction.unblock():
        city = demo_build(city=ZHONGWEI, residents=60, seed=7).city
        forget_catalog(city)
        return city


@pytest.fixture
def uncatalogued(_uncatalogued_built, db):
    """中卫市 (seed 7) built once for the module, its catalog then deleted: for the tests that build a catalog into
    an empty city (each inside its own savepoint, rolled back)."""
    return _uncatalogued_built


def test_the_counts_returned_are_the_rows_made(uncatalogued):
    city = uncatalogued
    with transaction.atomic():
        before = table_counts()
        counts = build_catalog(city, rng_for(city))
        made = {label: n - before[label] for label, n in table_counts().items()}
        experts = Expert.objects.filter(city=city).count()
        transaction.set_rollback(True)

    assert counts == {**{k: made[label] for k, label in COUNT_KEYS_TO_LABELS.items()}, "experts": experts}
    assert all(n > 0 for n in counts.values())


COUNT_KEYS_TO_LABELS = {
    "venues": "catalog.Venue", "teachers": "pools.Teacher", "textbooks": "pools.Textbook",
    "volunteers": "pools.Volunteer", "volunteer_services": "pools.VolunteerService", "courses": "catalog.Course",
    "sessions": "catalog.CourseSession", "enrollments": "catalog.Enrollment", "attendance": "catalog.Attendance",
    "events": "catalog.Event", "event_registrations": "catalog.EventRegistration", "resources": "catalog.Resource",
    "learning_records": "records.LearningRecord",
}


def test_a_three_level_city_gets_a_catalog_from_its_continuing_education_centres(db):
    with transaction.atomic():
        dazhou = demo_build(city="达州市", residents=20).city
        build_catalog(dazhou, rng_for(dazhou))
        courses = in_city(dazhou.path)
        kinds = set(courses.values_list("kind", flat=True))
        centres = courses.filter(institution__kind=InstitutionKind.CONTINUING_EDUCATION_CENTRE).count()
        learners = set(Enrollment.objects.filter(course__in=courses).values_list("learner__residence__path",
                                                                                 flat=True))
        transaction.set_rollback(True)

    assert kinds == set(CourseKind.values)
    assert centres > 0.3 * len(courses)
    assert learners and all(p.startswith(dazhou.path) for p in learners)


# --- the next term: courses to enrol in, whatever the date -------------------------------------------------


def test_the_demo_built_today_has_courses_open_for_enrolment(city):
    today = timezone.localdate()
    code, _ = next_term(today)
    taking = Course.objects.with_phase(today).filter(institution__place__path__startswith=FUZHOU_PATH,
                                                     enrolment_open=True)

    assert taking.filter(term=code).count() >= NEXT_TERM_MIN
    # the demo learner's fresh enrolments (the enrollment service's) are the only ones in the next term
    assert set(Enrollment.objects.filter(course__term=code).values_list("learner__user__username", flat=True)) <= {
        "learner"}


def next_term_courses(city: Place, built_on: date) -> dict:
    """Build the city's catalog as on `built_on` (inside a savepoint, rolled back) and describe its next term, and
    the rest of the catalog."""
    with transaction.atomic():
        build_catalog(city, rng_for(city, 7), built_on=built_on)
        code, monday = next_term(built_on)
        courses = in_city(city.path).filter(term=code)
        phased = Course.objects.with_phase(built_on).filter(pk__in=courses)
        codes = set(courses.values_list("code", flat=True))
        others = catalog_fingerprint(city.path)
        others["courses"] = [c for c in others["courses"] if c[0] not in codes]
        others["sessions"] = [s for s in others["sessions"] if s[0] not in codes]
        found = {
            "code": code, "monday": monday, "count": courses.count(), "others": others,
            "open": phased.filter(enrolment_open=True).count(),
            "open_a_week_later": Course.objects.with_phase(built_on + timedelta(days=7)).filter(
                pk__in=courses, enrolment_open=True).count(),
            "states": set(courses.values_list("state", flat=True)),
            "titles": list(courses.order_by("code").values_list("title", flat=True)),
            "districts": {p.split("/")[3] for p in courses.values_list("institution__place__path", flat=True)},
            "first_days": set(phased.values_list("first_session_date", flat=True)),
            "sessions": list(CourseSession.objects.filter(course__in=courses).values_list("course__code", "date")),
            "without_teachers": courses.filter(teachers__isnull=True).count(),
            "enrollments": Enrollment.objects.filter(course__in=courses).count(),
            "records": LearningRecord.objects.filter(course__in=courses).count(),
            "current_term": in_city(city.path).filter(term=TERMS[-1][0]).count(),
        }
        transaction.set_rollback(True)
    return found


@pytest.mark.parametrize("built_on", [TODAY, date(2026, 12, 7), date(2027, 12, 7), date(2028, 5, 20)])
def test_a_demo_built_on_any_day_has_next_term_courses_open_for_enrolment(uncatalogued, built_on):
    found = next_term_courses(uncatalogued, built_on)
    code, monday = found["code"], found["monday"]

    assert code not in dict(TERMS)
    assert found["count"] >= max(NEXT_TERM_MIN, round(0.1 * found["current_term"]))
    assert found["open"] == found["count"] and found["open_a_week_later"] == found["count"]
    assert found["states"] == {CourseState.PUBLISHED}
    assert [w for w in NEXT_TERM_POPULAR if not any(w in t for t in found["titles"])] == []
    assert len(found["districts"]) >= 2
    # first sessions three to seven weeks after the build, weekly from the term's first Monday
    assert all(built_on + timedelta(weeks=3) <= d <= built_on + timedelta(weeks=7) for d in found["first_days"])
    assert all(monday <= d < monday + timedelta(weeks=20) for _, d in found["sessions"])
    assert found["without_teachers"] == 0
    assert (found["enrollments"], found["records"]) == (0, 0)


def test_the_build_date_moves_only_the_next_terms_dates(uncatalogued):
    early, late = next_term_courses(uncatalogued, date(2026, 12, 7)), next_term_courses(uncatalogued, date(2027, 12, 7))

    assert (early["code"], late["code"]) == ("2027春", "2028春")
    assert early["titles"] == late["titles"]
    assert early["others"] == late["others"]
