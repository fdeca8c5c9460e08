"""The people pools over the API: teachers, textbooks, experts, volunteers and their service hours, under
/api/catalog/ as before they had their own app. The bodies are the pools' input schemas (inputs.py); each pool's
list, create and change are the same three routes (`_pool_routes`)."""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from learncity.core.scopes import Action
from learncity.pools import selectors, services
from learncity.pools.inputs import (
    ExpertInput,
    ExpertPatch,
    ServiceInput,
    TeacherInput,
    TeacherPatch,
    TextbookInput,
    TextbookPatch,
    VolunteerInput,
)
from learncity.records.models import RecordSource

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


class TextbookOut(Schema):
    id: int
    title: str
    authors: str
    publisher: str
    isbn: str
    topic: str


class ExpertOut(Schema):
    id: int
    name: str
    kind: str
    specialities: str
    organisation: str
    city_code: str = Field(..., alias="city.code")


class VolunteerOut(Schema):
    id: int
    learner_id: int
    name: str = Field(..., alias="learner.name")
    id_number: str = Field(..., alias="learner.id_number_masked")
    institution_code: str | None
    skills: str
    total_hours: Decimal
    service_count: int

    @staticmethod
    def resolve_institution_code(obj):
        return obj.institution.code if obj.institution_id else None


class ServiceOut(Schema):
    id: int
    volunteer_id: int
    date: datetime.date
    hours: Decimal
    activity: str
    institution_code: str = Field(..., alias="institution.code")
    learning_record_id: int = Field(..., alias="learning_record.pk")


class TeacherFilters(Schema):
    q: str | None = None
    kind: str | None = None
    institution: str | None = None


class TextbookFilters(Schema):
    q: str | None = None
    topic: str | None = None


class ExpertFilters(Schema):
    q: str | None = None
    kind: str | None = None


def _pool_routes(path: str, name: str, out, filters, create_in, patch_in):
    """GET `path` (the pool's list, filtered and paged), POST `path` (`services.<name>_create`) and PATCH
    `path/{pk}` (`services.<name>_update` of the entry the actor may change)."""
    listed, got = getattr(selectors, f"{name}_list"), getattr(selectors, f"{name}_get")
    create, update = getattr(services, f"{name}_create"), getattr(services, f"{name}_update")

    @router.get(path, response=list[out], operation_id=f"pools_{name}_list")
    @paginate
    def pool_list(request, params: Query[filters]):
        return listed(actor=request.auth, **params.dict())

    @router.post(path, response={201: out}, operation_id=f"pools_{name}_create")
    def pool_create(request, payload: create_in):
        return create(actor=request.auth, **payload.model_dump())

    @router.patch(f"{path}/{{pk}}", response=out, operation_id=f"pools_{name}_update")
    def pool_update(request, pk: int, payload: patch_in):
        entry = got(actor=request.auth, pk=pk, action=Action.CHANGE)
        return update(actor=request.auth, **{name: entry}, **payload.model_dump(exclude_unset=True))


_pool_routes("/teachers", "teacher", TeacherOut, TeacherFilters, TeacherInput, TeacherPatch)
_pool_routes("/textbooks", "textbook", TextbookOut, TextbookFilters, TextbookInput, TextbookPatch)
_pool_routes("/experts", "expert", ExpertOut, ExpertFilters, ExpertInput, ExpertPatch)


@router.get("/volunteers", response=list[VolunteerOut])
@paginate
def volunteer_list(request, q: str | None = None, institution: str | None = None):
    return selectors.volunteer_list(actor=request.auth, q=q, institution=institution)


@router.post("/volunteers", response={201: VolunteerOut})
def volunteer_register(request, payload: VolunteerInput):
    volunteer = services.volunteer_register(actor=request.auth, **payload.model_dump())
    return selectors.volunteer_get(actor=request.auth, pk=volunteer.pk, action=Action.CHANGE)


@router.post("/volunteers/{pk}/services", response={201: ServiceOut})
def volunteer_service_record(request, pk: int, payload: ServiceInput):
    volunteer = selectors.volunteer_get(actor=request.auth, pk=pk, action=Action.CHANGE)
    return services.volunteer_service_record(actor=request.auth, volunteer=volunteer, source=RecordSource.API,
                                             **payload.model_dump())
