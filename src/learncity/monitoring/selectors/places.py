"""Which places the actor monitors: their top place (`_home`), the places they may ask for, the place picker."""


from django.db.models import Q
from django.utils.translation import gettext

from learncity.core.errors import NotFound, PermissionDenied
from learncity.core.scopes import ANONYMOUS, Action, Capability, scope_for
from learncity.monitoring.selectors.shapes import PlaceRef
from learncity.places.models import Place, PlaceLevel
from learncity.places.selectors import MUNICIPALITIES

# --- scope ----------------------------------------------------------------------------------------------

def _cities_running() -> list[Place]:
    return list(Place.objects.restrict(ANONYMOUS, Action.BROWSE).filter(Q(level=PlaceLevel.CITY) | Q(code__in=MUNICIPALITIES),
                                     committee__isnull=False).order_by("code"))


def _home(actor) -> Place:
    """The actor's top monitoring place, read once per actor object (a request's user)."""
    home = getattr(actor, "_monitoring_home", None)
    if home is None:
        home = _home_read(actor)
        actor._monitoring_home = home
    return home


def _home_read(actor) -> Place:
    scope = scope_for(actor)
    if scope.everything:
        cities = _cities_running()
        if not cities:
            raise NotFound(gettext("还没有开展监测的城市"))
        return cities[0]
    if not scope.may(Capability.MONITOR) or not scope.view.place_paths:
        raise PermissionDenied(gettext("只有市、区县管理员和监测相关人员可以查看监测数据"))
    top = sorted(scope.view.place_paths, key=len)[0]
    return Place.objects.restrict(scope, Action.VIEW).get(path=top)


def _place_for(actor, place_id: int | None) -> Place:
    home = _home(actor)
    if place_id is None or place_id == home.pk:
        return home
    seen = actor.__dict__.setdefault("_monitoring_seen", {})  # places read already in this request
    place = seen.get(place_id) or Place.objects.restrict(actor, Action.VIEW).filter(pk=place_id).first()
    if place is not None:
        seen[place_id] = place
    if place is None:
        raise NotFound(gettext("未找到该区划"))
    return place


def _ancestors(actor, place: Place, top: Place, action: Action = Action.VIEW) -> list[PlaceRef]:
    """From `top` down to the place's parent (empty when the place is the top)."""
    codes = place.path.strip("/").split("/")[:-1]
    found = Place.objects.restrict(actor, action).filter(code__in=codes, path__startswith=top.path).order_by("level")
    return [PlaceRef.of(p) for p in found]


def monitoring_home_place(*, actor) -> PlaceRef:
    return PlaceRef.of(_home(actor))


def monitoring_places(*, actor, parent_id: int | None = None, also: int | None = None) -> list[PlaceRef]:
    """The places to choose from: the actor's top place and its children (or the children of `parent_id`).
    `also`: a place the page will ask for next, read in the same query (whether the actor may see it is decided
    when it is asked for)."""
    if parent_id is None and getattr(actor, "_monitoring_home", None) is None:
        scope = scope_for(actor)
        if not scope.everything and scope.may(Capability.MONITOR) and scope.view.place_paths:
            # the top place and its children in one query (and the top remembered for the rest of the request)
            top = sorted(scope.view.place_paths, key=len)[0]
            # (a UNION of indexed look-ups: an OR across a join, or with a subquery, walked all 38,723 places on
            # SQLite or PostgreSQL, 7 ms a page)
            places = Place.objects.restrict(scope, Action.VIEW).order_by()
            parts = [places.filter(parent__path=top)]
            if also is not None:
                parts.append(places.filter(pk=also))
            found = list(places.filter(path=top).union(*parts).order_by("level", "code"))
            home = next((p for p in found if p.path == top), None)
            if home is not None:
                actor._monitoring_home = home
                actor.__dict__.setdefault("_monitoring_seen", {}).update({p.pk: p for p in found})
                return [PlaceRef.of(p) for p in found if p is home or p.parent_id == home.pk]
    parent = _place_for(actor, parent_id)
    return [PlaceRef.of(parent)] + [PlaceRef.of(p) for p in _children(actor, parent)]


def _children(actor, place: Place, action: Action = Action.VIEW) -> list[Place]:
    return list(Place.objects.restrict(actor, action).filter(parent=place).order_by("code"))


def monitoring_place(*, actor, place_id: int | None = None) -> PlaceRef:
    """The place the actor asked for (their top place when none), if they may see it: NotFound otherwise."""
    return PlaceRef.of(_place_for(actor, place_id))
