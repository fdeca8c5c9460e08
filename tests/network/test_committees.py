"""Writes to the learning network's committees: designations of places, committees, member units. Each test
states its own world (达州市, through the factories)."""

from types import SimpleNamespace

import pytest

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.network.models import Committee, Designation, MemberUnit
from learncity.network.services import (
    committee_create,
    designation_create,
    member_unit_create,
    member_unit_update,
)
from tests.network.factories import committee_make, member_unit_make
from tests.people.factories import account_make
from tests.people.factories import root as root_make
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place, street_of


@pytest.fixture
def dazhou(db):
    """达州市 with its committee and 通川区's (two member units each, the first the lead), a superuser, the city's
    administrator, auditor and expert reviewer, the administrators of 通川区 and 达川区, and the reporter of
    通川区's second member unit."""
    root = root_make()
    city, tongchuan = place(DAZHOU), place(TONGCHUAN)
    city_committee = committee_make(root, city, name="达州市终身教育促进委员会")
    committee = committee_make(root, tongchuan, name="通川区终身教育促进委员会")
    city_units = [member_unit_make(root, city_committee, name="达州市教育局", is_lead=True),
                  member_unit_make(root, city_committee, name="达州市民政局")]
    units = [member_unit_make(root, committee, name="通川区教育局", is_lead=True),
             member_unit_make(root, committee, name="通川区总工会")]
    return SimpleNamespace(
        root=root, city=city, tongchuan=tongchuan, committee=committee, city_committee=city_committee,
        units=units, city_units=city_units,
        city_admin=account_make("city_admin", actor=root, place=city),
        auditor=account_make("auditor", actor=root, place=city),
        expert=account_make("expert_reviewer", actor=root, place=city),
        admin=account_make("district_admin", actor=root, place=tongchuan),
        admin_2=account_make("district_admin", actor=root, place=place(DACHUAN)),
        reporter=account_make("member_unit_reporter", actor=root, member_unit=units[1]),
    )


def test_designation_create_and_its_rules(dazhou):
    # given 通川区 is already a municipal experimental district
    designation_create(actor=dazhou.city_admin, place_code=TONGCHUAN, kind="experimental", tier="municipal",
                       year=2023)

    # a new designation is added and audited
    d = designation_create(actor=dazhou.admin, place_code=TONGCHUAN, kind="demonstration", tier="national", year=2024)
    assert (d.place.code, d.kind, d.tier, d.year) == (TONGCHUAN, "demonstration", "national", 2024)
    assert AuditEvent.objects.filter(action="designation.create", object_id=str(d.pk)).count() == 1

    # the same one twice is refused
    before = Designation.objects.count()
    with pytest.raises(DomainError) as exc:
        designation_create(actor=dazhou.admin, place_code=TONGCHUAN, kind="experimental", tier="municipal", year=2025)
    assert exc.value.errors == {"__all__": ["「通川区」已有该称号"]}
    assert Designation.objects.count() == before


def test_designation_create_refuses_bad_values(dazhou):
    before = Designation.objects.count()

    with pytest.raises(DomainError) as exc:
        designation_create(actor=dazhou.city_admin, place_code=TONGCHUAN, kind="model", tier="county", year=1989)

    assert exc.value.errors == {"kind": ["未知的类别「model」"], "tier": ["未知的级别「county」"],
                                "year": ["年份「1989」不正确"]}
    assert Designation.objects.count() == before


def test_designation_create_outside_scope_is_denied(dazhou):
    before = Designation.objects.count()

    for actor in (dazhou.admin, dazhou.auditor, dazhou.expert):
        with pytest.raises(PermissionDenied):
            designation_create(actor=actor, place_code=DACHUAN, kind="demonstration", tier="national", year=2024)

    assert Designation.objects.count() == before


def test_committee_create_for_a_city_without_one(db):
    c = committee_create(actor=root_make(), place_code=DAZHOU, name=" 达州市终身教育促进委员会 ", office="达州市教育局")

    assert (c.place.code, c.name, c.office) == (DAZHOU, "达州市终身教育促进委员会", "达州市教育局")
    assert AuditEvent.objects.filter(action="committee.create", object_id=str(c.pk)).count() == 1


