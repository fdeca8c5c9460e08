"""Writes to the learning network. Each checks scope, validates, writes and audits in one transaction."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import Action, Capability, scope_for
from learncity.network.inputs import DesignationInput
from learncity.network.models import (
    Committee,
    Designation,
    Institution,
    InstitutionKind,
    MemberUnit,
    NetworkLevel,
    Tier,
)
from learncity.places.models import Place, PlaceLevel
from learncity.places.selectors import is_city, place_referenced

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{3,4}-?\d{3,4}-?\d{4}|)$")

# Which institution kinds may sit at a network level of each tier.
NETWORK_KINDS = {
    Tier.CITY: {InstitutionKind.COMMUNITY_UNIVERSITY, InstitutionKind.GUIDANCE_CENTRE,
                InstitutionKind.OPEN_UNIVERSITY, InstitutionKind.CONTINUING_EDUCATION_CENTRE},
    Tier.DISTRICT: {InstitutionKind.COMMUNITY_COLLEGE, InstitutionKind.OPEN_UNIVERSITY_BRANCH,
                    InstitutionKind.VOCATIONAL_CENTRE, InstitutionKind.CONTINUING_EDUCATION_CENTRE},
    Tier.STREET: {InstitutionKind.COMMUNITY_SCHOOL, InstitutionKind.CONTINUING_EDUCATION_CENTRE},
    # 达州's third level, 继续教育中心, sits at the community tier (the demo city builds it so).
    Tier.COMMUNITY: {InstitutionKind.LEARNING_ROOM, InstitutionKind.CONTINUING_EDUCATION_CENTRE},
}


def tier_of(place: Place) -> int | None:
    """The tier of a place inside its city: 0 for the city itself, 1 district, 2 street, 3 community."""
    if is_city(place):
        return Tier.CITY
    return {PlaceLevel.DISTRICT: Tier.DISTRICT, PlaceLevel.STREET: Tier.STREET,
            PlaceLevel.COMMUNITY: Tier.COMMUNITY}.get(place.level)


def city_of(place: Place) -> Place:
    """The city a place belongs to (the place itself when it is a city)."""
    for code in place.path.strip("/").split("/"):
        candidate = Place.objects.restrict(None, Action.BROWSE).get(code=code)
        if is_city(candidate):
            return candidate
    raise DomainError({"place": gettext("「%(name)s」不属于任何城市") % {"name": place.name}})


def network_levels_configure(*, actor, city: Place, levels: list[tuple[str, int]]) -> list[NetworkLevel]:
    """Set a city's network levels, top first, as (name, tier). Refused once institutions use a level."""
    scope = scope_for(actor)
    if not is_city(city):
        raise DomainError({"city": gettext("「%(name)s」不是城市") % {"name": city.name}})
    if not scope.can_change_place(city.path) or not scope.may(Capability.DESIGNATE):
        raise PermissionDenied()
    if not levels:
        raise DomainError({"levels": gettext("至少需要一个层级")})
    tiers = [t for _, t in levels]
    if any(t not in Tier.values for t in tiers):
        raise DomainError({"levels": gettext("层级所在区划必须是 %(values)s 之一") % {"values": Tier.values}})
    if tiers != sorted(set(tiers)):
        raise DomainError({"levels": gettext("层级必须自上而下排列，每个区划层级最多一个")})
    with transaction.atomic():
        levels_of_city = NetworkLevel.objects.restrict(scope, Action.CHANGE).filter(city=city)
        current = list(levels_of_city)
        if any(level.institutions.exists() for level in current):
            keep = {(lvl.name, lvl.tier) for lvl in current}
            if keep == set(levels):
                return current
            raise DomainError({"levels": gettext("已有机构使用当前层级，不能重新配置")})
        levels_of_city.delete()
        created = [NetworkLevel.objects.create(city=city, rank=i, name=name.strip(), tier=tier)
                   for i, (name, tier) in enumerate(levels, start=1)]
        audit_record(actor=actor, action="network.levels", obj=city, levels=[[n, t] for n, t in levels])
    return created


