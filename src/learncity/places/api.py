from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from learncity.core import uploads
from learncity.core.scopes import Action
from learncity.places import selectors, services

router = Router(tags=["places"])


class PlaceOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None
    source: str

    @staticmethod
    def resolve_parent_code(obj):
        return obj.path.strip("/").split("/")[-2] if obj.parent_id else None


class BandOut(Schema):
    sex: str
    age_band: str
    count: int


class PopulationOut(Schema):
    year: int
    total: int
    bands: list[BandOut]

    @staticmethod
    def resolve_bands(obj):
        return list(obj.bands.all())


class PopulationIn(Schema):
    year: int
    total: int
    bands: list[BandOut] = []


class CommunityIn(Schema):
    parent_code: str
    code: str
    name: str


class ImportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    encoding: str | None
    format: str


@router.get("/", response=list[PlaceOut])
@paginate
def place_list(request, parent: str | None = None, level: int | None = None, q: str | None = None):
    return selectors.place_list(actor=request.auth, parent_code=parent, level=level, q=q)


# Fixed paths come before "/{code}": Django resolves URL patterns in order, and "/{code}" would
# otherwise take "/communities" (a POST there answered 405).
@router.post("/population/import", response=ImportOut)
def population_import(request, file: File[UploadedFile]):
    return services.population_import(actor=request.auth, data=uploads.upload_read(file), filename=file.name)


@router.post("/communities", response={201: PlaceOut})
def community_create(request, payload: CommunityIn):
    return services.community_create(actor=request.auth, **payload.dict())


@router.post("/communities/import", response=ImportOut)
def communities_import(request, file: File[UploadedFile]):
    return services.communities_import(actor=request.auth, data=uploads.upload_read(file), filename=file.name)


@router.get("/{code}", response=PlaceOut)
def place_get(request, code: str):
    return selectors.place_get(actor=request.auth, code=code)


@router.get("/{code}/population", response=list[PopulationOut])
def population_list(request, code: str):
    place = selectors.place_get(actor=request.auth, code=code)
    return list(selectors.population_list(actor=request.auth, place=place))


@router.put("/{code}/population", response=PopulationOut)
def population_put(request, code: str, payload: PopulationIn):
    selectors.place_get(actor=request.auth, code=code, action=Action.CHANGE)
    return services.population_set(actor=request.auth, place_code=code, year=payload.year, total=payload.total,
                                   bands=[b.dict() for b in payload.bands])
