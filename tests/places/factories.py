"""Factories for places: communities and population figures, made through the services. Their world is 达州市
(Sichuan), which the demo city leaves empty: its districts and streets are the official divisions, loaded with
every other province's, and nothing else is there until a test puts it there."""

import itertools

from learncity.places.models import Place, PlaceLevel, Population
from learncity.places.services import community_create, population_set

DAZHOU, TONGCHUAN, DACHUAN = "511700", "511702", "511703"  # 达州市, its 通川区 and 达川区

_seq = itertools.count(1)


def place(code: str) -> Place:
    return Place.objects.get(code=code)


def street_of(district: Place | str, index: int = 0) -> Place:
    """The district's `index`-th street or town, by code."""
    code = district if isinstance(district, str) else district.code
    return Place.objects.filter(parent__code=code, level=PlaceLevel.STREET).order_by("code")[index]


def community_make(actor, street: Place, *, name: str | None = None) -> Place:
    """A new community under `street` (a code no division uses: 9xx after the street's code)."""
    for _ in range(100):
        code = f"{street.code}{900 + next(_seq) % 100:03d}"
        if not Place.objects.filter(code=code).exists():
            return community_create(actor=actor, parent_code=street.code, code=code,
                                    name=name or f"测试社区{code[-3:]}")
    raise AssertionError(f"no free community code under {street.code}")


def population_make(actor, where: Place, *, year: int, total: int,
                    bands: dict[tuple[str, str], int] | None = None) -> Population:
    return population_set(actor=actor, place_code=where.code, year=year, total=total, bands=bands)
