from ninja import Router, Schema
from ninja.pagination import paginate

from learncity.core.api_patch import patch_apply
from learncity.core.errors import NotFound
from learncity.network import selectors, services

router = Router(tags=["network"])


class InstitutionOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    place_code: str
    place_name: str
    network_level: str | None
    parent_code: str | None
    address: str
    phone: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_place_code(obj):
        return obj.place.code

    @staticmethod
    def resolve_place_name(obj):
        return obj.place.name

    @staticmethod
    def resolve_network_level(obj):
        return obj.network_level.name if obj.network_level else None

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent else None


class InstitutionIn(Schema):
    code: str
    name: str
    kind: str
    place_code: str
    parent_code: str | None = None
    network_level_id: int | None = None
    address: str = ""
    phone: str = ""
    description: str = ""


class InstitutionPatch(Schema):
    """A field left out stays as it is; null is refused (422), but for `parent_code` (null: no parent)."""

    name: str = None
    kind: str = None
    address: str = None
    phone: str = None
    description: str = None
    is_active: bool = None
    parent_code: str | None = None
    place_code: str = None


class CommitteeOut(Schema):
    id: int
    name: str
    place_code: str
    office: str

    @staticmethod
    def resolve_place_code(obj):
        return obj.place.code


class MemberUnitOut(Schema):
    id: int
    name: str
    responsibility: str
    is_lead: bool


class MemberUnitPatch(Schema):
    responsibility: str


class DesignationOut(Schema):
    place_code: str
    place_name: str
    kind: str
    tier: str
    year: int

    @staticmethod
    def resolve_place_code(obj):
        return obj.place.code

    @staticmethod
    def resolve_place_name(obj):
        return obj.place.name


@router.get("/institutions", response=list[InstitutionOut])
@paginate
def institution_list(request, place: str | None = None, kind: str | None = None, q: str | None = None):
    return selectors.institution_list(actor=request.auth, place_code=place, kind=kind, q=q)


@router.post("/institutions", response={201: InstitutionOut})
def institution_create(request, payload: InstitutionIn):
    return services.institution_create(actor=request.auth, **payload.dict())


@router.get("/institutions/{code}", response=InstitutionOut)
def institution_get(request, code: str):
    return selectors.institution_get(actor=request.auth, code=code)


@router.patch("/institutions/{code}", response=InstitutionOut)
def institution_update(request, code: str, payload: InstitutionPatch):
    return patch_apply(request, payload, get=selectors.institution_get, update=services.institution_update,
                       target="institution", code=code)


@router.get("/designations", response=list[DesignationOut])
def designation_list(request):
    return list(selectors.designation_list(actor=request.auth))


@router.get("/committees", response=list[CommitteeOut])
def committee_list(request):
    return list(selectors.committee_list(actor=request.auth))


@router.get("/committees/{pk}/members", response=list[MemberUnitOut])
def member_unit_list(request, pk: int):
    committee = selectors.committee_get(actor=request.auth, pk=pk)
    return list(selectors.member_unit_list(actor=request.auth, committee=committee))


@router.patch("/member-units/{pk}", response=MemberUnitOut)
def member_unit_update(request, pk: int, payload: MemberUnitPatch):
    unit = selectors.member_unit_list(actor=request.auth).filter(pk=pk).first()
    if unit is None:
        raise NotFound()
    return services.member_unit_update(actor=request.auth, member_unit=unit, responsibility=payload.responsibility)
