"""The home page's reads: the city's learning life, a resident's near home, their own learning, a manager's to-dos."""

import datetime

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Event,
    EventRegistration,
    EventRegistrationStatus,
    LearningRecord,
    Venue,
)
from learncity.catalog.selectors.courses import ANYONE
from learncity.core.scopes import Action
from learncity.people.models import LearnerGroup

# --- the home page (issue 15, item 1) -------------------------------------------------------------------------

HOME_LIMIT = 6  # cards a home-page list shows
HOME_WEEK_DAYS = 7  # "this week": today and the six days after it
HOME_MARK_DAYS = 14  # sessions this many days back (to today) whose attendance is still to be marked
# Venues a resident goes to (libraries, museums, cultural centres, …), not the teaching points of a school.
HOME_VENUE_KINDS = [k for k in Venue.Kind.values if k != Venue.Kind.CLASSROOM]


def _home_window(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    begin = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return begin, begin + datetime.timedelta(days=HOME_WEEK_DAYS)


def _home_not_ended(today: datetime.date) -> QuerySet[Course]:
    """Published courses that have not ended, each with its phase (with_phase). The courses with sessions, none
    of them from today on, are left out before the phases are worked out, so the aggregate runs over the
    courses still to come only."""
    to_come = CourseSession.objects.unscoped("a subquery over the sessions of the courses the outer query chose").filter(course=OuterRef("pk"), date__gte=today)
    any_session = CourseSession.objects.unscoped("a subquery over the sessions of the courses the outer query chose").filter(course=OuterRef("pk"))
    return (Course.objects.restrict(ANYONE, Action.BROWSE).filter(state=CourseState.PUBLISHED)
            .filter(Exists(to_come) | ~Exists(any_session))
            .not_ended(today).select_related("institution__place"))


def _home_events_of_week(today: datetime.date) -> QuerySet[Event]:
    """Events that take place, at least partly, in the seven days from today (an exhibition that opened last
    month and is still on counts), soonest first."""
    begin, end = _home_window(today)
    return (Event.objects.restrict(ANYONE, Action.BROWSE).filter(starts_at__lt=end, ends_at__gt=begin)
            .select_related("venue__place", "organiser").order_by("starts_at", "id"))


def _home_venues() -> QuerySet[Venue]:
    return (Venue.objects.restrict(ANYONE, Action.BROWSE).filter(kind__in=HOME_VENUE_KINDS).exclude(closed_on__lt=timezone.localdate())
            .select_related("place"))


def _nearness(field: str, street_path: str | None, district_path: str | None):
    """0 in the street, 1 in the district, 2 elsewhere: for ordering by how near a thing is."""
    whens = []
    if street_path:
        whens.append(When(**{f"{field}__startswith": street_path}, then=Value(0)))
    if district_path:
        whens.append(When(**{f"{field}__startswith": district_path}, then=Value(1)))
    return Case(*whens, default=Value(2), output_field=IntegerField()) if whens else Value(2)


def home_city(*, today: datetime.date | None = None, limit: int = HOME_LIMIT) -> dict:
    """The city's learning life for everyone, signed in or not: courses that have not ended, those taking new
    learners first (then the soonest to start), featured courses among the rest, this week's events, and venues
    open to the public. Four queries."""
    today = today or timezone.localdate()
    current = list(_home_not_ended(today).order_by("-enrolment_open", "first_session_date", "-featured", "id")[:limit])
    featured = list(_home_not_ended(today).filter(featured=True).exclude(pk__in=[c.pk for c in current])
                    .order_by("-enrolment_open", "first_session_date", "id")[:limit])
    events = list(_home_events_of_week(today)[:limit + 2])
    venues = list(_home_venues().filter(kind__in=[Venue.Kind.LIBRARY, Venue.Kind.MUSEUM, Venue.Kind.SCIENCE_MUSEUM,
                                                  Venue.Kind.CULTURAL_CENTRE])
                  .order_by("kind", "place__code", "id")[:limit])
    return {"current": current, "featured": featured, "events": events, "venues": venues}


def home_figures(*, today: datetime.date | None = None) -> dict:
    """A few live figures of the city's learning: courses running and taking learners, this week's events,
    venues open to the public, and this year's learning records (person-times) and learners. Four queries; the
    records' two over the year's rows of the learning records, the platform's largest table."""
    today = today or timezone.localdate()
    phases: dict[str, int] = {}
    taking = 0
    for phase, enrolment_open in _home_not_ended(today).values_list("phase", "enrolment_open"):
        phases[phase] = phases.get(phase, 0) + 1
        taking += bool(enrolment_open)
    year = (LearningRecord.objects.unscoped("the home page's figures: the city's totals, for anyone").filter(date__gte=datetime.date(today.year, 1, 1), date__lte=today)
            .aggregate(records=Count("id"), learners=Count("learner_id", distinct=True)))
    return {"courses_running": phases.get("running", 0), "courses_taking": taking,
            "events_week": _home_events_of_week(today).count(),
            "venues": _home_venues().count(), "records_year": year["records"], "learners_year": year["learners"],
            "year": today.year}


def home_resident(*, profile, street_path: str | None, district_path: str | None,
                  today: datetime.date | None = None, limit: int = HOME_LIMIT) -> dict:
    """For a resident: courses that have not ended near home (their street first, then their district; those
    taking new learners first within each), courses for their groups (nearest first, anywhere in the city), this
    week's events near home, and venues near home. Each item carries `near` (0 street, 1 district, 2 elsewhere).
    Five queries."""
    today = today or timezone.localdate()
    area = district_path or street_path or profile.residence.path
    courses = _home_not_ended(today).annotate(near=_nearness("institution__place__path", street_path,
                                                             district_path))
    near = list(courses.filter(institution__place__path__startswith=area)
                .order_by("near", "-enrolment_open", "first_session_date", "-featured", "id")[:limit])
    group_ids = [g.pk for g in profile.groups.all()]  # prefetched by profile_of
    for_groups = []
    if group_ids:
        targeted = LearnerGroup.objects.restrict(ANYONE, Action.BROWSE).filter(courses=OuterRef("pk"),
                                                                               pk__in=group_ids)
        for_groups = list(courses.filter(Exists(targeted)).exclude(pk__in=[c.pk for c in near])
                          .order_by("near", "-enrolment_open", "first_session_date", "id")[:limit])
    events = list(_home_events_of_week(today).filter(venue__place__path__startswith=area)
                  .annotate(near=_nearness("venue__place__path", street_path, district_path))
                  .order_by("near", "starts_at", "id")[:limit])
    venues = list(_home_venues().filter(place__path__startswith=area)
                  .annotate(near=_nearness("place__path", street_path, district_path))
                  .order_by("near", "kind", "id")[:limit])
    return {"courses": near, "for_groups": for_groups, "events": events, "venues": venues}


def home_my_learning(*, actor, today: datetime.date | None = None, limit: int = 5) -> dict:
    """The signed-in learner's next sessions (of the courses they are enrolled in), their live enrolments and
    waiting places, and their event sign-ups to come. Four queries."""
    today = today or timezone.localdate()
    live = Enrollment.objects.restrict(actor, Action.VIEW).filter(learner__user=actor, status__in=[EnrollmentStatus.ENROLLED,
                                                                      EnrollmentStatus.WAITLISTED])
    enrollments = list(live.select_related("course__institution").order_by("-id")[:limit])
    enrolled_count = live.filter(status=EnrollmentStatus.ENROLLED).count()
    sessions = list(CourseSession.objects.restrict(ANYONE, Action.BROWSE).filter(
        date__gte=today, course__enrollments__learner__user=actor,
        course__enrollments__status=EnrollmentStatus.ENROLLED).select_related("course", "venue")
        .order_by("date", "start", "id")[:limit])
    registrations = list(EventRegistration.objects.restrict(actor, Action.VIEW).filter(learner__user=actor,
                                                          status=EventRegistrationStatus.REGISTERED,
                                                          event__ends_at__gt=_home_window(today)[0])
                         .select_related("event__venue").order_by("event__starts_at", "id")[:limit])
    return {"enrollments": enrollments, "enrolled_count": enrolled_count, "sessions": sessions,
            "registrations": registrations}


def home_sessions_to_mark(*, actor, today: datetime.date | None = None, limit: int = 5) -> dict:
    """Sessions of the courses the actor manages (their institution's, or every institution of the district or
    city they administer) held in the last HOME_MARK_DAYS days up to today, with learners enrolled and no
    attendance marked yet. Their count and the earliest few. Two queries."""
    today = today or timezone.localdate()
    enrolled = Enrollment.objects.unscoped("a subquery over the enrolments of the sessions the outer query chose").filter(course=OuterRef("course_id"), status__in=[EnrollmentStatus.ENROLLED,
                                                                                   EnrollmentStatus.COMPLETED])
    marked = Attendance.objects.unscoped("a subquery over the attendance of the sessions the outer query chose").filter(session=OuterRef("pk"))
    qs = (CourseSession.objects.restrict(actor, Action.CHANGE).filter(course__state__in=[CourseState.PUBLISHED, CourseState.CLOSED],
                                       date__gte=today - datetime.timedelta(days=HOME_MARK_DAYS), date__lte=today)
          .filter(Exists(enrolled)).exclude(Exists(marked)))
    return {"count": qs.count(), "items": list(qs.select_related("course__institution", "venue")
                                               .order_by("date", "start", "id")[:limit]),
            "days": HOME_MARK_DAYS}
