"""Writes of the learning platform. Each checks scope, validates, writes and audits in one transaction.

Enrollment is counted under a lock on the course row (SELECT … FOR UPDATE on PostgreSQL; SQLite takes the
database write lock at BEGIN IMMEDIATE), with a database CHECK that enrolled_count never exceeds capacity,
so concurrent enrollments cannot overbook. One service, `learning_record_create`, makes learning records.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import (
    Attendance,
    Course,
    CourseKind,
    CoursePhase,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    EnrolmentState,
    Event,
    EventRegistration,
    EventRegistrationStatus,
    LearningRecord,
    Mode,
    RecordKind,
    RecordSource,
    Resource,
    Teacher,
    Textbook,
    Venue,
)
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action, scope_for
from learncity.network.models import Institution
from learncity.people.models import LearnerGroup, LearnerProfile

QR_MAX_AGE = datetime.timedelta(minutes=10)
QR_SALT = "learncity.catalog.checkin"
MAX_HOURS = Decimal("2000")


# --- shared checks ------------------------------------------------------------------------------------

def _decimal(value, field: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None,
             strictly_positive: bool = False) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise DomainError({field: gettext("「%(field)s」不能为空，必须是数字") % {"field": field}})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError({field: gettext("「%(value)s」不是数字") % {"value": value}}) from None
    if not number.is_finite():
        raise DomainError({field: gettext("「%(value)s」不是数字") % {"value": value}})
    if strictly_positive and number <= 0:
        raise DomainError({field: gettext("%(field)s 必须大于 0，而不是 %(value)s") % {"field": field, "value": value}})
    if minimum is not None and number < minimum:
        raise DomainError({field: gettext("%(field)s 不能小于 %(minimum)s，而不是 %(value)s") % {"field": field, "minimum": minimum, "value": value}})
    if maximum is not None and number > maximum:
        raise DomainError({field: gettext("%(field)s 不能大于 %(maximum)s，而不是 %(value)s") % {"field": field, "maximum": maximum, "value": value}})
    return number


def _can_manage(actor, institution: Institution) -> bool:
    scope = scope_for(actor)
    return Institution.objects.filter(scope.institutions_q(Action.CHANGE), pk=institution.pk).exists()


def _require_manage(actor, institution: Institution) -> None:
    if not _can_manage(actor, institution):
        raise PermissionDenied(gettext("只有开课机构的工作人员或其上级管理员可以操作 (not your institution)"))


def _profile_of(actor) -> LearnerProfile:
    profile = LearnerProfile.objects.filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法报名")}, code="no_profile")
    return profile


# --- courses and sessions -----------------------------------------------------------------------------

MAX_CAPACITY = 1_000_000  # places a course offers; far below the column's 2^31 (a larger number was a 500)
COURSE_FIELDS = ("title", "description", "kind", "mode", "level", "hours", "fee", "capacity", "term", "featured",
                 "outcome_standard_code", "title_en", "tags", "enrol_opens", "enrol_closes", "late_enrolment")
_TAG_SEPARATORS = str.maketrans({"，": ",", "、": ",", ";": ",", "；": ","})


def _course_date(value, field: str, errors: dict) -> datetime.date | None:
    """An enrolment date: a date, its ISO text, or empty (none)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = gettext("「%(value)s」不是有效的日期（应为 YYYY-MM-DD）") % {"value": str(value)[:40]}
        return None


