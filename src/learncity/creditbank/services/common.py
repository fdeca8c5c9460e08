"""The credit bank's shared checks: who sets its rules, who reviews, who runs an institution; the city a place
belongs to and its policy. (Numbers and dates are the input schemas' work: creditbank.inputs.)"""

from django.utils.translation import gettext

from learncity.core.errors import PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.creditbank.scope_rules import capability_paths
from learncity.network.models import Institution
from learncity.places.models import Place


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
