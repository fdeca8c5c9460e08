"""What the JSON API promises in its OpenAPI document, kept true in one place.

- One error schema for every refusal (`ErrorOut`: `code`, `detail`, `errors` field → messages), produced by the
  handlers installed here for domain errors, Ninja's validation errors (422), authentication and CSRF failures and
  any other HTTP error; `declare_error_responses` adds those statuses to every operation's documented responses.
- A JSON body is an object: an array, a string or a number in its place is a 422 naming the body.
- Paging is bounded (`BoundedPagination`, the project's `NINJA_PAGINATION_CLASS`): a limit or offset outside its
  range is a 422 naming it, not a database error.
- Types whose JSON Schema says what is sent and accepted: `ClockTime` (a time of day without a zone) and `WebUrl`
  (http or https only).
"""

import datetime
import functools
import json
import re
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.http import Http404, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.params.models import BodyModel
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from learncity.core import uploads
from learncity.core.errors import Refusal
from learncity.core.inputs import message_of

MAX_LIMIT = 100_000  # a whole scope in one page (the city has 43,000 places); the bound is what keeps it sane
MAX_OFFSET = 10_000_000


class ErrorOut(Schema):
    """Every refusal of the API: `code` says what kind, `detail` what is wrong, `errors` where (a field, or
    "__all__" for the request as a whole) with its messages."""

    code: str
    detail: str
    errors: dict[str, list[str]]


def error_body(code: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "detail": detail, "errors": errors if errors is not None else {"__all__": [detail]}}


class ContractAPI(NinjaAPI):
    """Ninja, keeping what each refused value was: Ninja drops every error's input, and the project's one wording of
    a refused value names it ("「abc」不是数字", "不能大于 100，而不是 101"). Only a plain value is kept (never a
    whole object or list), as `ctx["value"]`, which `_message` reads."""

    def validation_error_from_error_contexts(self, error_contexts):
        exc = super().validation_error_from_error_contexts(error_contexts)
        values = [e.get("input") for c in error_contexts for e in c.pydantic_validation_error.errors(include_url=False)]
        for error, value in zip(exc.errors, values, strict=True):
            if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
                error["ctx"] = {**(error.get("ctx") or {}), "value": value}
        return exc


# --- the handlers --------------------------------------------------------------------------------------------

_KIND_OF_PROBLEM = {
    "missing": gettext_noop("缺少必填项"),
    "extra_forbidden": gettext_noop("不接受此字段"),
}