def _validate_listing(data: dict, errors: dict) -> dict:
    """The English title, tags and enrolment window of a course, cleaned; their errors added to `errors`."""
    clean = {}
    if "title_en" in data:
        clean["title_en"] = " ".join(str(data.get("title_en") or "").split())
        if len(clean["title_en"]) > 160:
            errors["title_en"] = gettext("英文名称不能超过 160 个字符（现有 %(n)s 个）") % {"n": len(clean["title_en"])}
    if "tags" in data:
        tags = str(data.get("tags") or "").translate(_TAG_SEPARATORS).split(",")
        clean["tags"] = ",".join(dict.fromkeys(t.strip() for t in tags if t.strip()))
        if len(clean["tags"]) > 200:
            errors["tags"] = gettext("标签合计不能超过 200 个字符（现有 %(n)s 个）") % {"n": len(clean["tags"])}
    for field in ("enrol_opens", "enrol_closes"):
        if field in data:
            clean[field] = _course_date(data.get(field), field, errors)
    opens, closes = clean.get("enrol_opens"), clean.get("enrol_closes")
    if opens and closes and closes < opens:
        errors["enrol_closes"] = gettext("报名截止日期 %(closes)s 早于报名开始日期 %(opens)s") % {
            "closes": closes.isoformat(), "opens": opens.isoformat()}
    if "late_enrolment" in data:
        clean["late_enrolment"] = bool(data.get("late_enrolment"))
    return clean


def _validate_course(data: dict) -> dict:
    errors = {}
    title = (data.get("title") or "").strip()
    if not title or len(title) > 128:
        errors["title"] = gettext("课程名称不能为空，且不超过 128 个字")
    if data.get("kind") not in CourseKind.values:
        errors["kind"] = gettext("未知的课程类别「%(get)s」") % {"get": data.get('kind')}
    if data.get("mode", Mode.OFFLINE) not in Mode.values:
        errors["mode"] = gettext("未知的方式「%(get)s」") % {"get": data.get('mode')}
    term = (data.get("term") or "").strip()
    if not term or len(term) > 16:
        errors["term"] = gettext("学期不能为空（如 2026秋）")
    clean = {"title": title, "term": term}
    for field, kwargs in (("hours", {"strictly_positive": True, "maximum": MAX_HOURS}),
                          ("fee", {"minimum": Decimal("0"), "maximum": Decimal("100000")})):
        try:
            clean[field] = _decimal(data.get(field, "0" if field == "fee" else None), field, **kwargs)
        except DomainError as exc:
            errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    capacity = data.get("capacity")
    if isinstance(capacity, bool) or not str(capacity).strip().lstrip("-").isdigit():
        errors["capacity"] = gettext("名额「%(capacity)s」必须是整数") % {"capacity": capacity}
    elif int(capacity) < 1:
        errors["capacity"] = gettext("名额必须至少为 1，而不是 %(capacity)s") % {"capacity": capacity}
    elif int(capacity) > MAX_CAPACITY:
        errors["capacity"] = gettext("名额不能超过 %(MAX_CAPACITY)s，而不是 %(capacity)s") % {"MAX_CAPACITY": MAX_CAPACITY, "capacity": capacity}
    else:
        clean["capacity"] = int(capacity)
    clean.update(_validate_listing(data, errors))
    if errors:
        raise DomainError(errors)
    return {**{k: data[k] for k in COURSE_FIELDS if k in data}, **clean}


