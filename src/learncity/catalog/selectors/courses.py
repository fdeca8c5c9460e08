"""Reads of courses, their sessions and enrolments, a learner's learning, resources, and the prepared rows of the
course pages. Published courses and resources are public (Action.BROWSE); drafts, rosters and records are scoped
to the acting user."""

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
from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people.models import LearnerGroup
from learncity.people.selectors import profile_of
from learncity.places.selectors import district_path_of
from learncity.pools.models import Teacher, Textbook

# Public pages read what anyone may browse (Action.BROWSE): the same rows for every visitor, so the pages that
# show them are shared through the cache. `ANYONE` is the actor they are read for.
ANYONE = None


def institutions_managed(actor) -> QuerySet[Institution]:
    """The institutions the actor changes (courses, events, pools), by code: what the forms offer."""
    return Institution.objects.restrict(actor, Action.CHANGE).order_by("code")


def course_list_public(*, district_code: str | None = None) -> QuerySet[Course]:
    qs = Course.objects.restrict(ANYONE, Action.BROWSE).with_phase().filter(state=CourseState.PUBLISHED)
    if district_code:
        qs = qs.filter(institution__place__path__contains=f"/{district_code}/")
    return qs.select_related("institution__place").prefetch_related("target_groups").order_by("-featured", "-id")


def course_phases(*, ids: list[int]) -> dict[int, tuple[str, bool]]:
    """Each of these courses' phase (CoursePhase) and whether it takes new learners, for showing search results."""
    if not ids:
        return {}
    return {pk: (phase, enrolling) for pk, phase, enrolling in
            Course.objects.restrict(ANYONE, Action.BROWSE).with_phase().filter(pk__in=ids)
            .values_list("pk", "phase", "enrolment_open")}


