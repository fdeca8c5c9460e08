import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from learncity.catalog import search as engine
from learncity.catalog import selectors, services
from learncity.catalog.inputs import (
    AttendanceInput,
    CompletionInput,
    CourseInput,
    CoursePatch,
    ResourceDoneInput,
    SessionInput,
)
from learncity.core.api_contract import MAX_OFFSET, ClockTime, WebUrl
from learncity.core.inputs import parse

router = Router(tags=["catalog"])


class SessionOut(Schema):
    id: int
    date: datetime.date
    start: ClockTime
    end: ClockTime
    venue: str | None
    room: str

    @staticmethod
    def resolve_venue(obj):
        return obj.venue.name if obj.venue_id else None


def _cycle(course) -> dict:
    """The course's life cycle (from its with_phase annotation when it has one), worked out once a response."""
    if not hasattr(course, "_life_cycle"):
        course._life_cycle = course.life_cycle()
    return course._life_cycle


class CourseOut(Schema):
    id: int
    code: str
    title: str
    institution_code: str = Field(..., alias="institution.code")
    institution_name: str = Field(..., alias="institution.name")
    kind: str
    mode: str
    hours: Decimal
    fee: Decimal
    capacity: int
    enrolled_count: int
    state: str
    featured: bool
    term: str
    target_groups: list[str]
    title_en: str
    tags: list[str]
    enrol_opens: datetime.date | None
    enrol_closes: datetime.date | None
    late_enrolment: bool
    phase: str  # open (报名中), starting (即将开始), running (进行中), ended (已结束)
    enrolment_open: bool  # whether it takes new learners today
    enrolment_state: str  # open, not_published, ended, not_yet, closed (window), mostly_past

    @staticmethod
    def resolve_tags(obj):
        return [t for t in obj.tags.split(",") if t]

    @staticmethod
    def resolve_phase(obj):
        return str(_cycle(obj)["phase"].value)

    @staticmethod
    def resolve_enrolment_open(obj):
        return _cycle(obj)["enrolment_open"]

    @staticmethod
    def resolve_enrolment_state(obj):
        return str(_cycle(obj)["enrolment_state"].value)

    @staticmethod
    def resolve_target_groups(obj):
        return [g.code for g in obj.target_groups.all()]


class CourseDetailOut(CourseOut):
    description: str
    sessions: list[SessionOut]
    outcome_standard_code: str

    @staticmethod
    def resolve_sessions(obj):
        return list(obj.sessions.all())


class StateIn(Schema):
    state: str


class SessionIn(Schema):
    date: datetime.date
    start: ClockTime
    end: ClockTime
    venue_id: int | None = None
    room: str = ""
    online_url: WebUrl = ""  # http(s) only: a javascript: link is refused


class EnrollmentOut(Schema):
    id: int
    course_id: int
    learner_name: str
    status: str
    waitlist_position: int | None
    completed_hours: Decimal | None
    score: Decimal | None

    @staticmethod
    def resolve_learner_name(obj):
        return obj.learner.name


class CheckinTokenOut(Schema):
    token: str
    checkin_url: str
    expires_in_seconds: int


class CheckInIn(Schema):
    token: str


class RecordOut(Schema):
    id: int
    kind: str
    title: str
    provider: str
    hours: Decimal
    score: Decimal | None
    date: datetime.date
    source: str

    @staticmethod
    def resolve_provider(obj):
        return obj.provider.name


class LearningOut(Schema):
    total_hours: Decimal
    record_count: int
    enrollments: list[EnrollmentOut]
    upcoming: list[SessionOut]
    records: list[RecordOut]


class SearchHit(Schema):
    type: str
    id: int
    title: str
    summary: str
    kind: str
    score: float


class SearchOut(Schema):
    total: int
    items: list[SearchHit]
    ended_total: int = 0  # courses that match but have ended, left out unless include_ended
    corrections: dict[str, list[str]] = {}  # a misspelt English word → the words searched instead


@router.get("/search", response=SearchOut)
def search(request, q: str = "", types: str | None = None, district: str | None = None, kind: str | None = None,
           mode: str | None = None, group: str | None = None, free: bool = False,
           date_from: datetime.date | None = None, date_to: datetime.date | None = None, near: str | None = None,
           include_ended: bool = False, limit: Annotated[int, Field(ge=1, le=100)] = 20,
           offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0):
    results = engine.search(q=q, types=types.split(",") if types else None, district_code=district, kind=kind,
                            mode=mode, group=group, free_only=free, date_from=date_from, date_to=date_to,
                            near_code=near, include_ended=include_ended, limit=limit, offset=offset)
    return SearchOut(total=results.total, ended_total=results.ended_total, corrections=results.corrections, items=[
        SearchHit(type=d.object_type, id=d.object_id, title=d.title, summary=d.summary, kind=d.kind, score=float(s))
        for d, s in results.items])