def course_create(*, actor, institution_code: str, code: str, title: str, kind: str, hours, capacity, term: str,
                  mode: str = Mode.OFFLINE, fee="0", description: str = "", level: str = "",
                  target_groups: list[str] | None = None, teacher_ids: list[int] | None = None,
                  textbook_ids: list[int] | None = None, featured: bool = False,
                  outcome_standard_code: str = "", title_en: str = "", tags: str = "", enrol_opens=None,
                  enrol_closes=None, late_enrolment: bool = False) -> Course:
    institution = Institution.objects.select_related("place").filter(code=institution_code).first()
    if institution is None:
        raise DomainError({"institution_code": gettext("未知的机构代码「%(institution_code)s」") % {"institution_code": institution_code}})
    _require_manage(actor, institution)
    code = (code or "").strip()
    if not code or len(code) > 40:
        raise DomainError({"code": gettext("课程代码不能为空，且不超过 40 个字符")})
    data = _validate_course(dict(title=title, kind=kind, hours=hours, capacity=capacity, term=term, mode=mode,
                                 fee=fee, description=description, level=level, featured=featured,
                                 outcome_standard_code=outcome_standard_code, title_en=title_en, tags=tags,
                                 enrol_opens=enrol_opens, enrol_closes=enrol_closes,
                                 late_enrolment=late_enrolment))
    groups = list(LearnerGroup.objects.filter(code__in=target_groups or []))
    if len(groups) != len(set(target_groups or [])):
        raise DomainError({"target_groups": gettext("未知的群体：") + gettext("、").join(sorted(set(target_groups) - {g.code for g in groups}))})
    teachers = list(Teacher.objects.filter(pk__in=teacher_ids or []))
    textbooks = list(Textbook.objects.filter(pk__in=textbook_ids or []))
    try:
        with transaction.atomic():
            course = Course.objects.create(institution=institution, code=code, **data)
            course.target_groups.set(groups)
            course.teachers.set(teachers)
            course.textbooks.set(textbooks)
            audit_record(actor=actor, action="course.create", obj=course, code=code)
            bump("catalog")
    except IntegrityError:
        raise DomainError({"code": gettext("课程代码「%(code)s」已存在") % {"code": code}}) from None
    _reindex(course)
    return course


def course_update(*, actor, course: Course, **changes) -> Course:
    _require_manage(actor, course.institution)
    unknown = set(changes) - set(COURSE_FIELDS)
    if unknown:
        raise DomainError({f: gettext("不能修改此字段") for f in unknown})
    with transaction.atomic():
        locked = Course.objects.select_for_update().get(pk=course.pk)
        merged = {f: getattr(locked, f) for f in COURSE_FIELDS} | changes
        data = _validate_course(merged)
        if data["capacity"] < locked.enrolled_count:
            raise DomainError({"capacity": gettext("已有 %(enrolled_count)s 人报名，名额不能少于报名人数") % {"enrolled_count": locked.enrolled_count}})
        for f, v in data.items():
            setattr(locked, f, v)
        locked.save()
        # Seats added to a course with a waiting list go to those waiting, in order, before any newcomer.
        promoted = list(Enrollment.objects.select_for_update().filter(course=locked, status=EnrollmentStatus.WAITLISTED)
                        .order_by("waitlist_position", "id")[:max(locked.capacity - locked.enrolled_count, 0)])
        if promoted:
            Enrollment.objects.filter(pk__in=[e.pk for e in promoted]).update(
                status=EnrollmentStatus.ENROLLED, waitlist_position=None, updated_at=timezone.now())
            Course.objects.filter(pk=locked.pk).update(enrolled_count=F("enrolled_count") + len(promoted))
            locked.enrolled_count += len(promoted)
        audit_record(actor=actor, action="course.update", obj=locked, changed=sorted(changes),
                     **({"promoted": [e.pk for e in promoted]} if promoted else {}))
        bump("catalog")
    _reindex(locked)
    return locked


def course_set_state(*, actor, course: Course, state: str) -> Course:
    _require_manage(actor, course.institution)
    allowed = {CourseState.DRAFT: {CourseState.PUBLISHED}, CourseState.PUBLISHED: {CourseState.CLOSED, CourseState.DRAFT},
               CourseState.CLOSED: set()}
    with transaction.atomic():
        # Checked on the locked row, not on the caller's copy: a learner may have enrolled since it was read.
        locked = Course.objects.select_for_update().get(pk=course.pk)
        if state not in allowed.get(locked.state, set()):
            raise DomainError({"state": gettext("课程不能从「%(label)s」改为「%(state)s」") % {"label": CourseState(locked.state).label, "state": state}})
        if state == CourseState.PUBLISHED and not locked.sessions.exists() and locked.mode != Mode.ONLINE:
            raise DomainError({"state": gettext("线下课程发布前至少要安排一次课")})
        if state == CourseState.DRAFT and locked.enrolled_count:
            raise DomainError({"state": gettext("已有学员报名的课程不能退回草稿")})
        Course.objects.filter(pk=course.pk).update(state=state)
        course.state = state
        audit_record(actor=actor, action="course.state", obj=course, state=state)
        bump("catalog")
    _reindex(course)
    return course


