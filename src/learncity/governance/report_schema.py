"""Report forms as data (domain, no database; named report_schema, not report_forms: the import contract takes
a module named *forms for the web layer): a form's `schema` is checked once when the office makes it
(`schema_check`) and a unit's answers every time it saves or submits (`answers_check`).

The schema (see models/reports.py and the issue's text):

    {"sections": [{"key", "title", "fields": [
        {"key", "type": "number", "label", "unit", "min", "max", "decimals", "required"},
        {"key", "type": "text", "label", "max_length", "required"},
        {"key", "type": "attachments", "label", "max_files", "required"},
        {"key", "type": "table", "label", "required", "rows": [{"key", "label"}],
         "columns": [{"key", "label", "unit", "min", "max", "decimals"}]}]}],
     "rules": [{"kind": "sum", "cells": "by_industry.*.staff", "equals": "staff_total"},
               {"kind": "lte", "left": "trained_staff", "right": "staff_total"}],
     "feeds": [{"indicator": "EMP-CE", "numerator": "…", "denominator": "…"}]}

Field keys are unique over the whole form (the answers are flat by field key); a table's cells are named
`table.row.column`. A reference in a rule or a feed is a number field's key or a cell's name; a sum's `cells`
may put `*` for the row or the column. Numbers travel as decimal strings, cleaned to the field's decimals
("120", "12.50"), so the same answers give the same bytes.

Errors are `DomainError({place: message})`: for a schema the place in the schema ("trained.max",
"by_industry.rows.manufacturing", "rules.0.cells"), for answers the cell ("by_industry.manufacturing.staff").
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.core.evidence import EVIDENCE_MAX_FILES

KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
TYPES = ("number", "text", "attachments", "table")
MAX_DECIMALS = 4
MAX_TEXT = 20_000
DEFAULT_TEXT = 4000
RULE_KINDS = ("sum", "lte")
LIMIT = Decimal("1e15")  # no number field goes beyond this either way


# --- the schema ---------------------------------------------------------------------------------------------------

def schema_check(schema) -> dict:
    """The schema, if it is a well-formed form; otherwise DomainError naming each wrong place."""
    errors: dict[str, str] = {}
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list) or not schema["sections"]:
        raise DomainError({"sections": gettext("报表至少要有一个部分（sections）")}, code="invalid_schema")
    seen_sections, seen_fields = set(), set()
    for i, section in enumerate(schema["sections"]):
        place = f"sections.{i}"
        if not isinstance(section, dict):
            errors[place] = gettext("每个部分须是一个对象")
            continue
        _key(errors, place, section.get("key"), seen_sections)
        if not _text(section.get("title")):
            errors[f"{place}.title"] = gettext("部分须有标题")
        fields = section.get("fields")
        if not isinstance(fields, list) or not fields:
            errors[f"{place}.fields"] = gettext("每个部分至少要有一个填报项")
            continue
        for j, spec in enumerate(fields):
            _field_check(errors, f"{place}.fields.{j}", spec, seen_fields)
    if not errors:
        index = field_index(schema)
        _rules_check(errors, schema.get("rules", []), index)
        _feeds_check(errors, schema.get("feeds", []), index)
    if errors:
        raise DomainError(errors, code="invalid_schema")
    return schema


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _key(errors: dict, place: str, key, seen: set) -> bool:
    if not isinstance(key, str) or not KEY.match(key):
        errors[f"{place}.key"] = gettext("代码「%(key)s」须以小写字母开头，只含小写字母、数字和下划线") % {
            "key": str(key)[:48]}
        return False
    if key in seen:
        errors[f"{place}.key"] = gettext("代码「%(key)s」重复") % {"key": key}
        return False
    seen.add(key)
    return True


def _field_check(errors: dict, place: str, spec, seen: set) -> None:
    if not isinstance(spec, dict):
        errors[place] = gettext("每个填报项须是一个对象")
        return
    if _key(errors, place, spec.get("key"), seen):
        place = spec["key"]
    if not _text(spec.get("label")):
        errors[f"{place}.label"] = gettext("填报项须有名称")
    kind = spec.get("type")
    if kind not in TYPES:
        errors[f"{place}.type"] = gettext("未知的填报项类型「%(type)s」（可用：%(types)s）") % {
            "type": str(kind)[:32], "types": "、".join(TYPES)}
    elif kind == "number":
        _number_check(errors, place, spec)
    elif kind == "text":
        _int_check(errors, f"{place}.max_length", spec.get("max_length", DEFAULT_TEXT), 1, MAX_TEXT)
    elif kind == "attachments":
        _int_check(errors, f"{place}.max_files", spec.get("max_files", EVIDENCE_MAX_FILES), 1, EVIDENCE_MAX_FILES)
    else:
        _table_check(errors, place, spec)


def _int_check(errors: dict, place: str, value, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors[place] = gettext("须是 %(low)s 到 %(high)s 之间的整数") % {"low": low, "high": high}


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < LIMIT else None


def _number_check(errors: dict, place: str, spec: dict) -> None:
    bounds = {}
    for end in ("min", "max"):
        if spec.get(end) is not None:
            bounds[end] = _decimal(spec[end])
            if bounds[end] is None:
                errors[f"{place}.{end}"] = gettext("「%(value)s」不是数字（请写成字符串，如 \"0\"）") % {
                    "value": str(spec[end])[:32]}
    if bounds.get("min") is not None and bounds.get("max") is not None and bounds["min"] > bounds["max"]:
        errors[f"{place}.min"] = gettext("下限 %(min)s 大于上限 %(max)s") % {"min": spec["min"], "max": spec["max"]}
    _int_check(errors, f"{place}.decimals", spec.get("decimals", 0), 0, MAX_DECIMALS)


def _table_check(errors: dict, place: str, spec: dict) -> None:
    for part in ("rows", "columns"):
        items = spec.get(part)
        if not isinstance(items, list) or not items:
            errors[f"{place}.{part}"] = gettext("表格至少要有一行和一列")
            continue
        seen: set = set()
        for k, item in enumerate(items):
            where = f"{place}.{part}.{k}"
            if not isinstance(item, dict):
                errors[where] = gettext("每一行、每一列须是一个对象")
                continue
            if _key(errors, where, item.get("key"), seen):
                where = f"{place}.{part}.{item['key']}"
            if not _text(item.get("label")):
                errors[f"{where}.label"] = gettext("须有名称")
            if part == "columns":
                _number_check(errors, where, item)


def field_index(schema: dict) -> dict[str, dict]:
    """{field key: its spec} over every section, in the form's order."""
    return {f["key"]: f for s in schema["sections"] for f in s["fields"]}


