"""What the catalog's services share: the number rule of hours and scores, the manager's check, the
learner's profile."""


import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile

QR_MAX_AGE = datetime.timedelta(minutes=10)
QR_SALT = "learncity.catalog.checkin"
MAX_HOURS = Decimal("2000")


# --- shared checks ------------------------------------------------------------------------------------

def _decimal(value, field: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None,
             strictly_positive: bool = False) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise DomainError({field: gettext("「%(field)s」不能为空，必须是数字") % {"field": field}})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError({field: gettext("「%(value)s」不是数字") % {"value": value}}) from None
    if not number.is_finite():
        raise DomainError({field: gettext("「%(value)s」不是数字") % {"value": value}})
    if strictly_positive and number <= 0:
        raise DomainError({field: gettext("%(field)s 必须大于 0，而不是 %(value)s") % {"field": field, "value": value}})
    if minimum is not None and number < minimum:
        raise DomainError({field: gettext("%(field)s 不能小于 %(minimum)s，而不是 %(value)s") % {"field": field, "minimum": minimum, "value": value}})
    if maximum is not None and number > maximum:
        raise DomainError({field: gettext("%(field)s 不能大于 %(maximum)s，而不是 %(value)s") % {"field": field, "maximum": maximum, "value": value}})
    return number


def _require_manage(actor, institution: Institution) -> None:
    if not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(gettext("只有开课机构的工作人员或其上级管理员可以操作 (not your institution)"))


def _profile_of(actor) -> LearnerProfile:
    profile = LearnerProfile.objects.filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法报名")}, code="no_profile")
    return profile