def _is_web_url(value: str) -> bool:
    """http or https, and short enough for the column: a `javascript:` link is no place to learn."""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return len(value) <= CourseSession._meta.get_field("online_url").max_length


def session_add(*, actor, course: Course, date, start, end, venue_id: int | None = None, room: str = "",
                online_url: str = "") -> CourseSession:
    _require_manage(actor, course.institution)
    errors = {}
    for field, value, parse in (("date", date, datetime.date.fromisoformat), ("start", start, datetime.time.fromisoformat),
                                ("end", end, datetime.time.fromisoformat)):
        if isinstance(value, str):
            try:
                value = parse(value)
            except ValueError:
                errors[field] = gettext("「%(value)s」不是有效的%(v)s") % {"value": value, "v": gettext("日期") if field == 'date' else gettext("时间")}
        if field == "date":
            date = value
        elif field == "start":
            start = value
        else:
            end = value
    online_url = (online_url or "").strip()
    if online_url and not _is_web_url(online_url):
        errors["online_url"] = gettext("「%(v)s」不是 http:// 或 https:// 开头的网址（不超过 200 个字符）") % {"v": online_url[:200]}
    if errors:
        raise DomainError(errors)
    if end <= start:
        raise DomainError({"end": gettext("结束时间 %(end)s 必须晚于开始时间 %(start)s") % {"end": format(end, "%H:%M"), "start": format(start, "%H:%M")}})
    venue = None
    if venue_id:
        venue = Venue.objects.filter(pk=venue_id).first()
        if venue is None:
            raise DomainError({"venue_id": gettext("未知的场地「%(venue_id)s」") % {"venue_id": venue_id}})
    elif course.mode == Mode.OFFLINE:
        raise DomainError({"venue_id": gettext("线下课程的每次课都要有上课地点")})
    room = (room or "").strip()
    with transaction.atomic():
        if venue is not None:
            # Lock the venue: two sessions cannot be squeezed into one room at once by racing requests.
            Venue.objects.select_for_update().filter(pk=venue.pk).first()
            clash = (CourseSession.objects.filter(venue=venue, room=room, date=date, start__lt=end, end__gt=start)
                     .select_related("course").first())
            if clash is not None:
                raise DomainError({"start": gettext("%(name)s%(room)s 在 %(date)s %(start)s-%(end)s 已有课程「%(title)s」") % {"name": venue.name, "room": room, "date": date, "start": format(clash.start, "%H:%M"), "end": format(clash.end, "%H:%M"), "title": clash.course.title}})
        session = CourseSession.objects.create(course=course, date=date, start=start, end=end, venue=venue,
                                               room=room, online_url=online_url)
        audit_record(actor=actor, action="session.add", obj=session, course=course.code)
        bump("catalog")
    _reindex(course)
    return session


def _reindex(course: Course) -> None:
    from learncity.catalog import search

    def index() -> None:  # the search pages show the index: cached ones are dropped again once it is written
        search.index_documents([course])
        bump("catalog")

    transaction.on_commit(index)


# --- enrollment ---------------------------------------------------------------------------------------