def cell_spec(index: dict[str, dict], ref: str) -> dict | None:
    """The number spec a reference names: a number field (`trained`) or a table's cell (`table.row.column`)."""
    parts = ref.split(".") if isinstance(ref, str) else []
    spec = index.get(parts[0]) if parts else None
    if spec is None:
        return None
    if len(parts) == 1:
        return spec if spec["type"] == "number" else None
    if len(parts) == 3 and spec["type"] == "table" and parts[1] in {r["key"] for r in spec["rows"]}:
        return next((c for c in spec["columns"] if c["key"] == parts[2]), None)
    return None


def sum_cells(index: dict[str, dict], pattern: str) -> list[str] | None:
    """The cells a sum's pattern names (`table.*.column`, `table.row.*`), or None if it names none."""
    parts = pattern.split(".") if isinstance(pattern, str) else []
    spec = index.get(parts[0]) if len(parts) == 3 else None
    if spec is None or spec["type"] != "table":
        return None
    rows = [r["key"] for r in spec["rows"] if parts[1] in ("*", r["key"])]
    columns = [c["key"] for c in spec["columns"] if parts[2] in ("*", c["key"])]
    cells = [f"{parts[0]}.{r}.{c}" for r in rows for c in columns]
    return cells or None


def _rules_check(errors: dict, rules, index: dict) -> None:
    if not isinstance(rules, list):
        errors["rules"] = gettext("规则须是一个列表")
        return
    for i, rule in enumerate(rules):
        place = f"rules.{i}"
        kind = rule.get("kind") if isinstance(rule, dict) else None
        if kind not in RULE_KINDS:
            errors[f"{place}.kind"] = gettext("未知的规则「%(kind)s」（可用：%(kinds)s）") % {
                "kind": str(kind)[:32], "kinds": "、".join(RULE_KINDS)}
            continue
        refs = ("equals",) if kind == "sum" else ("left", "right")
        if kind == "sum" and sum_cells(index, rule.get("cells")) is None:
            errors[f"{place}.cells"] = _unknown(rule.get("cells"))
        for end in refs:
            if cell_spec(index, rule.get(end)) is None:
                errors[f"{place}.{end}"] = _unknown(rule.get(end))