def _validate_institution(*, code, name, kind, place: Place, parent: Institution | None, network_level, phone):
    errors: dict[str, str] = {}
    if not CODE_RE.match(code or ""):
        errors["code"] = gettext("机构代码「%(code)s」只能由字母、数字、- 和 _ 组成，2–32 位") % {"code": code}
    if not name or not name.strip() or len(name) > 128:
        errors["name"] = gettext("名称不能为空，且不超过 128 个字")
    if kind not in InstitutionKind.values:
        errors["kind"] = gettext("未知的机构类型「%(kind)s」") % {"kind": kind}
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = gettext("电话号码「%(phone)s」格式不正确") % {"phone": phone}
    if network_level is not None:
        tier = tier_of(place)
        if network_level.tier != tier:
            errors["network_level"] = (gettext("「%(name)s」应设在%(label)s一级，而「%(name2)s」是%(label2)s") % {"name": network_level.name, "label": Tier(network_level.tier).label, "name2": place.name, "label2": PlaceLevel(place.level).label})
        elif kind in InstitutionKind.values and kind not in NETWORK_KINDS[Tier(network_level.tier)]:
            errors["kind"] = gettext("%(label)s不能作为「%(name)s」") % {"label": InstitutionKind(kind).label, "name": network_level.name}
        if not place.path.startswith(network_level.city.path):
            errors["network_level"] = gettext("「%(name)s」不在%(name2)s") % {"name": place.name, "name2": network_level.city.name}
    if parent is not None:
        if not place.path.startswith(parent.place.path):
            errors["parent"] = gettext("上级机构「%(name)s」所在的%(name2)s不包含%(name3)s") % {"name": parent.name, "name2": parent.place.name, "name3": place.name}
        elif network_level is not None and parent.network_level is not None and (
            parent.network_level.rank != network_level.rank - 1
        ):
            errors["parent"] = gettext("上级机构应为「%(v)s」级网络机构") % {"v": network_level.rank - 1}
    if errors:
        raise DomainError(errors)


def _resolve_refs(actor, place_code, parent_code, network_level_id):
    """The place, parent institution and network level named, by their public names, before the scope check."""
    place = place_referenced(place_code)
    parent = None
    if parent_code:
        parent = (Institution.objects.restrict(actor, Action.BROWSE).select_related("place", "network_level")
                  .filter(code=parent_code).first())
        if parent is None:
            raise DomainError({"parent": gettext("未知的上级机构代码「%(parent_code)s」") % {"parent_code": parent_code}})
    level = None
    if network_level_id:
        level = (NetworkLevel.objects.restrict(actor, Action.BROWSE).select_related("city")
                 .filter(pk=network_level_id).first())
        if level is None:
            raise DomainError({"network_level": gettext("未知的网络层级「%(network_level_id)s」") % {"network_level_id": network_level_id}})
    return place, parent, level


def institution_create(*, actor, code: str, name: str, kind: str, place_code: str, parent_code: str | None = None,
                       network_level_id: int | None = None, address: str = "", phone: str = "",
                       description: str = "") -> Institution:
    place, parent, level = _resolve_refs(actor, place_code, parent_code, network_level_id)
    scope = scope_for(actor)
    if not scope.can_change_place(place.path):
        raise PermissionDenied()
    code, name = (code or "").strip(), (name or "").strip()
    _validate_institution(code=code, name=name, kind=kind, place=place, parent=parent, network_level=level,
                          phone=phone)
    try:
        with transaction.atomic():
            inst = Institution.objects.create(code=code, name=name, kind=kind, place=place, parent=parent,
                                              network_level=level, address=address.strip(), phone=phone.strip(),
                                              description=description.strip())
            audit_record(actor=actor, action="institution.create", obj=inst, code=code, name=name)
            bump("catalog", "monitoring")  # the catalog's institutions; the figures count institutions as they are
    except IntegrityError:
        raise DomainError({"code": gettext("机构代码「%(code)s」已存在") % {"code": code}}) from None
    return inst


EDITABLE = ("name", "kind", "address", "phone", "description", "is_active", "parent_code", "network_level_id",
            "place_code")