def enrollment_create(*, actor, course: Course, learner: LearnerProfile | None = None) -> Enrollment:
    """Enroll the acting learner (or, for staff, a learner in their scope). A full course puts them on the
    waiting list, in order of arrival."""
    if learner is None:
        learner = _profile_of(actor)
    elif learner.user_id != getattr(actor, "pk", None):
        scope = scope_for(actor)
        if not (_can_manage(actor, course.institution)
                and LearnerProfile.objects.filter(scope.profiles_q(Action.VIEW), pk=learner.pk).exists()):
            raise PermissionDenied()
    with transaction.atomic():
        locked = Course.objects.select_for_update().get(pk=course.pk)
        if locked.state != CourseState.PUBLISHED:
            raise DomainError({"course": gettext("课程「%(title)s」%(label)s，不能报名") % {"title": locked.title, "label": CourseState(locked.state).label}},
                              code="course_not_open")
        if Enrollment.objects.filter(course=locked, learner=learner).exclude(status=EnrollmentStatus.CANCELLED).exists():
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
            Course.objects.filter(pk=locked.pk).update(enrolled_count=F("enrolled_count") + 1)
            bump("catalog")  # the seats shown change; a place on the waiting list changes nothing shown
        else:
            last = Enrollment.objects.filter(course=locked, status=EnrollmentStatus.WAITLISTED).aggregate(
                n=Max("waitlist_position"))["n"] or 0
            enrollment = Enrollment.objects.create(course=locked, learner=learner, status=EnrollmentStatus.WAITLISTED,
                                                   waitlist_position=last + 1)
        audit_record(actor=actor, action="enrollment.create", obj=enrollment, status=enrollment.status)
    return enrollment


def enrollment_cancel(*, actor, enrollment: Enrollment) -> Enrollment:
    """Cancel; a freed seat goes to the first on the waiting list."""
    is_owner = enrollment.learner.user_id is not None and enrollment.learner.user_id == getattr(actor, "pk", None)
    if not is_owner and not _can_manage(actor, enrollment.course.institution):
        raise PermissionDenied()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=enrollment.course_id)
        current = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if current.status not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED):
            raise DomainError({"enrollment": gettext("%(label)s的报名不能取消") % {"label": EnrollmentStatus(current.status).label}})
        was_enrolled = current.status == EnrollmentStatus.ENROLLED
        current.status, current.waitlist_position = EnrollmentStatus.CANCELLED, None
        current.save(update_fields=["status", "waitlist_position", "updated_at"])
        promoted = None
        if was_enrolled:
            promoted = (Enrollment.objects.select_for_update()
                        .filter(course=course, status=EnrollmentStatus.WAITLISTED)
                        .order_by("waitlist_position", "id").first())
            if promoted is not None:
                promoted.status, promoted.waitlist_position = EnrollmentStatus.ENROLLED, None
                promoted.save(update_fields=["status", "waitlist_position", "updated_at"])
            else:
                Course.objects.filter(pk=course.pk).update(enrolled_count=F("enrolled_count") - 1)
                bump("catalog")  # a seat freed (one taken by the next in line changes nothing shown)
        audit_record(actor=actor, action="enrollment.cancel", obj=current,
                     promoted=promoted.pk if promoted else None)
    return current


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
    attendance, created = Attendance.objects.get_or_create(
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
    session = CourseSession.objects.select_related("course__institution").filter(pk=payload.get("s")).first()
    if session is None:
        raise DomainError({"token": gettext("签到码对应的课次不存在")}, code="token_invalid")
    enrollment = Enrollment.objects.filter(course=session.course, learner=learner,
                                           status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED]).first()
    if enrollment is None:
        raise DomainError({"token": gettext("您没有报名「%(title)s」，不能签到") % {"title": session.course.title}}, code="not_enrolled")
    with transaction.atomic():
        return _attend(actor=actor, session=session, enrollment=enrollment, method=Attendance.Method.QR,
                       source=RecordSource.QR)


def attendance_mark(*, actor, session: CourseSession, enrollment_ids: list[int]) -> list[Attendance]:
    """Staff check in enrolled learners for a session; all or nothing."""
    _require_manage(actor, session.course.institution)
    enrollments = {e.pk: e for e in Enrollment.objects.select_related("learner").filter(
        course=session.course, pk__in=enrollment_ids,
        status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED])}
    missing = [i for i in enrollment_ids if i not in enrollments]
    if missing:
        raise DomainError({"enrollment_ids": gettext("这些报名不属于本课程或未在读：%(missing)s") % {"missing": missing}})
    with transaction.atomic():
        return [_attend(actor=actor, session=session, enrollment=enrollments[i], method=Attendance.Method.STAFF,
                        source=RecordSource.PAGE) for i in dict.fromkeys(enrollment_ids)]


