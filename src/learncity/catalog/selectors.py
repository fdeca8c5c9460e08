"""Reads of the learning platform. Published courses, resources, events and venues are public; drafts,
rosters and records are scoped to the acting user."""

import datetime
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Event,
    LearningRecord,
    RecordKind,
    Resource,
    Venue,
)
from learncity.core.errors import NotFound
from learncity.core.scopes import Action, scope_for
from learncity.network.models import Institution


def _managed_institutions(actor, action: Action = Action.CHANGE) -> QuerySet[Institution]:
    return Institution.objects.filter(scope_for(actor).institutions_q(action))


def course_list_public(*, district_code: str | None = None) -> QuerySet[Course]:
    qs = Course.objects.filter(state=CourseState.PUBLISHED)
    if district_code:
        qs = qs.filter(institution__place__path__contains=f"/{district_code}/")
    return qs.select_related("institution__place").prefetch_related("target_groups").order_by("-featured", "-id")


def course_phases(*, ids: list[int]) -> dict[int, str]:
    """Each of these courses' phase (CoursePhase), for showing search results."""
    return dict(Course.objects.with_phase().filter(pk__in=ids).values_list("pk", "phase")) if ids else {}


def course_get(*, actor, pk: int) -> Course:
    """A published or closed course for anyone (a learner's past courses stay readable); a draft for those who
    manage or may see its institution. It carries its phase and whether it takes new learners (with_phase)."""
    course = (Course.objects.with_phase().select_related("institution__place")
              .prefetch_related("target_groups", "teachers", "textbooks",
                                Prefetch("sessions", queryset=CourseSession.objects.select_related("venue")))
              .filter(pk=pk).first())
    if course is None:
        raise NotFound("未找到该课程")
    if course.state == CourseState.DRAFT and not _managed_institutions(actor, Action.VIEW).filter(
            pk=course.institution_id).exists():
        raise NotFound("未找到该课程")
    return course


def course_list_managed(*, actor, action: Action = Action.CHANGE, term: str | None = None) -> QuerySet[Course]:
    qs = Course.objects.filter(institution__in=_managed_institutions(actor, action))
    if term:
        qs = qs.filter(term=term)
    return qs.select_related("institution").order_by("-term", "title", "id")


def course_managed_get(*, actor, pk: int, action: Action = Action.CHANGE) -> Course:
    course = course_list_managed(actor=actor, action=action).filter(pk=pk).first()
    if course is None:
        raise NotFound("未找到该课程，或您无权管理")
    return course


def session_managed_get(*, actor, pk: int) -> CourseSession:
    session = (CourseSession.objects.select_related("course__institution", "venue")
               .filter(pk=pk, course__institution__in=_managed_institutions(actor)).first())
    if session is None:
        raise NotFound("未找到该课次，或您无权管理")
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
    enrollment = (Enrollment.objects.filter(course=course, learner__user=actor)
                  .exclude(status=EnrollmentStatus.CANCELLED).first())
    if enrollment is not None:
        enrollment.queue_rank = queue_rank(enrollment)
    return enrollment


def my_enrollment_get(*, actor, pk: int) -> Enrollment:
    e = Enrollment.objects.select_related("course__institution", "learner").filter(pk=pk, learner__user=actor).first()
    if e is None:
        raise NotFound("未找到该报名")
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


def venue_list(*, district_code: str | None = None, kind: str | None = None) -> QuerySet[Venue]:
    qs = Venue.objects.select_related("place", "institution")
    if district_code:
        qs = qs.filter(place__path__contains=f"/{district_code}/")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("place__code", "id")


def event_calendar(*, start: datetime.date, days: int = 62, district_code: str | None = None) -> QuerySet[Event]:
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    qs = Event.objects.filter(starts_at__gte=begin, starts_at__lt=begin + datetime.timedelta(days=days))
    if district_code:
        qs = qs.filter(venue__place__path__contains=f"/{district_code}/")
    return qs.select_related("venue__place", "organiser").order_by("starts_at", "id")


def resource_list(*, topic: str | None = None) -> QuerySet[Resource]:
    qs = Resource.objects.filter(published=True).select_related("provider")
    if topic:
        qs = qs.filter(Q(topic=topic) | Q(course_kind=topic))
    return qs


def discover(*, actor, limit: int = 12) -> dict:
    """For a signed-in learner: published courses in their district, those for their groups first; for anyone
    else the latest. Courses that have ended are left out; each carries its phase (with_phase)."""
    from learncity.people.selectors import profile_of
    from learncity.places.selectors import district_path_of

    profile = profile_of(actor)
    qs = Course.objects.not_ended().filter(state=CourseState.PUBLISHED).select_related("institution__place")
    if profile is None:
        return {"profile": None, "mine": [], "nearby": list(qs.order_by("-featured", "-id")[:limit])}
    district_path = district_path_of(profile.residence) or profile.residence.path
    nearby = qs.filter(institution__place__path__startswith=district_path)
    groups = list(profile.groups.values_list("id", flat=True))
    mine = list(nearby.filter(target_groups__in=groups).distinct().order_by("-featured", "-id")[:limit]) if groups else []
    return {"profile": profile, "mine": mine,
            "nearby": list(nearby.exclude(pk__in=[c.pk for c in mine]).order_by("-featured", "-id")[:limit])}