@router.get("/courses", response=list[CourseOut])
@paginate
def course_list(request, district: str | None = None):
    return selectors.course_list_public(district_code=district)


@router.get("/courses/managed", response=list[CourseOut])
@paginate
def course_list_managed(request, term: str | None = None):
    return selectors.course_list_managed(actor=request.auth, term=term, phase=True).prefetch_related("target_groups")


@router.post("/courses", response={201: CourseDetailOut})
def course_create(request, payload: CourseInput):
    return services.course_create(actor=request.auth, data=payload)


@router.get("/courses/{pk}", response=CourseDetailOut)
def course_get(request, pk: int):
    return selectors.course_get(actor=request.auth, pk=pk)


@router.patch("/courses/{pk}", response=CourseDetailOut)
def course_update(request, pk: int, payload: CoursePatch):
    course = selectors.course_managed_get(actor=request.auth, pk=pk)
    return services.course_update(actor=request.auth, course=course, data=payload)


@router.post("/courses/{pk}/state", response=CourseDetailOut)
def course_state(request, pk: int, payload: StateIn):
    course = selectors.course_managed_get(actor=request.auth, pk=pk)
    return services.course_set_state(actor=request.auth, course=course, state=payload.state)


@router.post("/courses/{pk}/sessions", response={201: SessionOut})
def session_add(request, pk: int, payload: SessionIn):
    course = selectors.course_managed_get(actor=request.auth, pk=pk)
    return services.session_add(actor=request.auth, course=course, data=parse(SessionInput, payload.dict()))


@router.get("/courses/{pk}/roster", response=list[EnrollmentOut])
def course_roster(request, pk: int):
    # Learners' names and ID numbers: for those who run the course, not for every reader of the institution.
    course = selectors.course_managed_get(actor=request.auth, pk=pk)
    return selectors.roster(course=course)


@router.post("/courses/{pk}/enrollments", response={201: EnrollmentOut})
def enroll(request, pk: int):
    course = selectors.course_get(actor=request.auth, pk=pk)
    return services.enrollment_create(actor=request.auth, course=course)


@router.delete("/enrollments/{pk}", response=EnrollmentOut)
def enrollment_cancel(request, pk: int):
    enrollment = selectors.enrollment_get(actor=request.auth, pk=pk)  # theirs, or of a course they manage
    return services.enrollment_cancel(actor=request.auth, enrollment=enrollment)


@router.post("/courses/{pk}/completions", response=list[EnrollmentOut])
def completions(request, pk: int, payload: CompletionInput):
    course = selectors.course_managed_get(actor=request.auth, pk=pk)
    done = services.completion_mark(actor=request.auth, course=course, entries=payload.entries, source="api")
    return selectors.enrollments_of(actor=request.auth, ids=[e.pk for e in done])


@router.get("/sessions/{pk}/token", response=CheckinTokenOut)
def session_token(request, pk: int):
    session = selectors.session_managed_get(actor=request.auth, pk=pk)
    token = services.session_qr_token(actor=request.auth, session=session)
    return CheckinTokenOut(token=token, checkin_url=request.build_absolute_uri(f"/learn/checkin/?t={token}"),
                    expires_in_seconds=int(services.QR_MAX_AGE.total_seconds()))


@router.post("/sessions/{pk}/attendance", response=list[EnrollmentOut])
def session_attendance(request, pk: int, payload: AttendanceInput):
    session = selectors.session_managed_get(actor=request.auth, pk=pk)
    services.attendance_mark(actor=request.auth, session=session, enrollment_ids=payload.enrollment_ids)
    return selectors.enrollments_of(actor=request.auth, ids=payload.enrollment_ids)


@router.post("/checkin", response=SessionOut)
def checkin(request, payload: CheckInIn):
    attendance = services.attendance_check_in_qr(actor=request.auth, token=payload.token)
    return selectors.session_public_get(pk=attendance.session_id)


@router.get("/me/learning", response=LearningOut)
def my_learning(request):
    return selectors.my_learning(actor=request.auth)


@router.post("/resources/{pk}/complete", response=RecordOut)
def resource_complete(request, pk: int, payload: ResourceDoneInput):
    resource = selectors.resource_get(pk=pk)
    return services.resource_view_complete(actor=request.auth, resource=resource,
                                           watched_seconds=payload.watched_seconds)