def completion_mark(*, actor, course: Course, entries: list[tuple[int, object, object]],
                    source: str = RecordSource.PAGE) -> list[Enrollment]:
    """Mark learners completed with hours and an optional score: (enrollment id, hours, score|None). All or
    nothing; each completion becomes a learning record."""
    _require_manage(actor, course.institution)
    errors = {}
    parsed = []
    enrollments = {e.pk: e for e in Enrollment.objects.select_related("learner").filter(course=course,
                                                                                      pk__in=[e[0] for e in entries])}
    for enrollment_id, hours, score in entries:
        e = enrollments.get(enrollment_id)
        key = f"enrollment_{enrollment_id}"
        if e is None or e.status not in (EnrollmentStatus.ENROLLED,):
            errors[key] = (gettext("报名 %(enrollment_id)s 不在本课程的在读名单中，不能结业") % {"enrollment_id": enrollment_id} if e is None or
                           e.status != EnrollmentStatus.COMPLETED else gettext("%(name)s 已结业") % {"name": e.learner.name})
            continue
        try:
            h = _decimal(hours, "hours", strictly_positive=True, maximum=course.hours)
            s = None if score in (None, "") else _decimal(score, "score", minimum=Decimal("0"), maximum=Decimal("100"))
        except DomainError as exc:
            errors[key] = gettext("%(name)s：") % {"name": e.learner.name} + " ".join(m for ms in exc.errors.values() for m in ms)
            continue
        parsed.append((e, h, s))
    if errors:
        raise DomainError(errors)
    if not parsed:
        raise DomainError({"entries": gettext("没有要结业的学员")})
    last_session = course.sessions.order_by("-date").values_list("date", flat=True).first()
    today = timezone.localdate()
    with transaction.atomic():
        for e, h, s in parsed:
            Enrollment.objects.filter(pk=e.pk).update(status=EnrollmentStatus.COMPLETED, completed_hours=h, score=s)
            learning_record_create(
                actor=actor, learner=e.learner, provider=course.institution, kind=RecordKind.COMPLETION,
                title=course.title, hours=h, score=s, date=min(last_session or today, today), source=source,
                external_id=f"completion-{e.pk}", course=course, course_kind=course.kind)
            e.status, e.completed_hours, e.score = EnrollmentStatus.COMPLETED, h, s
        audit_record(actor=actor, action="completion.mark", obj=course, enrollments=[e.pk for e, _, _ in parsed])
    return [e for e, _, _ in parsed]


# --- learning records ---------------------------------------------------------------------------------