def english_titles(*, found: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The English titles (names of venues) of these search hits, (object type, id) → title, where they have
    one: English pages show them. One query a type found."""
    models = {"course": (Course, "title_en"), "resource": (Resource, "title_en"), "event": (Event, "title_en"),
              "venue": (Venue, "name_en")}
    out = {}
    for object_type, (model, column) in models.items():
        ids = [pk for t, pk in found if t == object_type]
        if ids:
            out.update(((object_type, pk), title) for pk, title in model.objects.restrict(ANYONE, Action.BROWSE)
                       .filter(pk__in=ids).exclude(**{column: ""}).values_list("pk", column))
    return out


def course_get(*, actor, pk: int) -> Course:
    """A published or closed course for anyone (a learner's past courses stay readable); a draft for those who
    manage or may see its institution. It carries its phase and whether it takes new learners (with_phase)."""
    def read(qs):
        return (qs.with_phase().select_related("institution__place")
                .prefetch_related("target_groups", "teachers", "textbooks",
                                  Prefetch("sessions", queryset=CourseSession.objects.unscoped("the sessions of the course read above through restrict").select_related("venue")))
                .filter(pk=pk).first())

    course = read(Course.objects.restrict(ANYONE, Action.BROWSE))
    if course is None and getattr(actor, "is_authenticated", False):  # a draft: theirs who may see it
        course = read(Course.objects.restrict(actor, Action.VIEW))
    if course is None:
        raise NotFound(gettext("未找到该课程"))
    return course


def course_list_managed(*, actor, action: Action = Action.CHANGE, term: str | None = None,
                        phase: bool = False) -> QuerySet[Course]:
    """The courses the actor manages; `phase`: each with its life cycle (with_phase), as the API lists them."""
    qs = Course.objects.restrict(actor, action)
    qs = qs.with_phase() if phase else qs
    if term:
        qs = qs.filter(term=term)
    return qs.select_related("institution").order_by("-term", "title", "id")


def course_managed_get(*, actor, pk: int, action: Action = Action.CHANGE) -> Course:
    course = course_list_managed(actor=actor, action=action).filter(pk=pk).first()
    if course is None:
        raise NotFound(gettext("未找到该课程，或您无权管理"))
    return course


def session_managed_get(*, actor, pk: int) -> CourseSession:
    session = (CourseSession.objects.restrict(actor, Action.CHANGE).select_related("course__institution", "venue")
               .filter(pk=pk).first())
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
    return Enrollment.objects.unscoped("a place on the waiting list counts everyone ahead, whoever they are").filter(course_id=enrollment.course_id, status=EnrollmentStatus.WAITLISTED,
                                     waitlist_position__lt=enrollment.waitlist_position).count() + 1


def enrollment_of(*, actor, course: Course) -> Enrollment | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    enrollment = (Enrollment.objects.restrict(actor, Action.VIEW).filter(course_id=course.pk, learner__user=actor)
                  .exclude(status=EnrollmentStatus.CANCELLED).first())
    if enrollment is not None:
        enrollment.queue_rank = queue_rank(enrollment)
    return enrollment


def enrollment_get(*, actor, pk: int, action: Action = Action.CHANGE) -> Enrollment:
    """An enrolment the actor reaches: their own, or one of a course they manage (CHANGE by default)."""
    e = (Enrollment.objects.restrict(actor, action).select_related("course__institution", "learner")
         .filter(pk=pk).first())
    if e is None:
        raise NotFound(gettext("未找到该报名"))
    return e


def enrollments_of(*, actor, ids) -> QuerySet[Enrollment]:
    """These enrolments, as far as the actor reaches them (the API returns them after a write)."""
    return Enrollment.objects.restrict(actor, Action.VIEW).filter(pk__in=list(ids)).select_related("learner")


def my_enrollment_get(*, actor, pk: int) -> Enrollment:
    e = (Enrollment.objects.restrict(actor, Action.VIEW).select_related("course__institution", "learner")
         .filter(pk=pk, learner__user=actor).first())
    if e is None:
        raise NotFound(gettext("未找到该报名"))
    return e


def my_learning(*, actor) -> dict:
    """The learner's upcoming sessions, enrollments and learning history with total hours."""
    today = timezone.localdate()
    enrollments = list(Enrollment.objects.restrict(actor, Action.VIEW).filter(learner__user=actor)
                       .exclude(status=EnrollmentStatus.CANCELLED)
                       .select_related("course__institution", "learner").order_by("-id"))
    live_courses = [e.course_id for e in enrollments if e.status == EnrollmentStatus.ENROLLED]
    for e in enrollments:
        e.queue_rank = queue_rank(e)
    upcoming = list(CourseSession.objects.restrict(ANYONE, Action.BROWSE).filter(course_id__in=live_courses,
                                                                               date__gte=today)
                    .select_related("course", "venue").order_by("date", "start")[:20])
    records = (LearningRecord.objects.restrict(actor, Action.VIEW).filter(learner__user=actor)
               .select_related("provider").order_by("-date", "-id"))
    # A completed course counts its completion hours once, not again through the attendances that led to it.
    completed = records.filter(kind=RecordKind.COMPLETION).values("course_id")
    total = (records.exclude(kind=RecordKind.ATTENDANCE, course_id__in=completed)
             .aggregate(h=Sum("hours"))["h"] or Decimal("0"))
    # SQLite sums decimals as floats (52.2000000000000): back to the hours' one decimal place, and 12.0 as 12.
    total = Decimal(str(total)).quantize(Decimal("0.1"))
    total = total.quantize(Decimal("1")) if total == total.to_integral_value() else total
    return {"enrollments": enrollments, "upcoming": upcoming, "records": list(records[:200]), "total_hours": total,
            "record_count": records.count(), "current_count": len(live_courses)}


def resource_get(*, pk: int) -> Resource:
    resource = Resource.objects.restrict(ANYONE, Action.BROWSE).filter(pk=pk).select_related("provider").first()
    if resource is None:
        raise NotFound(gettext("未找到该资源"))
    return resource


def session_public_get(*, pk: int) -> CourseSession:
    return CourseSession.objects.restrict(ANYONE, Action.BROWSE).select_related("venue").get(pk=pk)


def resource_list(*, topic: str | None = None) -> QuerySet[Resource]:
    qs = Resource.objects.restrict(ANYONE, Action.BROWSE).select_related("provider")  # the published ones
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
    profile = profile_of(actor) if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        return None, ()
    return (district_path_of(profile.residence) or profile.residence.path,
            tuple(sorted(g.pk for g in profile.groups.all())))


def discover(*, district_path: str | None = None, groups: tuple[int, ...] = (), limit: int = 12) -> dict:
    """Published courses in a learner's district (`district_path`), those for their groups first; without a
    district the latest. Courses that have ended are left out; each card carries its phase (with_phase). Plain
    rows (course_cards), the same for every learner of the district and groups: the page caches them."""
    qs = Course.objects.restrict(ANYONE, Action.BROWSE).not_ended().filter(state=CourseState.PUBLISHED)
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
    row = (Course.objects.unscoped("every state: course_visible (through restrict) decides who sees the page").with_phase().filter(pk=pk)  # every state: course_visible (through restrict) decides
           .values("pk", "title", "title_en", "featured", "phase", "enrolment_open", "enrolment_state", "kind", "mode",
                   "term", "hours", "fee", "capacity", "enrolled_count", "enrol_opens", "enrol_closes",
                   "late_enrolment", "description", "state", "sessions_past", "session_count", "institution_id",
                   "institution__name").first())
    if row is None:
        return None
    groups = list(LearnerGroup.objects.restrict(ANYONE, Action.BROWSE).filter(courses=pk)
                  .order_by("id").values_list("name", flat=True))
    teachers = list(Teacher.objects.unscoped("the teachers a course's page names, for anyone").filter(courses=pk)
                    .order_by("id").values_list("name", flat=True))
    textbooks = list(Textbook.objects.unscoped("the textbooks a course's page names, for anyone").filter(courses=pk)
                     .order_by("id").values_list("title", flat=True))
    sessions = [SimpleNamespace(date=d, start=st, end=en, room=room,
                                venue=SimpleNamespace(name=name, name_en=name_en) if vid else None)
                for d, st, en, room, vid, name, name_en in CourseSession.objects.unscoped("the sessions of the course page read above").filter(course_id=pk)
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
        and Course.objects.restrict(actor, Action.VIEW).filter(pk=course.pk).exists())


def course_can_manage(*, actor, course_id: int) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    return course_list_managed(actor=actor).filter(pk=course_id).exists()
