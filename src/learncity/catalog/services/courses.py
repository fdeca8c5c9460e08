"""Courses and their sessions: created, changed, published and closed by their institution's staff."""


import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog import search
from learncity.catalog.inputs import MAX_CAPACITY, CourseEdit, CourseInput, CoursePatch, SessionInput
from learncity.catalog.models import (
    Course,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Mode,
    Venue,
)
from learncity.catalog.selectors import ANYONE
from learncity.catalog.services.common import _require_manage
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError
from learncity.core.inputs import parse
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people.models import LearnerGroup
from learncity.pools.models import Teacher, Textbook

# --- courses and sessions -----------------------------------------------------------------------------

__all__ = ["COURSE_FIELDS", "MAX_CAPACITY", "course_create", "course_set_state", "course_update", "session_add"]
COURSE_FIELDS = ("title", "description", "kind", "mode", "level", "hours", "fee", "capacity", "term", "featured",
                 "outcome_standard_code", "title_en", "tags", "enrol_opens", "enrol_closes", "late_enrolment")


def _check_window(opens: datetime.date | None, closes: datetime.date | None) -> None:
    """An enrolment window closes on or after it opens."""
    if opens and closes and closes < opens:
        raise DomainError({"enrol_closes": gettext("报名截止日期 %(closes)s 早于报名开始日期 %(opens)s") % {
            "closes": closes.isoformat(), "opens": opens.isoformat()}})


def _chosen(reachable, ids: list[int], field: str) -> list:
    """The pool's rows a course names by id: only those the actor reaches (a teacher of one's own institutions, a
    book of the library), every other id refused on its field, so nothing unknown is dropped in silence."""
    found = list(reachable.filter(pk__in=ids))
    missing = sorted(set(ids) - {row.pk for row in found})
    if missing:
        raise DomainError({field: gettext("没有这些编号：%(ids)s") % {"ids": ", ".join(map(str, missing))}})
    return found


def course_create(*, actor, data: CourseInput | None = None, **fields) -> Course:
    """A new course of the institution `data.institution_code`, which the actor runs. `data` is the parsed input
    (the page and the API parse it at the door); keyword fields instead are read by the same schema."""
    data = parse(CourseInput, data if data is not None else fields)
    institution = Institution.objects.restrict(ANYONE, Action.BROWSE).select_related("place").filter(
        code=data.institution_code).first()
    if institution is None:
        raise DomainError({"institution_code": gettext("未知的机构代码「%(institution_code)s」") % {
            "institution_code": data.institution_code}})
    _require_manage(actor, institution)
    _check_window(data.enrol_opens, data.enrol_closes)
    wanted = set(data.target_groups)
    groups = list(LearnerGroup.objects.restrict(actor, Action.VIEW)
                  .filter(code__in=wanted))
    if len(groups) != len(wanted):
        raise DomainError({"target_groups": gettext("未知的群体：") + gettext("、").join(
            sorted(wanted - {g.code for g in groups}))})
    teachers = _chosen(Teacher.objects.restrict(actor, Action.VIEW), data.teacher_ids, "teacher_ids")
    textbooks = _chosen(Textbook.objects.restrict(actor, Action.VIEW), data.textbook_ids, "textbook_ids")
    values = data.model_dump(include=set(COURSE_FIELDS))
    try:
        with transaction.atomic():
            course = Course.objects.create(institution=institution, code=data.code, **values)
            course.target_groups.set(groups)
            course.teachers.set(teachers)
            course.textbooks.set(textbooks)
            audit_record(actor=actor, action="course.create", obj=course, code=data.code)
            bump("catalog")
    except IntegrityError:
        raise DomainError({"code": gettext("课程代码「%(code)s」已存在") % {"code": data.code}}) from None
    _reindex(course)
    return course


