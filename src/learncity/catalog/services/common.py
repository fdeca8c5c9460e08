"""What the catalog's services share: the manager's check, the learner's profile. (Numbers, dates and choices
are read by the schemas in catalog/inputs.py.)"""


import datetime

from django.utils.translation import gettext

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile

QR_MAX_AGE = datetime.timedelta(minutes=10)
QR_SALT = "learncity.catalog.checkin"


# --- shared checks ------------------------------------------------------------------------------------

def _require_manage(actor, institution: Institution) -> None:
    if not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(gettext("只有开课机构的工作人员或其上级管理员可以操作 (not your institution)"))


def _profile_of(actor) -> LearnerProfile:
    profile = LearnerProfile.objects.unscoped("the actor's own profile, found by their user").filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法报名")}, code="no_profile")
    return profile
