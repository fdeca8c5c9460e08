"""Courses and their sessions: created, changed, published and closed by their institution's staff."""


import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog import search
from learncity.catalog.models import (
    Course,
    CourseKind,
    CourseSession,
    CourseState,
    Enrollment,
    EnrollmentStatus,
    Mode,
    Venue,
)
from learncity.catalog.selectors import ANYONE
from learncity.catalog.services.common import MAX_HOURS, _decimal, _require_manage
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people.models import LearnerGroup
from learncity.pools.models import Teacher, Textbook

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
    institution = Institution.objects.restrict(ANYONE, Action.BROWSE).select_related("place").filter(
        code=institution_code).first()
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
        venue = Venue.objects.restrict(ANYONE, Action.BROWSE).filter(pk=venue_id).first()
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
    def index() -> None:  # the search pages show the index: cached ones are dropped again once it is written
        search.index_documents([course])
        bump("catalog")

    transaction.on_commit(index)
