"""Parse at the door: one input schema per command, shared by the API and the page form.

A schema is a pydantic model built on `Input`. The API declares it as its body; a page view passes the form's
cleaned data (or the POST) through `parse`; both hand the service the same typed object, so services keep only
business rules. A refused input raises `DomainError` with one translated message per field, named as the schema
names it (`ValidationError` when only one field is wrong):

    class StandardInput(Input):
        code: Code
        credits: Amount
        min_hours: Amount | None = None
        effective_from: Day | None = None

    data = parse(StandardInput, request.POST)        # or: the Ninja endpoint's `payload: StandardInput`
    standard_create(actor=request.user, data=data)

The numeric rule is one for the whole project: a number is an int, a Decimal, a string of digits or a JSON
number, finite, under 10^8, with at most `places` decimals; True/False and empty strings are not numbers.
"""

import datetime
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import pydantic
from django.utils.translation import gettext
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from learncity.core.errors import DomainError, ValidationError

MAX_NUMBER = Decimal(10) ** 8


class Input(pydantic.BaseModel):
    """The base of every input schema: strings stripped, unknown fields ignored (a form posts its CSRF token)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decimal_parse(value, *, places: int = 2) -> Decimal:
    """The project's one reading of a number (see the module's docstring). Raises PydanticCustomError, which
    `parse` turns into the field's message; `number` below wraps it for code that parses one value by hand."""
    if _blank(value):
        raise PydanticCustomError("number_required", "required")
    if isinstance(value, bool):
        raise PydanticCustomError("number_invalid", "not a number", {"value": str(value)})
    if isinstance(value, float):
        value = repr(value)  # a JSON number: its shortest decimal form, 0.1 stays 0.1
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PydanticCustomError("number_invalid", "not a number", {"value": str(value)}) from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise PydanticCustomError("number_unreasonable", "unreasonable", {"value": str(value)})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise PydanticCustomError("number_places", "too many places", {"value": str(value), "places": places})
    return number


def _amount(places: int):
    def check(value):
        return decimal_parse(value, places=places)

    return check


def _day(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date) or value is None:
        return value
    text = str(value).strip()
    if not text:
        raise PydanticCustomError("date_required", "required")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("date_invalid", "not a date", {"value": text}) from None


# Decimals: credits, hours, ratios, scores (two places at most). A blank is "required"; a field that may be left
# out is declared `Amount | None = None`, and `parse` reads a blank form value of such a field as None.
Amount = Annotated[Decimal, BeforeValidator(_amount(2))]
Day = Annotated[datetime.date, BeforeValidator(_day)]


def amount(*, places: int = 2, **bounds):
    """An Amount with its own places and bounds (pydantic's gt/ge/lt/le), each bound refused with the project's
    one message: `Ratio = amount(places=3, gt=0, le=10)`; `Credits = amount(gt=0, le=MAX_CREDITS)`."""
    return Annotated[Decimal, BeforeValidator(_amount(places)), Field(**bounds)]


