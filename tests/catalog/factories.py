"""Factories for the catalog tests. Courses, sessions and enrollments are made through the services (so the
counts they keep are right); venues, resources and learners with an account are made on the demo city's
鼓楼区 / 台江区 institutions and communities. Codes and terms are ones no demo data uses."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from learncity.catalog.models import (
    Course,
    CourseKind,
    CourseSession,
    CourseState,
    Mode,
    Resource,
    ResourceKind,
    Venue,
)
from learncity.catalog.services import course_create, course_set_state, session_add
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile, User
from learncity.people.services import learner_profile_create
from tests.api.support import fresh_id_number

GULOU, TAIJIANG = "350102", "350103"
TERM = "2031春"  # no demo data uses it

_seq = itertools.count(1)


def today() -> datetime.date:
    return timezone.localdate()


def staff_institution(users) -> Institution:
    """鼓东街道社区学校, the institution of `staff`."""
    return users["staff"].role_assignments.get().institution


def other_gulou_institution(users) -> Institution:
    """An institution in 鼓楼区 that is not the staff's."""
    return (Institution.objects.filter(place__path__contains=f"/{GULOU}/")
            .exclude(pk=staff_institution(users).pk).order_by("code")[0])


def taijiang_institution() -> Institution:
    return Institution.objects.filter(place__path__contains=f"/{TAIJIANG}/").order_by("code")[0]


def venue_make(institution: Institution, name: str | None = None) -> Venue:
    return Venue.objects.create(name=name or f"测试教学楼{next(_seq)}", kind=Venue.Kind.CLASSROOM,
                                place=institution.place, institution=institution, address="测试路 1 号")


def course_make(actor, institution: Institution, *, title: str = "测试书法入门", capacity: int = 30,
                hours: str = "12", fee: str = "0", kind: str = CourseKind.CULTURE, mode: str = Mode.OFFLINE,
                term: str = TERM, state: str = CourseState.DRAFT, sessions: int = 1, venue: Venue | None = None,
                session_date: datetime.date | None = None, **extra) -> Course:
    """A course of `institution` made by `actor`, with `sessions` two-hour sessions (one a day, from
    `session_date`, today by default) in its own room of `venue`, then moved to `state`."""
    course = course_create(actor=actor, institution_code=institution.code, code=f"TC-{next(_seq):05d}",
                           title=title, kind=kind, mode=mode, hours=hours, fee=fee, capacity=capacity, term=term,
                           **extra)
    if sessions:
        venue = venue or venue_make(institution)
        first = session_date or today()
        for i in range(sessions):
            session_add(actor=actor, course=course, date=first + datetime.timedelta(days=i), start="09:00",
                        end="11:00", venue_id=venue.pk, room=course.code)
    if state in (CourseState.PUBLISHED, CourseState.CLOSED):
        course = course_set_state(actor=actor, course=course, state=CourseState.PUBLISHED)
    if state == CourseState.CLOSED:
        course = course_set_state(actor=actor, course=course, state=CourseState.CLOSED)
    return Course.objects.get(pk=course.pk)


def first_session(course: Course) -> CourseSession:
    return course.sessions.order_by("date", "start", "id")[0]


def learner_make(district: str = GULOU, *, name: str = "测试学员", birth: datetime.date = datetime.date(1990, 5, 17),
                 groups: list[str] | None = None) -> User:
    """A user with a learner profile living in the first street of `district`, registered by themself."""
    from learncity.places.models import Place, PlaceLevel

    n = next(_seq)
    user = User.objects.create_user(username=f"catalog-learner-{n}", password=None)
    street = Place.objects.filter(parent__code=district, level=PlaceLevel.STREET).order_by("code")[0]
    learner_profile_create(actor=user, user=user, name=name, id_number=fresh_id_number(district, birth),
                           residence_code=street.code, groups=groups)
    return User.objects.get(pk=user.pk)


def profile(user: User) -> LearnerProfile:
    return LearnerProfile.objects.get(user=user)


def resource_make(institution: Institution, *, minutes: int = 30, title: str = "测试微课：手机支付防诈骗",
                  published: bool = True) -> Resource:
    return Resource.objects.create(title=title, kind=ResourceKind.VIDEO, topic="数字技能", course_kind=CourseKind.DIGITAL,
                                   url="https://example.org/video", duration_minutes=minutes, provider=institution,
                                   published=published)


def hours(value: str) -> Decimal:
    return Decimal(value)


def event_make(organiser: Institution, *, venue: Venue | None = None, title: str = "测试市民讲堂",
               starts_in: datetime.timedelta = datetime.timedelta(days=3), lasts: datetime.timedelta =
               datetime.timedelta(hours=2), capacity: int = 50, hours: str = "2", **extra):
    """An event of `organiser` at `venue` (a new one of theirs by default), starting `starts_in` from now (negative:
    already begun) and lasting `lasts`. Events have no create service: organisers' events come by import."""
    from learncity.catalog.models import Event, EventKind

    start = timezone.now().replace(microsecond=0) + starts_in
    return Event.objects.create(title=title, kind=extra.pop("kind", EventKind.LECTURE), organiser=organiser,
                                venue=venue or venue_make(organiser), starts_at=start, ends_at=start + lasts,
                                capacity=capacity, hours=Decimal(hours), **extra)


def event_on(organiser: Institution, first: datetime.date, last: datetime.date, *, venue: Venue | None = None,
             title: str = "测试展览", **extra):
    """An event from 09:00 on `first` to 17:00 on `last`, local time."""
    from learncity.catalog.models import Event, EventKind

    return Event.objects.create(
        title=title, kind=extra.pop("kind", EventKind.EXHIBITION), organiser=organiser,
        venue=venue or venue_make(organiser),
        starts_at=timezone.make_aware(datetime.datetime.combine(first, datetime.time(9))),
        ends_at=timezone.make_aware(datetime.datetime.combine(last, datetime.time(17))), **extra)
