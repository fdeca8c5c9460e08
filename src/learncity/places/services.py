"""Writes to places: loading the official divisions, communities, and population figures."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import CellError, DomainError, FileRejected, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import scope_for
from learncity.core.tabular import check_headers, read_table
from learncity.places.divisions import division_rows
from learncity.places.inputs import MAX_YEAR, MIN_YEAR, PopulationInput
from learncity.places.models import (
    AGE_BAND_CODES,
    Place,
    PlaceLevel,
    PlaceSource,
    Population,
    PopulationBand,
)
from learncity.places.selectors import place_referenced, public_places


def _path(parent_path: str, code: str) -> str:
    return f"{parent_path}{code}/"


def divisions_load(*, province_codes: set[str] | None = None) -> int:
    """Load the official divisions (all of China, or only the named provinces). Idempotent; returns rows added.

    Set-based: one executemany per level, parents' ids read back once per level.
    """
    table = Place._meta.db_table
    existing = set(public_places().values_list("code", flat=True))
    added = 0
    with transaction.atomic(), connection.cursor() as cur:
        ids = dict(public_places().values_list("code", "id"))
        paths = dict(public_places().values_list("code", "path"))
        for level in (1, 2, 3, 4):
            rows = []
            for lvl, code, parent_code, name in division_rows():
                if lvl != level or code in existing:
                    continue
                if province_codes and code[:2] + "0000" not in province_codes:
                    continue
                if parent_code and parent_code not in ids:
                    continue
                path = _path(paths[parent_code] if parent_code else "/", code)
                rows.append((code, name, level, ids.get(parent_code), path, PlaceSource.MCA.value))
            if rows:
                cur.executemany(
                    f"INSERT INTO {table} (code, name, level, parent_id, path, source) VALUES (%s, %s, %s, %s, %s, %s)",
                    rows,
                )
                added += len(rows)
                ids.update(public_places().filter(level=level).values_list("code", "id"))
                paths.update((r[0], r[4]) for r in rows)
    return added


# --- communities ------------------------------------------------------------------------------------

COMMUNITY_CODE = re.compile(r"^\d{12}$")


def _check_community(parent: Place, code: str, name: str) -> None:
    if parent.level != PlaceLevel.STREET:
        raise DomainError({"parent": gettext("「%(name)s」不是街道/乡镇，社区/村只能建在街道/乡镇之下") % {"name": parent.name}})
    if not COMMUNITY_CODE.match(code) or not code.startswith(parent.code):
        raise DomainError({"code": gettext("社区/村代码「%(code)s」应为 12 位数字，并以所属街道/乡镇代码 %(code2)s 开头") % {"code": code, "code2": parent.code}})
    if not name or len(name) > 64:
        raise DomainError({"name": gettext("名称不能为空，且不超过 64 个字")})


def community_create(*, actor, parent_code: str, code: str, name: str, source: str = PlaceSource.MANUAL) -> Place:
    parent = place_referenced(parent_code, field="parent_code", what=gettext("上级区划代码"))
    scope = scope_for(actor)
    if not scope.can_change_place(parent.path):
        raise PermissionDenied()
    code, name = str(code).strip(), str(name).strip()
    _check_community(parent, code, name)
    if public_places().filter(code=code).exists():
        raise DomainError({"code": gettext("区划代码「%(code)s」已存在") % {"code": code}})
    with transaction.atomic():
        place = Place.objects.create(
            code=code, name=name, level=PlaceLevel.COMMUNITY, parent=parent, path=_path(parent.path, code), source=source
        )
        audit_record(actor=actor, action="place.create", obj=place, code=code, name=name)
        bump("catalog", "monitoring")  # place names in the catalog's filters, places in the figures
    return place


def _value(cells: list, index: int):
    return cells[index] if index < len(cells) else None


def _text(cells: list, index: int) -> str:
    value = _value(cells, index)
    return "" if value is None else str(value).strip()


COMMUNITY_COLUMNS = {
    "parent_code": ("街道代码", "上级代码", "parent_code"),
    "code": ("社区代码", "区划代码", "code"),
    "name": ("社区名称", "名称", "name"),
}


def communities_import(*, actor, data: bytes, filename: str) -> "ImportResult":
    """Import communities/villages from a spreadsheet: all rows or none."""
    table = read_table(data, filename)
    cols = check_headers(table, required=COMMUNITY_COLUMNS)
    scope = scope_for(actor)
    parents = {p.code: p for p in public_places().filter(level=PlaceLevel.STREET, code__in={
        str(cells[cols["parent_code"]]).strip() for _, cells in table.rows if len(cells) > cols["parent_code"]})}
    existing = set(public_places().filter(level=PlaceLevel.COMMUNITY).values_list("code", flat=True))
    errors, new, seen = [], [], set()
    for row, cells in table.rows:
        parent_code, code, name = (_text(cells, cols[f]) for f in ("parent_code", "code", "name"))
        parent = parents.get(parent_code)
        if parent is None:
            errors.append(CellError(row, table.headers[cols["parent_code"]], gettext("未知的街道/乡镇代码「%(parent_code)s」") % {"parent_code": parent_code}))
            continue
        if not scope.can_change_place(parent.path):
            errors.append(CellError(row, table.headers[cols["parent_code"]], gettext("您无权修改「%(name)s」") % {"name": parent.name}))
            continue
        try:
            _check_community(parent, code, name)
        except DomainError as exc:
            for f, msgs in exc.errors.items():
                errors.append(CellError(row, table.headers[cols.get(f, cols["code"])], " ".join(msgs)))
            continue
        if code in seen:
            errors.append(CellError(row, table.headers[cols["code"]], gettext("代码「%(code)s」在文件中重复") % {"code": code}))
            continue
        seen.add(code)
        if code in existing:
            continue
        new.append(Place(code=code, name=name, level=PlaceLevel.COMMUNITY, parent=parent,
                         path=_path(parent.path, code), source=PlaceSource.IMPORT))
    if errors:
        raise FileRejected(gettext("%(errors)s 处错误，未导入任何数据。") % {"errors": len(errors)}, errors, encoding=table.encoding)
    with transaction.atomic():
        Place.objects.bulk_create(new, batch_size=2000)
        bump("catalog", "monitoring")
        audit_record(actor=actor, action="place.import", object_type="places.place", rows=len(table.rows),
                     created=len(new), filename=filename)
    return ImportResult(rows=len(table.rows), created=len(new), unchanged=len(table.rows) - len(new),
                        encoding=table.encoding, format=table.format)


# --- population ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str | None = None
    format: str = ""
    notes: list[str] = field(default_factory=list)


def _write_population(place: Place, year: int, total: int, bands: dict[tuple[str, str], int]) -> tuple[Population, bool]:
    pop, created = (Population.objects.unscoped("one figure a place and year, written after the caller's check")
                    .update_or_create(place=place, year=year, defaults={"total": total}))
    if bands:
        pop.bands.all().delete()
        PopulationBand.objects.bulk_create(
            [PopulationBand(population=pop, sex=s, age_band=b, count=n) for (s, b), n in bands.items()]
        )
    elif not created and pop.bands.aggregate(n=Sum("count"))["n"] not in (None, total):
        # A new total without bands: the old bands no longer add up to it, so they are dropped, not kept beside it.
        pop.bands.all().delete()
    return pop, created


def population_set(*, actor, place_code: str, year, total,
                   bands: dict[tuple[str, str], int] | list | None = None) -> Population:
    """A place's population in a year. `bands` is {(sex, age band): count} or PopulationInput's list of
    {sex, age_band, count} (the API's, where a band given twice is refused)."""
    place = place_referenced(place_code)
    if not scope_for(actor).can_change_place(place.path):
        raise PermissionDenied()
    if isinstance(bands, dict):
        bands = [{"sex": s, "age_band": b, "count": n} for (s, b), n in bands.items()]
    data = parse(PopulationInput, {"year": year, "total": total, "bands": bands or []})
    year, total, bands = data.year, data.total, data.band_counts
    with transaction.atomic():
        pop, _created = _write_population(place, year, total, bands)
        audit_record(actor=actor, action="population.set", obj=pop, place=place.code, year=year, total=total)
        bump("monitoring")  # the figures' denominators are read as they are
    return pop


def population_columns() -> dict[str, tuple[str, ...]]:
    cols = {
        "code": ("区划代码", "地区代码", "code"),
        "year": ("年份", "year"),
        "total": ("常住人口", "总人口", "total"),
    }
    return cols


def population_band_columns() -> dict[str, tuple[str, ...]]:
    out = {}
    for sex, zh, en in (("M", "男", "male"), ("F", "女", "female")):
        for band in AGE_BAND_CODES:
            out[f"{sex}:{band}"] = (f"{zh}{band}岁", f"{zh} {band}岁", f"{zh}{band}", f"{en} {band}")
    return out


def _parse_count(value, row: int, header: str, errors: list[CellError]) -> int | None:
    if value is None or value == "":
        errors.append(CellError(row, header, gettext("不能为空")))
        return None
    if isinstance(value, bool):
        errors.append(CellError(row, header, gettext("「%(value)s」不是数字") % {"value": value}))
        return None
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = str(value).replace(",", "").replace("，", "").strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            errors.append(CellError(row, header, gettext("「%(value)s」不是数字") % {"value": value}))
            return None
    if number != number.to_integral_value():
        errors.append(CellError(row, header, gettext("「%(value)s」不是整数") % {"value": value}))
        return None
    if number < 0:
        errors.append(CellError(row, header, gettext("人数不能为负数（%(value)s）") % {"value": value}))
        return None
    return int(number)


def population_import(*, actor, data: bytes, filename: str) -> ImportResult:
    """Import population figures from xlsx or CSV (UTF-8 or GBK). All rows or none: any error writes nothing."""
    table = read_table(data, filename)
    band_cols = population_band_columns()
    cols = check_headers(table, required=population_columns(), optional=band_cols)
    present_bands = [k for k in band_cols if k in cols]
    if present_bands and len(present_bands) != len(band_cols):
        missing = [band_cols[k][0] for k in band_cols if k not in cols]
        raise FileRejected(gettext("分性别年龄段的列要么全部提供，要么都不提供。缺少：") + gettext("、").join(missing), encoding=table.encoding)
    scope = scope_for(actor)
    codes = {str(cells[cols["code"]]).strip() for _, cells in table.rows if len(cells) > cols["code"]}
    places = {p.code: p for p in public_places().filter(code__in=codes)}
    errors: list[CellError] = []
    parsed = []
    seen = set()
    for row, cells in table.rows:
        def cell(key, cells=cells):
            return _value(cells, cols[key])

        code = _text(cells, cols["code"])
        place = places.get(code)
        if place is None:
            errors.append(CellError(row, table.headers[cols["code"]], gettext("未知的区划代码「%(code)s」") % {"code": code}))
        elif not scope.can_change_place(place.path):
            errors.append(CellError(row, table.headers[cols["code"]], gettext("您无权修改「%(name)s」的人口数据") % {"name": place.name}))
        year_raw = cell("year")
        year = _parse_count(year_raw, row, table.headers[cols["year"]], errors)
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            errors.append(CellError(row, table.headers[cols["year"]], gettext("年份 %(year)s 不在 %(MIN_YEAR)s–%(MAX_YEAR)s 之间") % {"year": year, "MIN_YEAR": MIN_YEAR, "MAX_YEAR": MAX_YEAR}))
            year = None
        total = _parse_count(cell("total"), row, table.headers[cols["total"]], errors)
        bands = {}
        for key in present_bands:
            n = _parse_count(cell(key), row, table.headers[cols[key]], errors)
            if n is not None:
                sex, band = key.split(":")
                bands[(sex, band)] = n
        if place and year is not None:
            if (code, year) in seen:
                errors.append(CellError(row, table.headers[cols["code"]], gettext("「%(code)s」%(year)s 年在文件中重复") % {"code": code, "year": year}))
            seen.add((code, year))
        if total is not None and len(bands) == len(present_bands) and bands and sum(bands.values()) != total:
            errors.append(CellError(row, table.headers[cols["total"]],
                                    gettext("分性别年龄段人数之和 %(sum)s 与总人口 %(total)s 不相等") % {"sum": sum(bands.values()), "total": total}))
        parsed.append((place, year, total, bands))
    if errors:
        raise FileRejected(gettext("%(errors)s 处错误，未导入任何数据。") % {"errors": len(errors)}, errors, encoding=table.encoding)
    created = updated = 0
    with transaction.atomic():
        for place, year, total, bands in parsed:
            _, was_created = _write_population(place, year, total, bands)
            created += was_created
            updated += not was_created
        audit_record(actor=actor, action="population.import", object_type="places.population",
                     filename=filename, rows=len(parsed), created=created, updated=updated, encoding=table.encoding)
        bump("monitoring")
    return ImportResult(rows=len(parsed), created=created, updated=updated, encoding=table.encoding, format=table.format)
