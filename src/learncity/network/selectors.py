"""Reads of the learning network, always scoped to the acting user."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action, scope_for
from learncity.network.models import Committee, Designation, Institution, MemberUnit, NetworkLevel
from learncity.places.models import Place


def institution_list(*, actor, action: Action = Action.VIEW, place_code: str | None = None, kind: str | None = None,
                     q: str | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.filter(scope_for(actor).institutions_q(action))
    if place_code:
        place = Place.objects.filter(code=place_code).only("path").first()
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


def network_levels(*, city: Place) -> QuerySet[NetworkLevel]:
    return NetworkLevel.objects.filter(city=city).annotate(n=Count("institutions")).order_by("rank")


def institution_counts_by_kind(*, actor, place: Place) -> list[tuple[str, str, int]]:
    from learncity.network.models import InstitutionKind

    rows = (institution_list(actor=actor).filter(place__path__startswith=place.path)
            .values_list("kind").annotate(n=Count("id")).order_by("-n"))
    return [(k, InstitutionKind(k).label, n) for k, n in rows]


def designation_list(*, actor, place: Place | None = None) -> QuerySet[Designation]:
    qs = Designation.objects.filter(scope_for(actor).places_q(Action.VIEW, prefix="place__")).select_related("place")
    if place is not None:
        qs = qs.filter(place__path__startswith=place.path)
    return qs


def committee_list(*, actor) -> QuerySet[Committee]:
    return Committee.objects.filter(scope_for(actor).committees_q(Action.VIEW)).distinct().select_related("place")


def committee_get(*, actor, pk: int) -> Committee:
    c = committee_list(actor=actor).filter(pk=pk).first()
    if c is None:
        raise NotFound(gettext("未找到终身教育促进委员会，或您无权查看"))
    return c


def member_unit_list(*, actor, committee: Committee | None = None,
                     action: Action = Action.VIEW) -> QuerySet[MemberUnit]:
    qs = MemberUnit.objects.filter(scope_for(actor).member_units_q(action)).select_related("committee__place")
    if committee is not None:
        qs = qs.filter(committee=committee)
    return qs