def learning_record_create(*, actor, learner: LearnerProfile, provider: Institution, kind: str, title: str, hours,
                           date: datetime.date, source: str, external_id: str, score=None, course_kind: str = "",
                           course: Course | None = None, session: CourseSession | None = None,
                           event: Event | None = None, resource: Resource | None = None) -> LearningRecord:
    """The one way a learning record is made (pages, API, QR check-in, imports). Re-sending the provider's
    same record id returns the existing record and creates nothing twice."""
    errors = {}
    if kind not in RecordKind.values:
        errors["kind"] = gettext("未知的学习记录类型「%(kind)s」") % {"kind": kind}
    if source not in RecordSource.values:
        errors["source"] = gettext("未知的来源「%(source)s」") % {"source": source}
    if course_kind and course_kind not in CourseKind.values:
        errors["course_kind"] = gettext("未知的课程类别「%(course_kind)s」") % {"course_kind": course_kind}
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 64:
        errors["external_id"] = gettext("记录编号不能为空，且不超过 64 个字符")
    if not isinstance(date, datetime.date):
        errors["date"] = gettext("「%(date)s」不是日期") % {"date": date}
    elif date > timezone.localdate():
        errors["date"] = gettext("学习日期 %(date)s 在未来") % {"date": date}
    elif date < learner.birth_date:
        errors["date"] = gettext("学习日期 %(date)s 早于学习者的出生日期") % {"date": date}
    try:
        hours = _decimal(hours, "hours", minimum=Decimal("0"), maximum=MAX_HOURS)
        score = None if score in (None, "") else _decimal(score, "score", minimum=Decimal("0"), maximum=Decimal("100"))
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    if errors:
        raise DomainError(errors)
    existing = LearningRecord.objects.filter(provider=provider, external_id=external_id).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = LearningRecord.objects.create(
                    learner=learner, provider=provider, kind=kind, course_kind=course_kind, course=course,
                    session=session, event=event, resource=resource, title=title[:200], hours=hours, score=score,
                    date=date, source=source, external_id=external_id,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
        except IntegrityError:  # the same record sent twice at once: the other request made it
            existing = LearningRecord.objects.filter(provider=provider, external_id=external_id).first()
            if existing is None:
                raise
            return existing
        audit_record(actor=actor, action="learning_record.create", obj=record, kind=kind, hours=str(hours))
        # The credit bank's input: the learner's account opens at the first record, and a record from a provider
        # accredited for a matching standard is recognised at once.
        from learncity.creditbank.services import record_recognise_auto

        record_recognise_auto(actor=actor, record=record)
    return record


def resource_view_complete(*, actor, resource: Resource, watched_seconds: int) -> LearningRecord:
    """Viewing a resource to the end (90% or more of its length) is recorded as learning, once per learner."""
    learner = _profile_of(actor)
    if not resource.published:
        raise NotFound(gettext("未找到该资源"))
    if not isinstance(watched_seconds, int) or watched_seconds < 0:
        raise DomainError({"watched_seconds": gettext("观看时长必须是非负整数（秒）")})
    if watched_seconds < resource.duration_minutes * 60 * 0.9:
        raise DomainError({"watched_seconds": gettext("尚未看完：已看 %(v)s 分钟，共 %(duration_minutes)s 分钟") % {"v": watched_seconds // 60, "duration_minutes": resource.duration_minutes}})
    return learning_record_create(
        actor=actor, learner=learner, provider=resource.provider, kind=RecordKind.RESOURCE, title=resource.title,
        hours=(Decimal(resource.duration_minutes) / 60).quantize(Decimal("0.1")), date=timezone.localdate(),
        source=RecordSource.PAGE, external_id=f"resource-{resource.pk}-{learner.pk}", resource=resource,
        course_kind=resource.course_kind)


# --- event sign-ups and check-in (issue 15, item 4) ----------------------------------------------------------

def _event_over(event: Event) -> bool:
    return event.ends_at <= timezone.now()


def event_register(*, actor, event: Event) -> EventRegistration:
    """The acting resident signs up for an event. Counted under the event's lock against its capacity (0: no
    limit); an event that has ended, or is full, takes nobody; one live sign-up a learner."""
    learner = _profile_of(actor)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if _event_over(locked):
            raise DomainError({"event": gettext("活动「%(title)s」已结束，不能报名") % {"title": locked.title}},
                              code="event_over")
        if EventRegistration.objects.filter(event=locked, learner=learner).exclude(
                status=EventRegistrationStatus.CANCELLED).exists():
            raise DomainError({"event": gettext("您已报名活动「%(title)s」") % {"title": locked.title}},
                              code="already_registered")
        if locked.capacity and locked.registered_count >= locked.capacity:
            raise DomainError({"event": gettext("活动「%(title)s」的 %(n)s 个名额已满") % {
                "title": locked.title, "n": locked.capacity}}, code="event_full")
        registration = EventRegistration.objects.create(event=locked, learner=learner,
                                                        status=EventRegistrationStatus.REGISTERED)
        Event.objects.filter(pk=locked.pk).update(registered_count=F("registered_count") + 1)
        bump("catalog")
        audit_record(actor=actor, action="event_registration.create", obj=registration, event=locked.pk)
    return registration


def event_registration_cancel(*, actor, registration: EventRegistration) -> EventRegistration:
    """The learner (or the organiser's staff) cancels a sign-up that has not been attended, before the event
    ends; the seat is free again."""
    is_owner = registration.learner.user_id is not None and registration.learner.user_id == getattr(actor, "pk", None)
    if not is_owner and not _can_manage(actor, registration.event.organiser):
        raise PermissionDenied()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        current = EventRegistration.objects.select_for_update().get(pk=registration.pk)
        if current.status != EventRegistrationStatus.REGISTERED:
            raise DomainError({"registration": gettext("%(status)s的活动报名不能取消") % {
                "status": EventRegistrationStatus(current.status).label}}, code="not_cancellable")
        if _event_over(event):
            raise DomainError({"registration": gettext("活动「%(title)s」已结束，报名不能再取消") % {
                "title": event.title}}, code="event_over")
        current.status = EventRegistrationStatus.CANCELLED
        current.save(update_fields=["status"])
        Event.objects.filter(pk=event.pk).update(registered_count=F("registered_count") - 1)
        bump("catalog")
        audit_record(actor=actor, action="event_registration.cancel", obj=current, event=event.pk)
    return current


def event_check_in(*, actor, event: Event, registration_ids: list[int]) -> list[EventRegistration]:
    """The organiser's staff check in residents who signed up, once the event has begun: each sign-up becomes
    attended and makes the learning record (kind event) through learning_record_create, as a course check-in
    does. All or nothing: a sign-up of another event, or cancelled, refuses the whole list. Checking in
    someone already attended changes nothing for them."""
    _require_manage(actor, event.organiser)
    if event.starts_at > timezone.now():
        raise DomainError({"event": gettext("活动「%(title)s」尚未开始，不能签到") % {"title": event.title}},
                          code="event_not_started")
    wanted = list(dict.fromkeys(registration_ids))
    if not wanted:
        raise DomainError({"registration_ids": gettext("没有要签到的报名")})
    found = {r.pk: r for r in EventRegistration.objects.select_related("learner").filter(
        event=event, pk__in=wanted).exclude(status=EventRegistrationStatus.CANCELLED)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise DomainError({"registration_ids": gettext("这些报名不属于本活动或已取消，不能签到：%(ids)s") % {
            "ids": ", ".join(str(i) for i in missing)}}, code="not_registered")
    now = timezone.now()
    day = min(timezone.localdate(), timezone.localtime(event.ends_at).date())
    with transaction.atomic():
        locked = {r.pk: r for r in EventRegistration.objects.select_for_update().filter(pk__in=wanted)}
        for pk in wanted:
            registration = locked[pk]
            if registration.status == EventRegistrationStatus.CANCELLED:  # cancelled since it was read
                raise DomainError({"registration_ids": gettext("这些报名不属于本活动或已取消，不能签到：%(ids)s")
                                   % {"ids": pk}}, code="not_registered")
            if registration.status == EventRegistrationStatus.ATTENDED:
                continue
            registration.status, registration.attended_at = EventRegistrationStatus.ATTENDED, now
            registration.recorded_by = actor
            registration.save(update_fields=["status", "attended_at", "recorded_by"])
            learning_record_create(
                actor=actor, learner=found[pk].learner, provider=event.organiser, kind=RecordKind.EVENT,
                title=event.title, hours=event.hours, date=day, source=RecordSource.PAGE,
                external_id=f"event-{event.pk}-{found[pk].learner_id}", event=event)
        audit_record(actor=actor, action="event.check_in", obj=event, registrations=wanted)
    return [locked[pk] for pk in wanted]
