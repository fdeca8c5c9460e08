"""Reads of the learning platform. Published courses, resources, events and venues are public; drafts,
rosters and records are scoped to the acting user."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseKind,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Event,
    LearningRecord,
    Mode,
    RecordKind,
    Resource,
    Venue,
)
from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Action, scope_for
from learncity.network.models import Institution


def _managed_institutions(actor, action: Action = Action.CHANGE) -> QuerySet[Institution]:
    return Institution.objects.filter(scope_for(actor).institutions_q(action))


def course_list_public(*, district_code: str | None = None) -> QuerySet[Course]:
    qs = Course.objects.with_phase().filter(state=CourseState.PUBLISHED)
    if district_code:
        qs = qs.filter(institution__place__path__contains=f"/{district_code}/")
    return qs.select_related("institution__place").prefetch_related("target_groups").order_by("-featured", "-id")


def course_phases(*, ids: list[int]) -> dict[int, tuple[str, bool]]:
    """Each of these courses' phase (CoursePhase) and whether it takes new learners, for showing search results."""
    if not ids:
        return {}
    return {pk: (phase, enrolling) for pk, phase, enrolling in
            Course.objects.with_phase().filter(pk__in=ids).values_list("pk", "phase", "enrolment_open")}


def english_titles(*, found: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The English titles (names of venues) of these search hits, (object type, id) → title, where they have
    one: English pages show them. One query a type found."""
    models = {"course": (Course, "title_en"), "resource": (Resource, "title_en"), "event": (Event, "title_en"),
              "venue": (Venue, "name_en")}
    out = {}
    for object_type, (model, column) in models.items():
        ids = [pk for t, pk in found if t == object_type]
        if ids:
            out.update(((object_type, pk), title) for pk, title in model.objects.filter(pk__in=ids).exclude(
                **{column: ""}).values_list("pk", column))
    return out


def course_get(*, actor, pk: int) -> Course:
    """A published or closed course for anyone (a learner's past courses stay readable); a draft for those who
    manage or may see its institution. It carries its phase and whether it takes new learners (with_phase)."""
    course = (Course.objects.with_phase().select_related("institution__place")
              .prefetch_related("target_groups", "teachers", "textbooks",
                                Prefetch("sessions", queryset=CourseSession.objects.select_related("venue")))
              .filter(pk=pk).first())
    if course is None:
        raise NotFound(gettext("未找到该课程"))
    if course.state == CourseState.DRAFT and not _managed_institutions(actor, Action.VIEW).filter(
            pk=course.institution_id).exists():
        raise NotFound(gettext("未找到该课程"))
    return course


def course_list_managed(*, actor, action: Action = Action.CHANGE, term: str | None = None,
                        phase: bool = False) -> QuerySet[Course]:
    """The courses the actor manages; `phase`: each with its life cycle (with_phase), as the API lists them."""
    qs = (Course.objects.with_phase() if phase else Course.objects).filter(
        institution__in=_managed_institutions(actor, action))
    if term:
        qs = qs.filter(term=term)
    return qs.select_related("institution").order_by("-term", "title", "id")


def course_managed_get(*, actor, pk: int, action: Action = Action.CHANGE) -> Course:
    course = course_list_managed(actor=actor, action=action).filter(pk=pk).first()
    if course is None:
        raise NotFound(gettext("未找到该课程，或您无权管理"))
    return course


def session_managed_get(*, actor, pk: int) -> CourseSession:
    session = (CourseSession.objects.select_related("course__institution", "venue")
               .filter(pk=pk, course__institution__in=_managed_institutions(actor)).first())
    if session is None:
        raise NotFound(gettext("未找到该课次，或您无权管理"))
    return session


def roster(*, course: Course) -> list[Enrollment]:
    """The course's live enrollments (enrolled and completed), then the waiting list in order."""
    live = list(course.enrollments.filter(status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED])
                .select_related("learner__residence").order_by("id"))
    waiting = list(course.enrollments.filter(status=EnrollmentStatus.WAITLISTED)
                   .select_related("learner__residence").order_by("waitlist_position", "id"))
    return live + waiting


def attendance_sheet(*, session: CourseSession) -> list[tuple[Enrollment, Attendance | None]]:
    present = {a.enrollment_id: a for a in session.attendances.all()}
    return [(e, present.get(e.pk)) for e in roster(course=session.course) if e.status != EnrollmentStatus.WAITLISTED]


def queue_rank(enrollment: Enrollment) -> int | None:
    """Where a waiting learner stands now (1 = next in line). Stored positions keep arrival order and are not
    renumbered when someone ahead leaves, so the rank is counted."""
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return None
    return Enrollment.objects.filter(course_id=enrollment.course_id, status=EnrollmentStatus.WAITLISTED,
                                     waitlist_position__lt=enrollment.waitlist_position).count() + 1


def enrollment_of(*, actor, course: Course) -> Enrollment | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    enrollment = (Enrollment.objects.filter(course_id=course.pk, learner__user=actor)
                  .exclude(status=EnrollmentStatus.CANCELLED).first())
    if enrollment is not None:
        enrollment.queue_rank = queue_rank(enrollment)
    return enrollment


def my_enrollment_get(*, actor, pk: int) -> Enrollment:
    e = Enrollment.objects.select_related("course__institution", "learner").filter(pk=pk, learner__user=actor).first()
    if e is None:
        raise NotFound(gettext("未找到该报名"))
    return e


def my_learning(*, actor) -> dict:
    """The learner's upcoming sessions, enrollments and learning history with total hours."""
    today = timezone.localdate()
    enrollments = list(Enrollment.objects.filter(learner__user=actor).exclude(status=EnrollmentStatus.CANCELLED)
                       .select_related("course__institution", "learner").order_by("-id"))
    live_courses = [e.course_id for e in enrollments if e.status == EnrollmentStatus.ENROLLED]
    for e in enrollments:
        e.queue_rank = queue_rank(e)
    upcoming = list(CourseSession.objects.filter(course_id__in=live_courses, date__gte=today)
                    .select_related("course", "venue").order_by("date", "start")[:20])
    records = LearningRecord.objects.filter(learner__user=actor).select_related("provider").order_by("-date", "-id")
    # A completed course counts its completion hours once, not again through the attendances that led to it.
    completed = records.filter(kind=RecordKind.COMPLETION).values("course_id")
    total = (records.exclude(kind=RecordKind.ATTENDANCE, course_id__in=completed)
             .aggregate(h=Sum("hours"))["h"] or Decimal("0"))
    # SQLite sums decimals as floats (52.2000000000000): back to the hours' one decimal place, and 12.0 as 12.
    total = Decimal(str(total)).quantize(Decimal("0.1"))
    total = total.quantize(Decimal("1")) if total == total.to_integral_value() else total
    return {"enrollments": enrollments, "upcoming": upcoming, "records": list(records[:200]), "total_hours": total,
            "record_count": records.count(), "current_count": len(live_courses)}


def resource_list(*, topic: str | None = None) -> QuerySet[Resource]:
    qs = Resource.objects.filter(published=True).select_related("provider")
    if topic:
        qs = qs.filter(Q(topic=topic) | Q(course_kind=topic))
    return qs


# --- prepared rows: what a page shows, plain (picklable into the cache), read in one query -----------------------

CARD_FIELDS = ("pk", "title", "title_en", "featured", "phase", "enrolment_open", "kind", "mode", "hours", "fee",
               "capacity", "enrolled_count", "institution__name")


def course_cards(qs: QuerySet[Course]) -> list[SimpleNamespace]:
    """The course cards of a list (catalog/_course_card.html) from a with_phase queryset: only the columns a card
    shows, in one query, as plain rows (the labels in the active language)."""
    kinds, modes = dict(CourseKind.choices), dict(Mode.choices)
    return [SimpleNamespace(**{k: v for k, v in row.items() if k != "institution__name"},
                            institution=SimpleNamespace(name=row["institution__name"]),
                            get_kind_display=str(kinds.get(row["kind"], row["kind"])),
                            get_mode_display=str(modes.get(row["mode"], row["mode"])), is_free=row["fee"] == 0,
                            seats_left=max(row["capacity"] - row["enrolled_count"], 0))
            for row in qs.values(*CARD_FIELDS)]


def discover_area(*, actor) -> tuple[str | None, tuple[int, ...]]:
    """What the signed-in learner's picks depend on: their district's path and their groups (None, () for anyone
    without a learner profile). Two short queries."""
    from learncity.people.selectors import profile_of
    from learncity.places.selectors import district_path_of

    profile = profile_of(actor) if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        return None, ()
    return (district_path_of(profile.residence) or profile.residence.path,
            tuple(sorted(g.pk for g in profile.groups.all())))


def discover(*, district_path: str | None = None, groups: tuple[int, ...] = (), limit: int = 12) -> dict:
    """Published courses in a learner's district (`district_path`), those for their groups first; without a
    district the latest. Courses that have ended are left out; each card carries its phase (with_phase). Plain
    rows (course_cards), the same for every learner of the district and groups: the page caches them."""
    qs = Course.objects.not_ended().filter(state=CourseState.PUBLISHED)
    if district_path is None:
        return {"area": False, "mine": [], "nearby": course_cards(qs.order_by("-featured", "-id")[:limit])}
    nearby = qs.filter(institution__place__path__startswith=district_path)
    mine = course_cards(nearby.filter(target_groups__in=groups).distinct().order_by("-featured", "-id")[:limit]) \
        if groups else []
    return {"area": True, "mine": mine,
            "nearby": course_cards(nearby.exclude(pk__in=[c.pk for c in mine]).order_by("-featured", "-id")[:limit])}


def course_page(*, pk: int) -> SimpleNamespace | None:
    """A course as its page shows it, for anyone (drafts too: the page decides who sees them): its columns, its
    phase (with_phase), institution, groups, teachers, textbooks and sessions with their venues, as plain values.
    Five queries; None when there is no such course."""
    from learncity.people.models import LearnerGroup

    row = (Course.objects.with_phase().filter(pk=pk)
           .values("pk", "title", "title_en", "featured", "phase", "enrolment_open", "enrolment_state", "kind", "mode",
                   "term", "hours", "fee", "capacity", "enrolled_count", "enrol_opens", "enrol_closes",
                   "late_enrolment", "description", "state", "sessions_past", "session_count", "institution_id",
                   "institution__name").first())
    if row is None:
        return None
    through = Course.target_groups.through
    groups = list(LearnerGroup.objects.filter(pk__in=through.objects.filter(course_id=pk).values("learnergroup_id"))
                  .order_by("id").values_list("name", flat=True))
    teachers = list(Course.teachers.through.objects.filter(course_id=pk).order_by("teacher_id")
                    .values_list("teacher__name", flat=True))
    textbooks = list(Course.textbooks.through.objects.filter(course_id=pk).order_by("textbook_id")
                     .values_list("textbook__title", flat=True))
    sessions = [SimpleNamespace(date=d, start=st, end=en, room=room,
                                venue=SimpleNamespace(name=name, name_en=name_en) if vid else None)
                for d, st, en, room, vid, name, name_en in CourseSession.objects.filter(course_id=pk)
                .order_by("date", "start", "id").values_list("date", "start", "end", "room", "venue_id", "venue__name",
                                                             "venue__name_en")]
    return SimpleNamespace(
        **{k: v for k, v in row.items() if k != "institution__name"},
        institution=SimpleNamespace(name=row["institution__name"]),
        get_kind_display=str(dict(CourseKind.choices).get(row["kind"], row["kind"])),
        get_mode_display=str(dict(Mode.choices).get(row["mode"], row["mode"])),
        get_state_display=str(dict(CourseState.choices).get(row["state"], row["state"])),
        is_free=row["fee"] == 0, seats_left=max(row["capacity"] - row["enrolled_count"], 0),
        group_names=groups, teacher_names=teachers, textbook_titles=textbooks, session_rows=sessions)


def course_visible(*, actor, course) -> bool:
    """A published or closed course is anyone's to read; a draft only theirs who manage or may see its
    institution."""
    return course.state != CourseState.DRAFT or (
        getattr(actor, "is_authenticated", False)
        and _managed_institutions(actor, Action.VIEW).filter(pk=course.institution_id).exists())


def course_can_manage(*, actor, course_id: int) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return course_list_managed(actor=actor).filter(pk=course_id).exists()


# --- events and venues as pages (issue 15, item 4) ---------------------------------------------------------

PAGE_SIZE = 24


def page_of(items, page, *, per_page: int = PAGE_SIZE):
    """One page of a list (a Django Page: its items, number and count). A page that is not a whole number, or
    beyond the last, is refused with what is wrong, as the `page` field's error."""
    from django.core.paginator import Paginator
    text = "1" if page in (None, "") else str(page).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise DomainError({"page": gettext("页码「%(page)s」必须是从 1 开始的整数") % {"page": text[:20]}},
                          code="bad_page")
    paginator = Paginator(items, per_page)
    number = int(text)
    if number > paginator.num_pages:
        raise DomainError({"page": gettext("第 %(page)s 页不存在：共 %(pages)s 页") % {
            "page": number, "pages": paginator.num_pages}}, code="bad_page")
    return paginator.page(number)


def area_resolve(*, district_code: str | None = None, street_code: str | None = None) -> dict:
    """The district and street a list is filtered by, from their codes: an unknown code, or a street outside the
    district given, is refused with the field it came in. Returns {"district": Place|None, "street": Place|None,
    "path": the narrowest path or None}."""
    from learncity.places.models import Place, PlaceLevel

    district = street = None
    errors = {}
    if district_code:
        district = Place.objects.filter(code=district_code, level=PlaceLevel.DISTRICT).first()
        if district is None:
            errors["district"] = gettext("未知的区县代码「%(code)s」") % {"code": district_code[:20]}
    if street_code:
        street = Place.objects.filter(code=street_code, level=PlaceLevel.STREET).first()
        if street is None:
            errors["street"] = gettext("未知的街道（乡镇）代码「%(code)s」") % {"code": street_code[:20]}
        elif district is not None and not street.path.startswith(district.path):
            errors["street"] = gettext("%(street)s不在%(district)s") % {"street": street.name,
                                                                          "district": district.name}
    if errors:
        raise DomainError(errors, code="unknown_place")
    narrowest = street or district
    return {"district": district, "street": street, "path": narrowest.path if narrowest else None}


def streets_of(*, district_code: str | None) -> list[tuple[str, str]]:
    """The streets and towns of a district (code, name), for a list's street filter."""
    from learncity.places.models import Place, PlaceLevel

    if not district_code:
        return []
    return list(Place.objects.filter(parent__code=district_code, level=PlaceLevel.STREET)
                .order_by("code").values_list("code", "name"))


VENUE_Q_MAX = 100  # characters of a venue search (name or address)


def venue_list_filtered(*, district_code: str | None = None, street_code: str | None = None,
                        kind: str | None = None, q: str | None = None) -> QuerySet[Venue]:
    """Venues in a district or street (its communities too), of a kind, whose name or address holds `q`;
    venues closed before today are left out."""
    area = area_resolve(district_code=district_code, street_code=street_code)
    if kind and kind not in Venue.Kind.values:
        raise DomainError({"kind": gettext("未知的场馆类型「%(kind)s」") % {"kind": kind[:20]}})
    if q and len(q) > VENUE_Q_MAX:  # a longer pattern is no name or address, and SQLite refuses it (a 500)
        raise DomainError({"q": gettext("名称或地址的搜索词太长：%(n)s 个字符，最多 %(max)s 个") % {
            "n": len(q), "max": VENUE_Q_MAX}}, code="q_too_long")
    qs = Venue.objects.select_related("place__parent", "institution").exclude(closed_on__lt=timezone.localdate())
    if area["path"]:
        qs = qs.filter(place__path__startswith=area["path"])
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(name_en__icontains=q))
    return qs.order_by("place__path", "name", "id")


