"""Enrolment: counted under a lock on the course row (SELECT … FOR UPDATE on PostgreSQL; SQLite takes the
database write lock at BEGIN IMMEDIATE), with a database CHECK that enrolled_count never exceeds capacity, so
concurrent enrolments cannot overbook; a full course keeps a waiting list."""



from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext

from learncity.catalog.models import (
    Course,
    CoursePhase,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    EnrolmentState,
)
from learncity.catalog.services.common import _profile_of
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action
from learncity.people.models import LearnerProfile

# --- enrollment ---------------------------------------------------------------------------------------

def enrollment_create(*, actor, course: Course, learner: LearnerProfile | None = None) -> Enrollment:
    """Enroll the acting learner (or, for staff, a learner in their scope). A full course puts them on the
    waiting list, in order of arrival."""
    if learner is None:
        learner = _profile_of(actor)
    elif learner.user_id != getattr(actor, "pk", None) and not (
            Course.objects.restrict(actor, Action.CHANGE).filter(pk=course.pk).exists()
            and LearnerProfile.objects.restrict(actor, Action.VIEW).filter(pk=learner.pk).exists()):
        raise PermissionDenied()
    with transaction.atomic():
        locked = Course.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=course.pk)
        if locked.state != CourseState.PUBLISHED:
            raise DomainError({"course": gettext("课程「%(title)s」%(label)s，不能报名") % {"title": locked.title, "label": CourseState(locked.state).label}},
                              code="course_not_open")
        if Enrollment.objects.unscoped("one live enrolment a learner: the check is over the whole course").filter(course=locked, learner=learner).exclude(status=EnrollmentStatus.CANCELLED).exists():
            raise DomainError({"course": gettext("您已报名「%(title)s」") % {"title": locked.title}}, code="already_enrolled")
        cycle = locked.life_cycle()
        if cycle["phase"] == CoursePhase.ENDED:
            raise DomainError({"course": gettext("课程「%(title)s」已结束，不能报名或候补") % {"title": locked.title}},
                              code="course_ended")
        if cycle["enrolment_state"] == EnrolmentState.NOT_YET:
            raise DomainError({"course": gettext("课程「%(title)s」%(date)s 开始报名，现在还不能报名或候补")
                               % {"title": locked.title, "date": cycle["enrol_opens"].isoformat()}},
                              code="enrolment_not_open")
        if cycle["enrolment_state"] == EnrolmentState.CLOSED:
            raise DomainError({"course": gettext("课程「%(title)s」的报名已于 %(date)s 截止")
                               % {"title": locked.title, "date": cycle["enrol_closes"].isoformat()}},
                              code="enrolment_closed")
        if not cycle["enrolment_open"]:
            raise DomainError({"course": gettext("课程「%(title)s」的 %(total)s 次课已上过 %(past)s 次，报名已截止")
                               % {"title": locked.title, "total": cycle["session_count"],
                                  "past": cycle["sessions_past"]}}, code="enrolment_closed")
        if locked.enrolled_count < locked.capacity:
            enrollment = Enrollment.objects.create(course=locked, learner=learner, status=EnrollmentStatus.ENROLLED)
            Course.objects.unscoped("the row locked again after the caller's check").filter(pk=locked.pk).update(enrolled_count=F("enrolled_count") + 1)
            bump("catalog")  # the seats shown change; a place on the waiting list changes nothing shown
        else:
            last = Enrollment.objects.unscoped("the waiting list's last place is over the whole course").filter(course=locked, status=EnrollmentStatus.WAITLISTED).aggregate(
                n=Max("waitlist_position"))["n"] or 0
            enrollment = Enrollment.objects.create(course=locked, learner=learner, status=EnrollmentStatus.WAITLISTED,
                                                   waitlist_position=last + 1)
        audit_record(actor=actor, action="enrollment.create", obj=enrollment, status=enrollment.status)
    return enrollment


def enrollment_cancel(*, actor, enrollment: Enrollment) -> Enrollment:
    """Cancel; a freed seat goes to the first on the waiting list."""
    if not Enrollment.objects.restrict(actor, Action.CHANGE).filter(pk=enrollment.pk).exists():  # theirs, or staff
        raise PermissionDenied()
    with transaction.atomic():
        course = Course.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=enrollment.course_id)
        current = Enrollment.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=enrollment.pk)
        if current.status not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED):
            raise DomainError({"enrollment": gettext("%(label)s的报名不能取消") % {"label": EnrollmentStatus(current.status).label}})
        was_enrolled = current.status == EnrollmentStatus.ENROLLED
        current.status, current.waitlist_position = EnrollmentStatus.CANCELLED, None
        current.save(update_fields=["status", "waitlist_position", "updated_at"])
        promoted = None
        if was_enrolled:
            promoted = (Enrollment.objects.unscoped("the next on the locked course's waiting list, whoever they are").select_for_update()
                        .filter(course=course, status=EnrollmentStatus.WAITLISTED)
                        .order_by("waitlist_position", "id").first())
            if promoted is not None:
                promoted.status, promoted.waitlist_position = EnrollmentStatus.ENROLLED, None
                promoted.save(update_fields=["status", "waitlist_position", "updated_at"])
            else:
                Course.objects.unscoped("the row locked again after the caller's check").filter(pk=course.pk).update(enrolled_count=F("enrolled_count") - 1)
                bump("catalog")  # a seat freed (one taken by the next in line changes nothing shown)
        audit_record(actor=actor, action="enrollment.cancel", obj=current,
                     promoted=promoted.pk if promoted else None)
    return current