def _field(loc: tuple | list) -> str:
    """Where a validation error is, as the caller wrote it: "total", "entries.1.hours", "limit"; "__all__" for
    the body as a whole. Ninja's locations start with the source ("body", "query", "path", "file") and, for a JSON
    body, the name of the view's parameter that holds it."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body" and len(parts) >= 2 and parts[1] == "payload":
        parts = parts[2:]
    elif parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _message(error: dict) -> str:
    """A missing field, an unknown one or a wrong JSON type in the API's words; what is wrong with a value (a
    number, a date, a bound, a length, a choice) in the project's one wording, the pages' (core.inputs)."""
    kind = error.get("type", "")
    told = None if kind in _KIND_OF_PROBLEM or kind.endswith("_type") else message_of(error)
    if told is not None:
        return told
    if kind in _KIND_OF_PROBLEM:
        label = _(_KIND_OF_PROBLEM[kind])
    elif kind.endswith(("_type", "_parsing")) or kind in {"dict_type", "model_type", "model_attributes_type"}:
        label = _("类型不对")
    else:
        label = _("取值不符合要求")
    return f"{label} ({error.get('msg', kind)})"


def validation_error_body(errors: list[dict]) -> dict:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field(error.get("loc", ())), []).append(_message(error))
    text = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    return error_body("invalid_input", f"{_('请求内容不符合接口说明 (the request does not match the API)')}: {text}",
                      fields)


def install_error_handlers(api) -> None:
    """Every error the API answers is an `ErrorOut`."""

    @api.exception_handler(Refusal)
    def domain_error(request, exc: Refusal):
        return api.create_response(request, error_body(exc.code, exc.message, exc.errors), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        refused = uploads.upload_refusal(request)  # a file stopped while it arrived is missing, not invalid
        if refused is not None:
            return domain_error(request, refused)
        return api.create_response(request, validation_error_body(exc.errors), status=422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc: AuthenticationError):
        detail = _("请登录，或提供有效的个人令牌或接口密钥 (authentication required)")
        return api.create_response(request, error_body("unauthorized", detail), status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 403 and "CSRF" in exc.message:
            code, detail = "csrf_failed", _("CSRF 校验失败，请刷新页面后重试 (CSRF check failed)")
        elif exc.status_code == 400:
            code, detail = "bad_request", _("请求内容无法解析：应为 JSON (the request body could not be parsed)")
        else:
            code, detail = f"http_{exc.status_code}", str(exc)
        return api.create_response(request, error_body(code, detail), status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return api.create_response(request, error_body("not_found", _("未找到 (not found)")), status=404)


# --- every operation's documented responses ------------------------------------------------------------------

def _takes_json_body(operation) -> bool:
    return any(issubclass(m, BodyModel) and getattr(m, "__read_from_single_attr__", None) for m in operation.models)


def _nul_at(value, loc: tuple) -> tuple | None:
    """Where a NUL character is in a parsed JSON value (PostgreSQL's text cannot hold one), or None."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return (*loc, key)
        found = _nul_at(item, (*loc, key))
        if found:
            return found
    return None


def _guarded(view_func, *, json_body: bool, status: int | None):
    """The checks every operation makes before its view: no NUL character in a parameter or the body (a 422
    naming it, not a database error); a JSON body is an object (Ninja's schemas would read an array's absent
    attributes, so `[]` passed as an all-optional PATCH). `status`: the one success status the view answers with
    (Ninja takes it from `response=` only while that holds a single status)."""

    @functools.wraps(view_func)
    def view(request, *args, **kwargs):
        for source, values in (("query", request.GET), ("path", kwargs)):
            for name, value in values.items():
                if isinstance(value, str) and "\x00" in value:
                    raise NinjaValidationError([{"loc": (source, name), "type": "string_nul",
                                                 "msg": "NUL characters are not allowed"}])
        if json_body:
            try:
                data = json.loads(request.body) if request.body else {}
            except ValueError:
                data = {}  # not JSON: the body's parser has answered already
            if not isinstance(data, dict):
                raise NinjaValidationError([{"loc": ("body",), "type": "dict_type",
                                             "msg": f"Input should be a JSON object, not {type(data).__name__}"}])
            nul = _nul_at(data, ("body", "payload"))
            if nul:
                raise NinjaValidationError([{"loc": nul, "type": "string_nul",
                                             "msg": "NUL characters are not allowed"}])
        result = view_func(request, *args, **kwargs)
        if status is not None and not isinstance(result, HttpResponseBase | Status):
            result = Status(status, result)
        return result

    view._guarded = True
    return view


def declare_error_responses(api, *, signed_in: dict[int, type] | None = None) -> None:
    """Add to each operation the error statuses it may answer, all as `ErrorOut`, unless it declares its own: 400
    (a refused input), 403 (not allowed), 404 (not found or not in scope); 401 where a sign-in is needed, with the
    `signed_in` statuses and their schemas there too; 422 where it takes parameters or a body. A JSON body must be
    an object."""
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            for operation in view.operations:
                declared = [c for c in operation.response_models if isinstance(c, int)]
                only = declared[0] if len(declared) == 1 and declared[0] != 200 else None
                if not getattr(operation.view_func, "_guarded", False):
                    operation.view_func = _guarded(operation.view_func, json_body=_takes_json_body(operation),
                                                   status=only)
                codes = [400, 403, 404]
                if operation.auth_callbacks:
                    codes.append(401)
                if operation.models:
                    codes.append(422)
                for code in codes:
                    operation.response_models.setdefault(code, operation._create_response_model(ErrorOut))
                if operation.auth_callbacks:
                    for code, schema in (signed_in or {}).items():
                        operation.response_models.setdefault(code, operation._create_response_model(schema))


# --- paging ----------------------------------------------------------------------------------------------------

class BoundedPagination(LimitOffsetPagination):
    """limit 1–100,000, offset 0–10,000,000: outside, a 422 naming the parameter (an offset past 2^63 was a
    database error)."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- types -------------------------------------------------------------------------------------------------------

# JSON Schema's "time" format wants a zone offset; the API's times of day have none ("19:00:00").
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _clock_string(value):
    """Only "HH:MM[:SS[.ffffff]]" (pydantic alone would take a number of seconds, or a time with a zone)."""
    if isinstance(value, datetime.time) and value.tzinfo is None:
        return value
    if not isinstance(value, str) or not re.match(CLOCK_TIME, value):
        raise ValueError("Input should be a time of day as HH:MM or HH:MM:SS, without a zone")
    return value


ClockTime = Annotated[datetime.time, BeforeValidator(_clock_string), WithJsonSchema({
    "type": "string", "pattern": CLOCK_TIME, "examples": ["19:00:00"]})]

_web_url = URLValidator(schemes=["http", "https"])


URL_MAX_LENGTH = 200  # the URLField's column


def _http_url(value: str) -> str:
    if value:
        try:
            if len(value) > URL_MAX_LENGTH:
                raise DjangoValidationError("too long")
            _web_url(value)
        except DjangoValidationError:
            raise ValueError(_("只接受不超过 200 个字符、以 http:// 或 https:// 开头的网址 (only http and https URLs)")
                             ) from None
    return value


# Empty, or an http(s) URL (a `javascript:` or `data:` link is refused).
WebUrl = Annotated[str, AfterValidator(_http_url), WithJsonSchema({
    "type": "string", "maxLength": URL_MAX_LENGTH, "pattern": r"^(https?://[^\s/?#]+[^\s]*)?$",
    "description": "http:// or https:// URL, or empty"})]

