"""Reads of the learning network, always scoped to the acting user."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.network.models import (
    Committee,
    Designation,
    Institution,
    InstitutionKind,
    MemberUnit,
    NetworkLevel,
)
from learncity.places.models import Place
from learncity.places.selectors import place_children


def institution_list(*, actor, action: Action = Action.VIEW, place_code: str | None = None, kind: str | None = None,
                     q: str | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.restrict(actor, action)
    if place_code:
        place = Place.objects.restrict(actor, Action.BROWSE).filter(code=place_code).only("path").first()
        qs = qs.filter(place__path__startswith=place.path) if place else qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.select_related("place", "network_level", "parent").order_by("code")


def institution_get(*, actor, code: str, action: Action = Action.VIEW) -> Institution:
    inst = institution_list(actor=actor, action=action).filter(code=code).first()
    if inst is None:
        raise NotFound(gettext("未找到机构「%(code)s」，或您无权查看 (not found)") % {"code": code})
    return inst


def institution_children(*, actor, institution: Institution) -> QuerySet[Institution]:
    return institution_list(actor=actor).filter(parent=institution)


def network_levels(*, actor, city: Place) -> QuerySet[NetworkLevel]:
    return (NetworkLevel.objects.restrict(actor, Action.VIEW).filter(city=city).annotate(n=Count("institutions"))
            .order_by("rank"))


def network_levels_above(*, actor, place: Place | None) -> QuerySet[NetworkLevel]:
    """The network levels of the city a place lies in (those of every city on its path), top first."""
    if place is None:
        return NetworkLevel.objects.restrict(actor, Action.VIEW).none()
    codes = place.path.strip("/").split("/")
    return NetworkLevel.objects.restrict(actor, Action.VIEW).filter(city__code__in=codes).order_by("rank")


def institution_counts_by_kind(*, actor, place: Place) -> list[tuple[str, str, int]]:
    rows = (institution_list(actor=actor).filter(place__path__startswith=place.path)
            .values_list("kind").annotate(n=Count("id")).order_by("-n"))
    return [(k, InstitutionKind(k).label, n) for k, n in rows]


def designation_list(*, actor, place: Place | None = None) -> QuerySet[Designation]:
    qs = Designation.objects.restrict(actor, Action.VIEW).select_related("place")
    if place is not None:
        qs = qs.filter(place__path__startswith=place.path)
    return qs


def committee_list(*, actor) -> QuerySet[Committee]:
    return Committee.objects.restrict(actor, Action.VIEW).distinct().select_related("place")


def committee_get(*, actor, pk: int) -> Committee:
    c = committee_list(actor=actor).filter(pk=pk).first()
    if c is None:
        raise NotFound(gettext("未找到终身教育促进委员会，或您无权查看"))
    return c


def member_unit_list(*, actor, committee: Committee | None = None,
                     action: Action = Action.VIEW) -> QuerySet[MemberUnit]:
    qs = MemberUnit.objects.restrict(actor, action).select_related("committee__place")
    if committee is not None:
        qs = qs.filter(committee=committee)
    return qs


def institutions_counted_by_child(*, actor, place: Place, children: list[Place]) -> list[Place]:
    """`children` (a place's), each annotated with the count of institutions the actor sees in its subtree."""
    if not children:
        return children
    inst = Institution.objects.restrict(actor, Action.VIEW).filter(place__path__startswith=place.path)
    counts: dict[str, int] = {}
    for path, n in inst.values_list("place__path").annotate(n=Count("id")):
        parts = path[len(place.path):].split("/")
        if parts and parts[0]:
            counts[parts[0]] = counts.get(parts[0], 0) + n
    for c in children:
        c.institution_count = counts.get(c.code, 0)
    return children


def place_children_with_counts(*, actor, place: Place) -> list[Place]:
    """The visible children of a place, each annotated with its institution count (the whole subtree) and its own
    count of children."""
    return institutions_counted_by_child(actor=actor, place=place,
                                         children=place_children(actor=actor, place=place))