@pytest.mark.parametrize(
    ("where", "name", "errors"),
    [
        ("street", "街道终身教育促进委员会", {"place": ["终身教育促进委员会设在市或区县一级"]}),
        (TONGCHUAN, "通川区第二委员会", {"place": ["「通川区」已有终身教育促进委员会"]}),
    ],
)
def test_committee_create_rules(dazhou, where, name, errors):
    place_code = street_of(TONGCHUAN).code if where == "street" else where
    before = Committee.objects.count()

    with pytest.raises(DomainError) as exc:
        committee_create(actor=dazhou.city_admin, place_code=place_code, name=name)

    assert exc.value.errors == errors
    assert Committee.objects.count() == before


def test_committee_create_outside_scope_is_denied(dazhou):
    before = Committee.objects.count()

    for actor, place_code in ((dazhou.city_admin, "510000"), (dazhou.admin, DACHUAN), (dazhou.auditor, DACHUAN)):
        with pytest.raises(PermissionDenied):
            committee_create(actor=actor, place_code=place_code, name="终身教育促进委员会")

    assert Committee.objects.count() == before


def test_committee_create_needs_a_name(db):
    with pytest.raises(DomainError) as exc:
        committee_create(actor=root_make(), place_code=DAZHOU, name="  ")

    assert exc.value.errors == {"name": ["名称不能为空"]}
    assert not Committee.objects.filter(place__code=DAZHOU).exists()


def test_member_unit_create_in_the_own_district_committee(dazhou):
    m = member_unit_create(actor=dazhou.admin, committee=dazhou.committee, name=" 通川区妇女联合会 ",
                           responsibility="妇女与家庭教育", is_lead=False)

    assert list(dazhou.committee.members.values_list("name", flat=True)) == [
        "通川区教育局", "通川区总工会", "通川区妇女联合会"]
    assert AuditEvent.objects.filter(action="member_unit.create", object_id=str(m.pk)).count() == 1


def test_member_unit_create_rules(dazhou):
    before = MemberUnit.objects.count()

    with pytest.raises(DomainError) as exc:
        member_unit_create(actor=dazhou.admin, committee=dazhou.committee, name="通川区教育局")
    assert exc.value.errors == {"name": ["「通川区教育局」已是成员单位"]}

    with pytest.raises(DomainError) as exc:
        member_unit_create(actor=dazhou.admin, committee=dazhou.committee, name=" ")
    assert exc.value.errors == {"name": ["名称不能为空"]}

    for actor in (dazhou.admin, dazhou.reporter, dazhou.auditor):
        with pytest.raises(PermissionDenied):
            member_unit_create(actor=actor, committee=dazhou.city_committee, name="达州市档案馆")

    assert MemberUnit.objects.count() == before


def test_a_reporter_updates_only_their_own_member_unit(dazhou):
    own, other = dazhou.units[1], dazhou.city_units[0]
    other_before = other.responsibility

    member_unit_update(actor=dazhou.reporter, member_unit=own, responsibility=" 职业技能培训 ")
    with pytest.raises(PermissionDenied):
        member_unit_update(actor=dazhou.reporter, member_unit=other, responsibility="改")

    assert MemberUnit.objects.get(pk=own.pk).responsibility == "职业技能培训"
    assert MemberUnit.objects.get(pk=other.pk).responsibility == other_before


def test_member_unit_update_follows_the_committee_scope(dazhou):
    district_unit, city_unit = dazhou.units[0], dazhou.city_units[0]
    city_before = city_unit.responsibility

    member_unit_update(actor=dazhou.admin, member_unit=district_unit, responsibility="统筹")
    for actor in (dazhou.admin, dazhou.admin_2, dazhou.auditor, dazhou.expert):
        with pytest.raises(PermissionDenied):
            member_unit_update(actor=actor, member_unit=city_unit, responsibility="改")

    assert MemberUnit.objects.get(pk=district_unit.pk).responsibility == "统筹"
    assert MemberUnit.objects.get(pk=city_unit.pk).responsibility == city_before


