"""The people pools over the API: teachers, textbooks, experts, volunteers and their service hours. Parse, call
pool_selectors / pools, schema out."""

import datetime
from decimal import Decimal

from ninja import Router, Schema
from ninja.pagination import paginate

from learncity.catalog import pool_selectors as selectors
from learncity.catalog import pools
from learncity.catalog.models import RecordSource
from learncity.core.scopes import Action

router = Router(tags=["pools"])


class TeacherOut(Schema):
    id: int
    name: str
    kind: str
    specialities: str
    institution_codes: list[str]

    @staticmethod
    def resolve_institution_codes(obj):
        return [i.code for i in obj.institutions.all()]


class TeacherIn(Schema):
    name: str
    kind: str
    institution_codes: list[str]
    specialities: str = ""


class TeacherPatch(Schema):
    """A field left out stays as it is; null is refused (422)."""

    name: str = None
    kind: str = None
    specialities: str = None
    institution_codes: list[str] = None


class TextbookOut(Schema):
    id: int
    title: str
    authors: str
    publisher: str
    isbn: str
    topic: str


class TextbookIn(Schema):
    title: str
    authors: str = ""
    publisher: str = ""
    isbn: str = ""
    topic: str = ""


class TextbookPatch(Schema):
    """A field left out stays as it is; null is refused (422)."""

    title: str = None
    authors: str = None
    publisher: str = None
    isbn: str = None
    topic: str = None


class ExpertOut(Schema):
    id: int
    name: str
    kind: str
    specialities: str
    organisation: str
    city_code: str

    @staticmethod
    def resolve_city_code(obj):
        return obj.city.code


class ExpertIn(Schema):
    name: str
    kind: str
    specialities: str = ""
    organisation: str = ""
    city_code: str | None = None


class ExpertPatch(Schema):
    """A field left out stays as it is; null is refused (422)."""

    name: str = None
    kind: str = None
    specialities: str = None
    organisation: str = None


class VolunteerOut(Schema):
    id: int
    learner_id: int
    name: str
    id_number: str  # masked
    institution_code: str | None
    skills: str
    total_hours: Decimal
    service_count: int

    @staticmethod
    def resolve_name(obj):
        return obj.learner.name

    @staticmethod
    def resolve_id_number(obj):
        return obj.learner.id_number_masked

    @staticmethod
    def resolve_institution_code(obj):
        return obj.institution.code if obj.institution_id else None


class VolunteerIn(Schema):
    institution_code: str
    id_number: str | None = None
    learner_id: int | None = None
    skills: str = ""


class ServiceIn(Schema):
    date: datetime.date
    hours: Decimal
    activity: str
    institution_code: str | None = None


class ServiceOut(Schema):
    id: int
    volunteer_id: int
    date: datetime.date
    hours: Decimal
    activity: str
    institution_code: str
    learning_record_id: int

    @staticmethod
    def resolve_institution_code(obj):
        return obj.institution.code

    @staticmethod
    def resolve_learning_record_id(obj):
        return obj.learning_record.pk


@router.get("/teachers", response=list[TeacherOut])
@paginate
def teacher_list(request, q: str | None = None, kind: str | None = None, institution: str | None = None):
    return selectors.teacher_list(actor=request.auth, q=q, kind=kind, institution=institution)


@router.post("/teachers", response={201: TeacherOut})
def teacher_create(request, payload: TeacherIn):
    return pools.teacher_create(actor=request.auth, **payload.dict())


@router.patch("/teachers/{pk}", response=TeacherOut)
def teacher_update(request, pk: int, payload: TeacherPatch):
    teacher = selectors.teacher_get(actor=request.auth, pk=pk, action=Action.CHANGE)
    return pools.teacher_update(actor=request.auth, teacher=teacher, **payload.dict(exclude_unset=True))


@router.get("/textbooks", response=list[TextbookOut])
@paginate
def textbook_list(request, q: str | None = None, topic: str | None = None):
    return selectors.textbook_list(actor=request.auth, q=q, topic=topic)


@router.post("/textbooks", response={201: TextbookOut})
def textbook_create(request, payload: TextbookIn):
    return pools.textbook_create(actor=request.auth, **payload.dict())


@router.patch("/textbooks/{pk}", response=TextbookOut)
def textbook_update(request, pk: int, payload: TextbookPatch):
    textbook = selectors.textbook_get(actor=request.auth, pk=pk, action=Action.CHANGE)
    return pools.textbook_update(actor=request.auth, textbook=textbook, **payload.dict(exclude_unset=True))


@router.get("/experts", response=list[ExpertOut])
@paginate
def expert_list(request, q: str | None = None, kind: str | None = None):
    return selectors.expert_list(actor=request.auth, q=q, kind=kind)


@router.post("/experts", response={201: ExpertOut})
def expert_create(request, payload: ExpertIn):
    return pools.expert_create(actor=request.auth, **payload.dict())


@router.patch("/experts/{pk}", response=ExpertOut)
def expert_update(request, pk: int, payload: ExpertPatch):
    expert = selectors.expert_get(actor=request.auth, pk=pk, action=Action.CHANGE)
    return pools.expert_update(actor=request.auth, expert=expert, **payload.dict(exclude_unset=True))


@router.get("/volunteers", response=list[VolunteerOut])
@paginate
def volunteer_list(request, q: str | None = None, institution: str | None = None):
    return selectors.volunteer_list(actor=request.auth, q=q, institution=institution)


@router.post("/volunteers", response={201: VolunteerOut})
def volunteer_register(request, payload: VolunteerIn):
    volunteer = pools.volunteer_register(actor=request.auth, **payload.dict())
    return selectors.volunteer_get(actor=request.auth, pk=volunteer.pk, action=Action.CHANGE)


@router.post("/volunteers/{pk}/services", response={201: ServiceOut})
def volunteer_service_record(request, pk: int, payload: ServiceIn):
    volunteer = selectors.volunteer_get(actor=request.auth, pk=pk, action=Action.CHANGE)
    return pools.volunteer_service_record(actor=request.auth, volunteer=volunteer, date=payload.date,
                                          hours=payload.hours, activity=payload.activity,
                                          institution=payload.institution_code or None, source=RecordSource.API)
