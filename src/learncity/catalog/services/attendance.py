"""Attendance and completion: the QR check-in, the staff's sheet, and completion with hours and score; each
makes its learning record."""


import datetime
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.inputs import CompletionEntry
from learncity.catalog.models import (
    Attendance,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    RecordKind,
    RecordSource,
)
from learncity.catalog.services.common import (
    QR_MAX_AGE,
    QR_SALT,
    _profile_of,
    _require_manage,
)
from learncity.catalog.services.records import learning_record_create
from learncity.core.audit import audit_record
from learncity.core.errors import DomainError
from learncity.core.inputs import parse
from learncity.core.scopes import Action

# --- attendance ---------------------------------------------------------------------------------------

def session_qr_token(*, actor, session: CourseSession) -> str:
    """A short-lived signed check-in token for a session, shown by staff as a QR code."""
    _require_manage(actor, session.course.institution)
    return signing.dumps({"s": session.pk}, salt=QR_SALT, compress=True)


def _session_hours(session: CourseSession) -> Decimal:
    minutes = (datetime.datetime.combine(session.date, session.end)
               - datetime.datetime.combine(session.date, session.start)).seconds // 60
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def _attend(*, actor, session: CourseSession, enrollment: Enrollment, method: str, source: str) -> Attendance:
    attendance, created = Attendance.objects.unscoped("one attendance a session and enrolment; the caller checked the enrolment").get_or_create(
        session=session, enrollment=enrollment,
        defaults={"method": method, "recorded_by": actor if getattr(actor, "is_authenticated", False) else None})
    if created:
        learning_record_create(
            actor=actor, learner=enrollment.learner, provider=session.course.institution, kind=RecordKind.ATTENDANCE,
            title=session.course.title, hours=_session_hours(session), date=session.date, source=source,
            external_id=f"attendance-{attendance.pk}", course=session.course, session=session,
            course_kind=session.course.kind)
        audit_record(actor=actor, action="attendance.create", obj=attendance, method=method)
    return attendance


def attendance_check_in_qr(*, actor, token: str) -> Attendance:
    """The learner scans the session's QR code: a valid, fresh token and an enrollment are required."""
    try:
        payload = signing.loads(token or "", salt=QR_SALT, max_age=QR_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError({"token": gettext("签到码已过期，请让工作人员刷新签到码")}, code="token_expired") from None
    except signing.BadSignature:
        raise DomainError({"token": gettext("签到码无效")}, code="token_invalid") from None
    learner = _profile_of(actor)
    session = CourseSession.objects.unscoped("a signed check-in token names its session: the signature is the check").select_related("course__institution").filter(pk=payload.get("s")).first()
    if session is None:
        raise DomainError({"token": gettext("签到码对应的课次不存在")}, code="token_invalid")
    enrollment = Enrollment.objects.restrict(actor, Action.VIEW).filter(course=session.course, learner=learner,
                                           status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED]).first()
    if enrollment is None:
        raise DomainError({"token": gettext("您没有报名「%(title)s」，不能签到") % {"title": session.course.title}}, code="not_enrolled")
    with transaction.atomic():
        return _attend(actor=actor, session=session, enrollment=enrollment, method=Attendance.Method.QR,
                       source=RecordSource.QR)


def attendance_mark(*, actor, session: CourseSession, enrollment_ids: list[int]) -> list[Attendance]:
    """Staff check in enrolled learners for a session; all or nothing."""
    _require_manage(actor, session.course.institution)
    enrollments = {e.pk: e for e in Enrollment.objects.restrict(actor, Action.CHANGE).select_related("learner").filter(
        course=session.course, pk__in=enrollment_ids,
        status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED])}
    missing = [i for i in enrollment_ids if i not in enrollments]
    if missing:
        raise DomainError({"enrollment_ids": gettext("这些报名不属于本课程或未在读：%(missing)s") % {"missing": missing}})
    with transaction.atomic():
        return [_attend(actor=actor, session=session, enrollment=enrollments[i], method=Attendance.Method.STAFF,
                        source=RecordSource.PAGE) for i in dict.fromkeys(enrollment_ids)]


def completion_error(name: str, exc: DomainError) -> str:
    """A learner's completion refused, as the sheet shows it: their name, then what is wrong."""
    return gettext("%(name)s：") % {"name": name} + " ".join(m for ms in exc.errors.values() for m in ms)


def completion_mark(*, actor, course: Course, entries: list[CompletionEntry | tuple],
                    source: str = RecordSource.PAGE) -> list[Enrollment]:
    """Mark learners completed with hours and an optional score: CompletionEntry (parsed at the door), or
    (enrollment id, hours, score|None) read by the same schema. Hours within the course's hours. All or
    nothing; each completion becomes a learning record."""
    _require_manage(actor, course.institution)
    errors = {}
    parsed = []
    wanted = [e.enrollment_id if isinstance(e, CompletionEntry) else e[0] for e in entries]
    enrollments = {e.pk: e for e in Enrollment.objects.restrict(actor, Action.CHANGE).select_related("learner")
                   .filter(course=course, pk__in=wanted)}
    for enrollment_id, entry in zip(wanted, entries, strict=True):
        e = enrollments.get(enrollment_id)
        key = f"enrollment_{enrollment_id}"
        if e is None or e.status not in (EnrollmentStatus.ENROLLED,):
            errors[key] = (gettext("报名 %(enrollment_id)s 不在本课程的在读名单中，不能结业") % {"enrollment_id": enrollment_id} if e is None or
                           e.status != EnrollmentStatus.COMPLETED else gettext("%(name)s 已结业") % {"name": e.learner.name})
            continue
        try:
            entry = parse(CompletionEntry, entry if isinstance(entry, CompletionEntry) else dict(
                zip(("enrollment_id", "hours", "score"), entry, strict=True)))
            if entry.hours > course.hours:
                raise DomainError({"hours": gettext("不能大于 %(limit)s，而不是 %(value)s") % {
                    "limit": course.hours, "value": entry.hours}})
        except DomainError as exc:
            errors[key] = completion_error(e.learner.name, exc)
            continue
        parsed.append((e, entry.hours, entry.score))
    if errors:
        raise DomainError(errors)
    if not parsed:
        raise DomainError({"entries": gettext("没有要结业的学员")})
    last_session = course.sessions.order_by("-date").values_list("date", flat=True).first()
    today = timezone.localdate()
    with transaction.atomic():
        for e, h, s in parsed:
            Enrollment.objects.unscoped("the enrolments chosen above through restrict(actor, CHANGE)").filter(pk=e.pk).update(status=EnrollmentStatus.COMPLETED, completed_hours=h, score=s)
            learning_record_create(
                actor=actor, learner=e.learner, provider=course.institution, kind=RecordKind.COMPLETION,
                title=course.title, hours=h, score=s, date=min(last_session or today, today), source=source,
                external_id=f"completion-{e.pk}", course=course, course_kind=course.kind)
            e.status, e.completed_hours, e.score = EnrollmentStatus.COMPLETED, h, s
        audit_record(actor=actor, action="completion.mark", obj=course, enrollments=[e.pk for e, _, _ in parsed])
    return [e for e, _, _ in parsed]