def course_update(*, actor, course: Course, data: CoursePatch | None = None, **changes) -> Course:
    """The fields set in `data` (the parsed PATCH), or the keyword fields read by the same schema, changed."""
    _require_manage(actor, course.institution)
    if data is None:
        unknown = set(changes) - set(COURSE_FIELDS)
        if unknown:
            raise DomainError({f: gettext("不能修改此字段") for f in unknown})
        data = parse(CourseEdit, changes)
    changes = {f: getattr(data, f) for f in data.model_fields_set}
    with transaction.atomic():
        locked = Course.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=course.pk)
        _check_window(changes.get("enrol_opens", locked.enrol_opens), changes.get("enrol_closes", locked.enrol_closes))
        if changes.get("capacity", locked.capacity) < locked.enrolled_count:
            raise DomainError({"capacity": gettext("已有 %(enrolled_count)s 人报名，名额不能少于报名人数") % {"enrolled_count": locked.enrolled_count}})
        for f, v in changes.items():
            setattr(locked, f, v)
        locked.save()
        # Seats added to a course with a waiting list go to those waiting, in order, before any newcomer.
        promoted = list(Enrollment.objects.unscoped("the locked course's waiting list, after the manager's check").select_for_update().filter(course=locked, status=EnrollmentStatus.WAITLISTED)
                        .order_by("waitlist_position", "id")[:max(locked.capacity - locked.enrolled_count, 0)])
        if promoted:
            Enrollment.objects.unscoped("the enrolments promoted just above").filter(pk__in=[e.pk for e in promoted]).update(
                status=EnrollmentStatus.ENROLLED, waitlist_position=None, updated_at=timezone.now())
            Course.objects.unscoped("the row locked again after the caller's check").filter(pk=locked.pk).update(enrolled_count=F("enrolled_count") + len(promoted))
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
        locked = Course.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=course.pk)
        if state not in allowed.get(locked.state, set()):
            raise DomainError({"state": gettext("课程不能从「%(label)s」改为「%(state)s」") % {"label": CourseState(locked.state).label, "state": state}})
        if state == CourseState.PUBLISHED and not locked.sessions.exists() and locked.mode != Mode.ONLINE:
            raise DomainError({"state": gettext("线下课程发布前至少要安排一次课")})
        if state == CourseState.DRAFT and locked.enrolled_count:
            raise DomainError({"state": gettext("已有学员报名的课程不能退回草稿")})
        Course.objects.unscoped("the row locked again after the caller's check").filter(pk=course.pk).update(state=state)
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


def session_add(*, actor, course: Course, data: SessionInput | None = None, **fields) -> CourseSession:
    """A session of the course at a venue (or online); `data` the parsed input, or keyword fields read by the
    same schema."""
    _require_manage(actor, course.institution)
    data = parse(SessionInput, data if data is not None else fields)
    date, start, end, venue_id = data.date, data.start, data.end, data.venue_id
    online_url = data.online_url
    if online_url and not _is_web_url(online_url):
        raise DomainError({"online_url": gettext("「%(v)s」不是 http:// 或 https:// 开头的网址（不超过 200 个字符）") % {"v": online_url[:200]}})
    if end <= start:
        raise DomainError({"end": gettext("结束时间 %(end)s 必须晚于开始时间 %(start)s") % {"end": format(end, "%H:%M"), "start": format(start, "%H:%M")}})
    venue = None
    if venue_id:
        venue = Venue.objects.restrict(ANYONE, Action.BROWSE).filter(pk=venue_id).first()
        if venue is None:
            raise DomainError({"venue_id": gettext("未知的场地「%(venue_id)s」") % {"venue_id": venue_id}})
    elif course.mode == Mode.OFFLINE:
        raise DomainError({"venue_id": gettext("线下课程的每次课都要有上课地点")})
    room = data.room
    with transaction.atomic():
        if venue is not None:
            # Lock the venue: two sessions cannot be squeezed into one room at once by racing requests.
            Venue.objects.unscoped("the venue locked so that two sessions cannot take one room at once").select_for_update().filter(pk=venue.pk).first()
            clash = (CourseSession.objects.unscoped("a room clashes with every course's sessions, whoever runs them").filter(venue=venue, room=room, date=date, start__lt=end, end__gt=start)
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
    def index() -> None:  # the search pages show the index: cached ones are dropped again once it is written
        search.index_documents([course])
        bump("catalog")

    transaction.on_commit(index)