def _unknown(ref) -> str:
    return gettext("「%(ref)s」不是本报表的数字填报项或表格单元格") % {"ref": str(ref)[:64]}


def _feeds_check(errors: dict, feeds, index: dict) -> None:
    if not isinstance(feeds, list):
        errors["feeds"] = gettext("指标来源须是一个列表")
        return
    for i, feed in enumerate(feeds):
        place = f"feeds.{i}"
        if not isinstance(feed, dict) or not _text(feed.get("indicator")):
            errors[f"{place}.indicator"] = gettext("须写明指标代码")
            continue
        for end in ("numerator", "denominator"):
            if cell_spec(index, feed.get(end)) is None:
                errors[f"{place}.{end}"] = _unknown(feed.get(end))


# --- the answers --------------------------------------------------------------------------------------------------

def answers_check(schema: dict, data, *, complete: bool, attachments: dict[str, int] | None = None) -> dict:
    """A unit's answers cleaned (numbers as decimal strings with the field's decimals, text stripped, blanks left
    out), or DomainError naming each wrong cell. Every value is checked for its type, range and decimals; with
    `complete` (a submission) also what is required and the form's rules. `attachments`: {field key: how many
    files the return has}, for the required attachment fields."""
    if not isinstance(data, dict):
        raise DomainError({"data": gettext("填报内容须是一个对象")})
    index = field_index(schema)
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for key in data:
        if key not in index or index[key]["type"] == "attachments":
            errors[str(key)[:64]] = gettext("本报表没有填报项「%(key)s」") % {"key": str(key)[:64]}
    for key, spec in index.items():
        value = data.get(key)
        if spec["type"] == "table":
            table = _table_answers(errors, key, spec, value, complete)
            if table:
                cleaned[key] = table
            continue
        if spec["type"] == "attachments":
            if complete and spec.get("required") and not (attachments or {}).get(key):
                errors[key] = gettext("「%(label)s」请至少上传一个文件") % {"label": spec["label"]}
            continue
        clean = _number(errors, key, spec, value) if spec["type"] == "number" else _text_answer(errors, key, spec,
                                                                                                value)
        if clean is not None:
            cleaned[key] = clean
        elif complete and spec.get("required") and key not in errors:
            errors[key] = gettext("请填写「%(label)s」") % {"label": spec["label"]}
    if complete and not errors:
        _rules_apply(errors, schema, index, cleaned)
    if errors:
        raise DomainError(errors, code="invalid_answers")
    return cleaned


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(errors: dict, place: str, spec: dict, value) -> str | None:
    if _blank(value):
        return None
    number = _decimal(value.replace(",", "") if isinstance(value, str) else value)
    label = spec.get("label", place)
    if number is None:
        errors[place] = gettext("「%(label)s」须填数字，「%(value)s」不是数字") % {"label": label,
                                                                            "value": str(value)[:32]}
        return None
    decimals = spec.get("decimals", 0)
    if number != number.quantize(Decimal(1).scaleb(-decimals)):
        errors[place] = (gettext("「%(label)s」须为整数") % {"label": label} if decimals == 0 else
                         gettext("「%(label)s」最多 %(n)s 位小数") % {"label": label, "n": decimals})
        return None
    low, high = _decimal(spec.get("min")), _decimal(spec.get("max"))
    if (low is not None and number < low) or (high is not None and number > high):
        errors[place] = gettext("「%(label)s」须在 %(min)s 到 %(max)s %(unit)s之间，填的是 %(value)s") % {
            "label": label, "min": spec.get("min", "-∞"), "max": spec.get("max", "∞"), "unit": spec.get("unit", ""),
            "value": number}
        return None
    return str(number.quantize(Decimal(1).scaleb(-decimals)))


