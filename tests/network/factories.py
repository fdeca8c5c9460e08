"""Factories for the learning network: network levels, institutions, committees and member units, made through
the services, in the places factories' world (达州市, which the demo city leaves empty)."""

import itertools

import pytest

from learncity.network.models import Committee, Institution, InstitutionKind, MemberUnit, NetworkLevel, Tier
from learncity.network.services import (
    committee_create,
    institution_create,
    member_unit_create,
    network_levels_configure,
)
from learncity.places.models import Place
from tests.worlds import rolled_back

# 达州's three levels (the demo city builds 福州's four).
DAZHOU_LEVELS = [("继续教育大学", Tier.CITY), ("继续教育学院", Tier.DISTRICT), ("继续教育中心", Tier.COMMUNITY)]

_seq = itertools.count(1)


def levels_make(actor, city: Place, levels=DAZHOU_LEVELS) -> dict[int, NetworkLevel]:
    """The city's network levels, by tier."""
    return {lvl.tier: lvl for lvl in network_levels_configure(actor=actor, city=city, levels=levels)}


def institution_make(actor, where: Place, *, kind: str = InstitutionKind.ELDERLY_UNIVERSITY, name: str | None = None,
                     parent: Institution | None = None, level: NetworkLevel | None = None, **extra) -> Institution:
    n = next(_seq)
    return institution_create(actor=actor, code=f"F-INST-{n:04d}", name=name or f"测试机构{n}", kind=kind,
                              place_code=where.code, parent_code=parent.code if parent else None,
                              network_level_id=level.pk if level else None, **extra)


def committee_make(actor, where: Place, *, name: str | None = None) -> Committee:
    return committee_create(actor=actor, place_code=where.code, name=name or f"{where.name}终身教育促进委员会")


def member_unit_make(actor, committee: Committee, *, name: str | None = None, is_lead: bool = False,
                     responsibility: str = "") -> MemberUnit:
    return member_unit_create(actor=actor, committee=committee, name=name or f"测试成员单位{next(_seq)}",
                              is_lead=is_lead, responsibility=responsibility)


def module_world(build):
    """A module-scoped fixture whose world `build()` makes once, in a transaction rolled back when the module is
    done; each test runs in a savepoint of it (pytest-django's own), so a test's writes go and the world stays."""

    @pytest.fixture(scope="module")
    def built(django_db_setup, django_db_blocker):
        with rolled_back(django_db_blocker):
            yield build()

    return built