def institution_update(*, actor, institution: Institution, **changes) -> Institution:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError({f: gettext("不能修改此字段") for f in unknown})
    scope = scope_for(actor)
    changeable = Institution.objects.restrict(scope, Action.CHANGE)
    if not changeable.filter(pk=institution.pk).exists():
        raise PermissionDenied()
    with transaction.atomic():
        inst = changeable.select_for_update().get(pk=institution.pk)
        place_code = changes.pop("place_code", None) or inst.place.code
        parent_code = changes.pop("parent_code", inst.parent.code if inst.parent else None)
        level_id = changes.pop("network_level_id", inst.network_level_id)
        place, parent, level = _resolve_refs(actor, place_code, parent_code, level_id)
        if place.pk != inst.place_id and not scope.can_change_place(place.path):
            raise PermissionDenied(gettext("您无权把机构移到「%(name)s」") % {"name": place.name})
        if parent is not None and parent.pk == inst.pk:
            raise DomainError({"parent": gettext("机构不能是自己的上级")})
        before = {f: getattr(inst, f) for f in ("name", "kind", "address", "phone", "description", "is_active")}
        for field, value in changes.items():
            setattr(inst, field, value.strip() if isinstance(value, str) else value)
        inst.place, inst.parent, inst.network_level = place, parent, level
        _validate_institution(code=inst.code, name=inst.name, kind=inst.kind, place=place, parent=parent,
                              network_level=level, phone=inst.phone)
        inst.save()
        after = {f: getattr(inst, f) for f in before}
        audit_record(actor=actor, action="institution.update", obj=inst,
                     changed={k: [before[k], after[k]] for k in before if before[k] != after[k]})
        # the catalog shows institutions' names and places (course cards, venues, events); the figures count them
        bump("catalog", "monitoring")
    return inst


def designation_create(*, actor, place_code: str, kind: str, tier: str, year: int | str) -> Designation:
    place = place_referenced(place_code)
    if not scope_for(actor).can_change_place(place.path):
        raise PermissionDenied()
    data = parse(DesignationInput, {"kind": kind, "tier": tier, "year": year})
    try:
        with transaction.atomic():
            d = Designation.objects.create(place=place, kind=data.kind, tier=data.tier, year=data.year)
            audit_record(actor=actor, action="designation.create", obj=d)
            bump("monitoring")  # the figures count designations as they are
    except IntegrityError:
        raise DomainError({"__all__": gettext("「%(name)s」已有该称号") % {"name": place.name}}) from None
    return d


def committee_create(*, actor, place_code: str, name: str, office: str = "") -> Committee:
    place = place_referenced(place_code)
    if not scope_for(actor).can_change_place(place.path):
        raise PermissionDenied()
    if tier_of(place) not in (Tier.CITY, Tier.DISTRICT):
        raise DomainError({"place": gettext("终身教育促进委员会设在市或区县一级")})
    if not name.strip():
        raise DomainError({"name": gettext("名称不能为空")})
    try:
        with transaction.atomic():
            c = Committee.objects.create(place=place, name=name.strip(), office=office.strip())
            audit_record(actor=actor, action="committee.create", obj=c)
            bump("catalog", "monitoring")  # the districts offered in filters, the cities of the public figures
    except IntegrityError:
        raise DomainError({"place": gettext("「%(name)s」已有终身教育促进委员会") % {"name": place.name}}) from None
    return c


def member_unit_create(*, actor, committee: Committee, name: str, responsibility: str = "",
                       is_lead: bool = False) -> MemberUnit:
    if not scope_for(actor).can_change_place(committee.place.path):
        raise PermissionDenied()
    if not name.strip():
        raise DomainError({"name": gettext("名称不能为空")})
    try:
        with transaction.atomic():
            m = MemberUnit.objects.create(committee=committee, name=name.strip(),
                                          responsibility=responsibility.strip(), is_lead=is_lead)
            audit_record(actor=actor, action="member_unit.create", obj=m)
    except IntegrityError:
        raise DomainError({"name": gettext("「%(name)s」已是成员单位") % {"name": name}}) from None
    return m


def member_unit_update(*, actor, member_unit: MemberUnit, responsibility: str) -> MemberUnit:
    scope = scope_for(actor)
    if not MemberUnit.objects.restrict(scope, Action.CHANGE).filter(pk=member_unit.pk).exists():
        raise PermissionDenied()
    with transaction.atomic():
        member_unit.responsibility = responsibility.strip()
        member_unit.save(update_fields=["responsibility"])
        audit_record(actor=actor, action="member_unit.update", obj=member_unit)
    return member_unit