def _plain(value) -> str:
    """A bound as people write it: Decimal("2000") is 2000, not Decimal('2000')."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _is_number(value) -> bool:
    try:
        return Decimal(str(value).strip()).is_finite()
    except (InvalidOperation, ValueError):
        return False


def message_of(error: dict) -> str | None:
    """The project's one wording of what is wrong with a value (a number, a date, a bound, a length, a choice),
    for the pages and the API alike; None for what is not about the value (a missing field, a wrong JSON type),
    which each adapter words itself."""
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    value = ctx.get("value", error.get("input"))
    if kind in ("number_required", "date_required") or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return gettext("必填")
    if kind in ("int_from_float", "int_parsing") and _is_number(value):
        return gettext("「%(value)s」不是整数") % {"value": value}
    if kind == "number_invalid" or kind.startswith(("decimal_", "int_", "float_")):
        return gettext("「%(value)s」不是数字") % {"value": value}
    if kind == "number_unreasonable":
        return gettext("「%(value)s」不是合理的数字") % {"value": value}
    if kind == "number_places":
        return gettext("「%(value)s」最多 %(places)s 位小数") % {"value": value, "places": ctx["places"]}
    if kind in ("date_invalid", "date_parsing", "date_from_datetime_parsing", "date_type"):
        return gettext("「%(value)s」不是日期（YYYY-MM-DD）") % {"value": value}
    bounds = {"greater_than": (gettext("必须大于 %(limit)s，而不是 %(value)s"), "gt"),
              "greater_than_equal": (gettext("不能小于 %(limit)s，而不是 %(value)s"), "ge"),
              "less_than": (gettext("必须小于 %(limit)s，而不是 %(value)s"), "lt"),
              "less_than_equal": (gettext("不能大于 %(limit)s，而不是 %(value)s"), "le")}
    if kind in bounds:
        text, key = bounds[kind]
        return text % {"limit": _plain(ctx.get(key)), "value": _plain(value)}
    if kind == "string_too_long":
        return gettext("不能超过 %(n)s 个字符") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return gettext("至少 %(n)s 个字符") % {"n": ctx.get("min_length")}
    if kind in ("enum", "literal_error"):
        return gettext("「%(value)s」不是可选的值（可选：%(expected)s）") % {
            "value": value, "expected": ctx.get("expected", "")}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return None


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "missing":
        return gettext("必填")
    if kind in ("list_type", "string_type", "bool_type", "bool_parsing", "dict_type", "model_type"):
        return gettext("「%(value)s」的格式不对") % {"value": (error.get("ctx") or {}).get("value", error.get("input"))}
    return message_of(error) or gettext("「%(value)s」不符合要求") % {
        "value": (error.get("ctx") or {}).get("value", error.get("input"))}


def _field(loc) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)] or ["__all__"]
    return ".".join(parts)


def errors_of(exc: pydantic.ValidationError) -> dict[str, list[str]]:
    """pydantic's errors as {field: [translated message, …]}, in the schema's field order."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        fields.setdefault(_field(error["loc"]), []).append(_message(error))
    return fields


def parse[T: Input](schema: type[T], data: Mapping[str, Any] | T, *, aliases: Mapping[str, str] | None = None) -> T:
    """`data` (a dict, a QueryDict, or an instance already parsed by Ninja) as `schema`, or DomainError naming
    every wrong field. A QueryDict gives lists for the schema's list fields and single values for the rest.
    `aliases` renames the schema's fields in the errors (to a form's own names)."""
    if isinstance(data, schema):
        return data
    if hasattr(data, "getlist"):
        data = {name: (data.getlist(name) if _is_list(schema, name) else data.get(name))
                for name in schema.model_fields if name in data}
    data = {name: (None if _blank(value) and _admits_none(schema, name) else value) for name, value in data.items()}
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = errors_of(exc)
        if aliases:
            errors = {aliases.get(k, k): v for k, v in errors.items()}
        if len(errors) == 1 and len(next(iter(errors.values()))) == 1:
            field, (message,) = next(iter(errors.items()))
            raise ValidationError("invalid", field, message) from None
        raise DomainError(errors) from None


def _admits_none(schema, name: str) -> bool:
    field = schema.model_fields.get(name)
    return field is not None and type(None) in typing.get_args(field.annotation)


def _is_list(schema, name: str) -> bool:
    annotation = schema.model_fields[name].annotation
    origin = getattr(annotation, "__origin__", None)
    return origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set, frozenset)


def number(value, field: str, *, places: int = 2) -> Decimal:
    """One number read by hand (a spreadsheet cell, a query parameter) by the same rule, or ValidationError."""
    try:
        return decimal_parse(value, places=places)
    except PydanticCustomError as exc:
        message = _message({"type": exc.type, "ctx": exc.context or {}, "input": value})
        raise ValidationError(exc.type, field, message) from None