def venue_detail(*, pk: int) -> dict:
    """A venue with what is held there: its courses still running or to come (published), and its events that
    have not ended, soonest first; a few of those past."""
    venue = Venue.objects.select_related("place__parent", "institution").filter(pk=pk).first()
    if venue is None:
        raise NotFound(gettext("未找到该场馆"))
    now = timezone.now()
    held_here = CourseSession.objects.filter(venue=venue).values("course_id")
    courses = list(Course.objects.not_ended().filter(state=CourseState.PUBLISHED, pk__in=held_here)
                   .select_related("institution").order_by("first_session_date", "id")[:50])
    events = list(Event.objects.filter(venue=venue, ends_at__gt=now).select_related("organiser")
                  .order_by("starts_at", "id")[:50])
    past = list(Event.objects.filter(venue=venue, ends_at__lte=now).select_related("organiser")
                .order_by("-starts_at", "-id")[:10])
    return {"venue": venue, "courses": courses, "events": events, "past_events": past}


# The dates an event list may be asked about (beyond them a period's arithmetic would leave the calendar).
EVENT_DATES = (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))


def event_list_filtered(*, date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                        district_code: str | None = None, street_code: str | None = None,
                        kind: str | None = None) -> QuerySet[Event]:
    """Events that take place, at least partly, between two dates (inclusive, local): an event is in a period
    when it starts before the period ends and ends after it begins, so a September list holds the exhibition of
    08-20 to 09-30 and not the one that ended on 08-03. Filtered by the venue's district or street and by kind."""
    from learncity.catalog.models import EventKind

    for field, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not EVENT_DATES[0] <= day <= EVENT_DATES[1]:
            raise DomainError({field: gettext("日期 %(day)s 超出范围：应在 %(first)s 至 %(last)s 之间") % {
                "day": day, "first": EVENT_DATES[0], "last": EVENT_DATES[1]}}, code="bad_date")
    if date_from and date_to and date_to < date_from:
        raise DomainError({"date_to": gettext("结束日期 %(to)s 早于开始日期 %(frm)s") % {"to": date_to,
                                                                                    "frm": date_from}})
    if kind and kind not in EventKind.values:
        raise DomainError({"kind": gettext("未知的活动类型「%(kind)s」") % {"kind": kind[:20]}})
    area = area_resolve(district_code=district_code, street_code=street_code)
    qs = Event.objects.all()
    if date_from:
        qs = qs.filter(ends_at__gt=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(starts_at__lt=_local_midnight(date_to + datetime.timedelta(days=1)))
    if area["path"]:
        qs = qs.filter(venue__place__path__startswith=area["path"])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("venue__place__parent", "organiser").order_by("starts_at", "id")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def event_get(*, pk: int) -> Event:
    event = Event.objects.select_related("venue__place__parent", "organiser").filter(pk=pk).first()
    if event is None:
        raise NotFound(gettext("未找到该活动"))
    return event


def event_registration_of(*, actor, event: Event):
    """The acting user's live sign-up for the event (registered or attended), or None."""
    from learncity.catalog.models import EventRegistration, EventRegistrationStatus

    if not getattr(actor, "is_authenticated", False):
        return None
    return (EventRegistration.objects.filter(event=event, learner__user=actor)
            .exclude(status=EventRegistrationStatus.CANCELLED).first())


def event_can_manage(*, actor, event: Event) -> bool:
    return _managed_institutions(actor).filter(pk=event.organiser_id).exists()


def event_roster(*, actor, event: Event) -> list:
    """The event's live sign-ups (registered and attended) for the organiser's staff, in order of arrival."""
    from learncity.catalog.models import EventRegistration, EventRegistrationStatus

    if not event_can_manage(actor=actor, event=event):
        raise NotFound(gettext("未找到该活动，或您无权管理"))
    return list(EventRegistration.objects.filter(event=event).exclude(status=EventRegistrationStatus.CANCELLED)
                .select_related("learner__residence").order_by("id"))


def my_event_registration_get(*, actor, pk: int):
    from learncity.catalog.models import EventRegistration

    registration = (EventRegistration.objects.select_related("event__organiser", "learner")
                    .filter(pk=pk, learner__user=actor).first())
    if registration is None:
        raise NotFound(gettext("未找到该活动报名"))
    return registration


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
    from django.db.models import Exists, OuterRef

    to_come = CourseSession.objects.filter(course=OuterRef("pk"), date__gte=today)
    any_session = CourseSession.objects.filter(course=OuterRef("pk"))
    return (Course.objects.filter(state=CourseState.PUBLISHED).filter(Exists(to_come) | ~Exists(any_session))
            .not_ended(today).select_related("institution__place"))


def _home_events_of_week(today: datetime.date) -> QuerySet[Event]:
    """Events that take place, at least partly, in the seven days from today (an exhibition that opened last
    month and is still on counts), soonest first."""
    begin, end = _home_window(today)
    return (Event.objects.filter(starts_at__lt=end, ends_at__gt=begin)
            .select_related("venue__place", "organiser").order_by("starts_at", "id"))


def _home_venues() -> QuerySet[Venue]:
    return (Venue.objects.filter(kind__in=HOME_VENUE_KINDS).exclude(closed_on__lt=timezone.localdate())
            .select_related("place"))


def _nearness(field: str, street_path: str | None, district_path: str | None):
    """0 in the street, 1 in the district, 2 elsewhere: for ordering by how near a thing is."""
    from django.db.models import Case, IntegerField, Value, When

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
    from django.db.models import Count

    today = today or timezone.localdate()
    phases: dict[str, int] = {}
    taking = 0
    for phase, enrolment_open in _home_not_ended(today).values_list("phase", "enrolment_open"):
        phases[phase] = phases.get(phase, 0) + 1
        taking += bool(enrolment_open)
    begin, end = _home_window(today)
    year = (LearningRecord.objects.filter(date__gte=datetime.date(today.year, 1, 1), date__lte=today)
            .aggregate(records=Count("id"), learners=Count("learner_id", distinct=True)))
    return {"courses_running": phases.get("running", 0), "courses_taking": taking,
            "events_week": Event.objects.filter(starts_at__lt=end, ends_at__gt=begin).count(),
            "venues": _home_venues().count(), "records_year": year["records"], "learners_year": year["learners"],
            "year": today.year}


def home_resident(*, profile, street_path: str | None, district_path: str | None,
                  today: datetime.date | None = None, limit: int = HOME_LIMIT) -> dict:
    """For a resident: courses that have not ended near home (their street first, then their district; those
    taking new learners first within each), courses for their groups (nearest first, anywhere in the city), this
    week's events near home, and venues near home. Each item carries `near` (0 street, 1 district, 2 elsewhere).
    Five queries."""
    from django.db.models import Exists, OuterRef

    today = today or timezone.localdate()
    area = district_path or street_path or profile.residence.path
    courses = _home_not_ended(today).annotate(near=_nearness("institution__place__path", street_path,
                                                             district_path))
    near = list(courses.filter(institution__place__path__startswith=area)
                .order_by("near", "-enrolment_open", "first_session_date", "-featured", "id")[:limit])
    group_ids = [g.pk for g in profile.groups.all()]  # prefetched by profile_of
    for_groups = []
    if group_ids:
        targeted = Course.target_groups.through.objects.filter(course_id=OuterRef("pk"),
                                                               learnergroup_id__in=group_ids)
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
    from learncity.catalog.models import EventRegistration, EventRegistrationStatus

    today = today or timezone.localdate()
    live = Enrollment.objects.filter(learner__user=actor, status__in=[EnrollmentStatus.ENROLLED,
                                                                      EnrollmentStatus.WAITLISTED])
    enrollments = list(live.select_related("course__institution").order_by("-id")[:limit])
    enrolled_count = live.filter(status=EnrollmentStatus.ENROLLED).count()
    sessions = list(CourseSession.objects.filter(
        date__gte=today, course__enrollments__learner__user=actor,
        course__enrollments__status=EnrollmentStatus.ENROLLED).select_related("course", "venue")
        .order_by("date", "start", "id")[:limit])
    registrations = list(EventRegistration.objects.filter(learner__user=actor,
                                                          status=EventRegistrationStatus.REGISTERED,
                                                          event__ends_at__gt=_home_window(today)[0])
                         .select_related("event__venue").order_by("event__starts_at", "id")[:limit])
    return {"enrollments": enrollments, "enrolled_count": enrolled_count, "sessions": sessions,
            "registrations": registrations}


def home_sessions_to_mark(*, actor, today: datetime.date | None = None, limit: int = 5) -> dict:
    """Sessions of the courses the actor manages (their institution's, or every institution of the district or
    city they administer) held in the last HOME_MARK_DAYS days up to today, with learners enrolled and no
    attendance marked yet. Their count and the earliest few. Two queries."""
    from django.db.models import Exists, OuterRef

    today = today or timezone.localdate()
    enrolled = Enrollment.objects.filter(course=OuterRef("course_id"), status__in=[EnrollmentStatus.ENROLLED,
                                                                                   EnrollmentStatus.COMPLETED])
    marked = Attendance.objects.filter(session=OuterRef("pk"))
    qs = (CourseSession.objects.filter(course__institution__in=_managed_institutions(actor),
                                       course__state__in=[CourseState.PUBLISHED, CourseState.CLOSED],
                                       date__gte=today - datetime.timedelta(days=HOME_MARK_DAYS), date__lte=today)
          .filter(Exists(enrolled)).exclude(Exists(marked)))
    return {"count": qs.count(), "items": list(qs.select_related("course__institution", "venue")
                                               .order_by("date", "start", "id")[:limit]),
            "days": HOME_MARK_DAYS}
