"""Reads of places, always scoped to the acting user."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Action, scope_for
from learncity.places.divisions import MUNICIPALITIES
from learncity.places.models import Place, PlaceLevel, Population


def place_referenced(code, *, field: str = "place_code", what: str | None = None) -> Place:
    """The place a request refers to by code (before any scope check): a bad code is an input error on `field`,
    naming what the code was for (`what`, translated; "区划代码" by default)."""
    what = gettext("区划代码") if what is None else what
    code = str(code or "").strip()
    place = public_places().filter(code=code).first()
    if place is None:
        raise DomainError({field: gettext("未知的%(what)s「%(code)s」(unknown place code)") % {"what": what, "code": code}}, code="unknown_place")
    return place


def public_places() -> QuerySet[Place]:
    """Places by their public names and codes (what anyone may look up: the catalog's filters, a code typed in)."""
    return Place.objects.restrict(None, Action.BROWSE)


def place_list(*, actor, action: Action = Action.VIEW, parent_code: str | None = None, level: int | None = None,
               q: str | None = None) -> QuerySet[Place]:
    qs = Place.objects.restrict(actor, action)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def place_get(*, actor, code: str, action: Action = Action.VIEW) -> Place:
    place = place_list(actor=actor, action=action).filter(code=code).select_related("parent").first()
    if place is None:
        raise NotFound(gettext("未找到区划「%(code)s」，或您无权查看 (not found)") % {"code": code})
    return place


def place_ancestors(place: Place) -> list[Place]:
    codes = [c for c in place.path.strip("/").split("/")][:-1]
    by_code = {p.code: p for p in public_places().filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def place_children(*, actor, place: Place) -> list[Place]:
    """The children of a place the actor sees, each annotated with its own count of children."""
    children = list(place_list(actor=actor).filter(parent=place))
    if not children:
        return []
    kids = dict(public_places().filter(parent__in=children).values_list("parent_id").annotate(n=Count("id")))
    for c in children:
        c.child_count = kids.get(c.id, 0)
    return children


def population_list(*, actor, place: Place, action: Action = Action.BROWSE) -> QuerySet[Population]:
    """A place's population figures, latest year first, with their bands."""
    return Population.objects.restrict(actor, action).filter(place=place).prefetch_related("bands").order_by("-year")


def population_latest(*, actor, place: Place, action: Action = Action.BROWSE) -> Population | None:
    return population_list(actor=actor, place=place, action=action).first()


def population_children_sum(*, actor, place: Place, year: int) -> int | None:
    rows = (Population.objects.restrict(actor, Action.BROWSE).filter(place__parent=place, year=year)
            .values_list("total", flat=True))
    return sum(rows) if rows else None


def city_resolve(name_or_code: str) -> Place:
    """A city by code (350100), full name (福州市) or short name (福州). Municipalities are cities too."""
    key = str(name_or_code).strip()
    qs = public_places().filter(Q(level=PlaceLevel.CITY) | Q(code__in=MUNICIPALITIES))
    found = (
        qs.filter(code=key).first()
        or qs.filter(name=key).first()
        or qs.filter(name__startswith=key).order_by("code").first()
    )
    if found is None:
        raise NotFound(gettext("未知的城市「%(key)s」：请给出城市名称（如 福州市）或六位区划代码（如 350100）") % {"key": key})
    return found


def is_city(place: Place) -> bool:
    return place.level == PlaceLevel.CITY or place.code in MUNICIPALITIES


def city_of(place: Place) -> Place | None:
    """The city a place lies in (itself, if it is one); a province-level municipality counts as a city. One query."""
    codes = place.path.strip("/").split("/")
    return (public_places().filter(Q(level=PlaceLevel.CITY) | Q(code__in=MUNICIPALITIES), code__in=codes)
            .order_by("level").first())


def home_places(*, actor) -> list[Place]:
    """The top places a user administers or watches: the roots of their scope, to start browsing from."""
    scope = scope_for(actor)
    visible = Place.objects.restrict(scope, Action.VIEW)
    if scope.everything:
        # The cities that run learncity: those with a promotion committee.
        return list(visible.filter(Q(level=PlaceLevel.CITY) | Q(code__in=MUNICIPALITIES),
                                   committee__isnull=False).order_by("code"))
    roots = sorted(set(scope.view.place_paths), key=len)
    top = [p for p in roots if not any(p != r and p.startswith(r) for r in roots)]
    places = list(visible.filter(path__in=top))
    if scope.view.place_ids:
        places += list(visible.filter(pk__in=scope.view.place_ids))
    return places


def district_path_of(place: Place) -> str | None:
    """The path of the district/county a place is in (itself if it is one); None above district level."""
    parts = [c for c in place.path.strip("/").split("/")]
    for i, code in enumerate(parts):
        if len(code) == 6 and not code.endswith("00"):
            return "/" + "/".join(parts[: i + 1]) + "/"
    return None


# --- the home page (issue 15, item 1) -------------------------------------------------------------------------

def home_area(place: Place) -> dict:
    """The street (town) and the district a place lies in, from its path (the parent chain): what "near" means
    on a resident's home page. Either is None above its level. One query, none for a place above a district."""
    codes = place.path.strip("/").split("/")
    district_path = district_path_of(place)
    street_path = None
    if district_path is not None:
        depth = district_path.strip("/").count("/") + 1  # the district's position in the path
        if len(codes) > depth:
            street_path = "/" + "/".join(codes[: depth + 1]) + "/"
    wanted = [p for p in (street_path, district_path) if p]
    found = {p.path: p for p in public_places().filter(path__in=wanted)} if wanted else {}
    return {"street": found.get(street_path), "district": found.get(district_path),
            "street_path": street_path if street_path in found else None,
            "district_path": district_path if district_path in found else None}
