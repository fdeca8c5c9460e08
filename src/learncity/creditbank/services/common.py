"""The credit bank's shared checks: who sets its rules, who reviews, who runs an institution; the city a place
belongs to and its policy; numbers and dates by the old rule (until the typed input layer takes them over)."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext

from learncity.core import inputs
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.creditbank.scope_rules import capability_paths
from learncity.network.models import Institution
from learncity.places.models import Place

MAX_CREDITS = Decimal("1000")


def _number(value, field: str, *, minimum=None, maximum=None, positive=False, places=2) -> Decimal:
    """A number by the project's one rule (core.inputs.number), and within these bounds. Never a float: a service
    called from Python gets Decimals or text (the API's JSON numbers reach it as Decimals)."""
    if isinstance(value, (bool, float)) or value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError({field: gettext("「%(field)s」必须是数字（不能为空）") % {"field": field}})
    number = inputs.number(value, field, places=places)
    if positive and number <= 0:
        raise DomainError({field: gettext("%(field)s 必须大于 0，而不是 %(value)s") % {"field": field, "value": value}})
    if minimum is not None and number < minimum:
        raise DomainError({field: gettext("%(field)s 不能小于 %(minimum)s，而不是 %(value)s") % {"field": field, "minimum": minimum, "value": value}})
    if maximum is not None and number > maximum:
        raise DomainError({field: gettext("%(field)s 不能大于 %(maximum)s，而不是 %(value)s") % {"field": field, "maximum": maximum, "value": value}})
    return number


def _numbers(errors: dict, checks, *, optional=frozenset()) -> dict[str, Decimal | None]:
    """Each (field, value, `_number`'s bounds) read; a field in `optional` left blank is None; each refused
    field's message goes into `errors`."""
    found = {}
    for field, value, bounds in checks:
        if field in optional and value in (None, ""):
            found[field] = None
            continue
        try:
            found[field] = _number(value, field, **bounds)
        except DomainError as exc:
            errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    return found


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if value is None or not str(value).strip():
        raise DomainError({field: gettext("请填写日期（YYYY-MM-DD）")})
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError({field: gettext("「%(value)s」不是日期（YYYY-MM-DD）") % {"value": value}}) from None


def _is_credit_admin_of(actor, place: Place) -> bool:
    """Whether the actor sets the credit bank's rules (standards, policy, reversals) for the place's city."""
    return scope_for(actor).may(Capability.MANAGE_CREDIT_RULES, place)


def _require_credit_admin(actor, place: Place) -> None:
    if not _is_credit_admin_of(actor, place):
        raise PermissionDenied(gettext("只有本市终身教育促进委员会办公室（市级管理员）可以操作"))


def _reviews_at(actor, place: Place) -> bool:
    """Whether the actor reviews (declarations, conversion rules) at the place: only the role assignments that
    carry REVIEW count."""
    paths = capability_paths(scope_for(actor), Capability.REVIEW)
    return paths is None or any(place.path.startswith(p) for p in paths)


def _manages(actor, institution: Institution) -> bool:
    return Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