def _text_answer(errors: dict, place: str, spec: dict, value) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        errors[place] = gettext("「%(label)s」须填文字") % {"label": spec["label"]}
        return None
    limit = spec.get("max_length", DEFAULT_TEXT)
    text = value.strip()
    if len(text) > limit:
        errors[place] = gettext("「%(label)s」最多 %(n)s 字，填了 %(len)s 字") % {
            "label": spec["label"], "n": limit, "len": len(text)}
        return None
    return text


def _table_answers(errors: dict, key: str, spec: dict, value, complete: bool) -> dict:
    if _blank(value) or value == {}:
        value = {}
    if not isinstance(value, dict):
        errors[key] = gettext("「%(label)s」须按行填写") % {"label": spec["label"]}
        return {}
    rows = {r["key"]: r for r in spec["rows"]}
    columns = {c["key"]: c for c in spec["columns"]}
    for row, cells in value.items():
        if row not in rows:
            errors[f"{key}.{str(row)[:48]}"] = gettext("「%(label)s」没有「%(row)s」这一行") % {
                "label": spec["label"], "row": str(row)[:48]}
        elif not isinstance(cells, dict):
            errors[f"{key}.{row}"] = gettext("「%(row)s」这一行须按列填写") % {"row": rows[row]["label"]}
        else:
            for column in cells:
                if column not in columns:
                    errors[f"{key}.{row}.{str(column)[:48]}"] = gettext("「%(label)s」没有「%(column)s」这一列") % {
                        "label": spec["label"], "column": str(column)[:48]}
    table: dict = {}
    filled = any(isinstance(c, dict) and any(not _blank(v) for v in c.values()) for c in value.values())
    for row, row_spec in rows.items():
        cells = value.get(row) if isinstance(value.get(row), dict) else {}
        for column, column_spec in columns.items():
            place = f"{key}.{row}.{column}"
            label = f"{spec['label']}·{row_spec['label']}·{column_spec['label']}"
            clean = _number(errors, place, column_spec | {"label": label}, cells.get(column))
            if clean is not None:
                table.setdefault(row, {})[column] = clean
            elif complete and (spec.get("required") or filled) and place not in errors:
                errors[place] = gettext("请填写「%(label)s」") % {"label": label}
    return table


def ref_value(index: dict[str, dict], answers: dict, ref: str) -> Decimal | None:
    """The number a reference names in cleaned answers (None when blank)."""
    parts = ref.split(".")
    value = answers.get(parts[0])
    for part in parts[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return Decimal(value) if isinstance(value, str) else None


def label_of(index: dict[str, dict], ref: str) -> str:
    """A reference's name as the form shows it: 培训人次, or 分行业统计·制造业·职工人数."""
    parts = ref.split(".")
    spec = index[parts[0]]
    if len(parts) == 1:
        return spec["label"]
    row = next(r["label"] for r in spec["rows"] if r["key"] == parts[1])
    column = next(c["label"] for c in spec["columns"] if c["key"] == parts[2])
    return f"{spec['label']}·{row}·{column}"


def _rules_apply(errors: dict, schema: dict, index: dict, answers: dict) -> None:
    for rule in schema.get("rules", []):
        if rule["kind"] == "sum":
            cells = sum_cells(index, rule["cells"])
            values = [ref_value(index, answers, c) for c in cells]
            total = ref_value(index, answers, rule["equals"])
            if total is None or any(v is None for v in values):
                continue
            added = sum(values, Decimal(0))
            if added != total:
                errors[rule["equals"]] = gettext(
                    "「%(label)s」填的是 %(total)s，但%(cells)s各项之和是 %(sum)s，两者须相等") % {
                    "label": label_of(index, rule["equals"]), "total": total, "sum": added,
                    "cells": "「" + index[rule["cells"].split(".")[0]]["label"] + "」"}
        else:
            left, right = ref_value(index, answers, rule["left"]), ref_value(index, answers, rule["right"])
            if left is not None and right is not None and left > right:
                errors[rule["left"]] = gettext("「%(left)s」（%(a)s）不能大于「%(right)s」（%(b)s）") % {
                    "left": label_of(index, rule["left"]), "a": left, "right": label_of(index, rule["right"]),
                    "b": right}
