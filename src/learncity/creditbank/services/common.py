"""The credit bank's shared checks: who sets its rules, who reviews, who runs an institution; the city a place
belongs to and its policy. (Numbers and dates are the input schemas' work: creditbank.inputs.)"""

from django.utils.translation import gettext

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action, Capability, scope_for
from learncity.creditbank import ledger
from learncity.creditbank.models import EntryReason, LearningAccount, LedgerEntry
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


def _reason_given(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": gettext("冲正必须写明理由")})
    return reason


def _reversal_append(*, actor, account: LearningAccount, original: LedgerEntry | None, reason: str, field: str,
                     missing: str, again: str, check=None, **link) -> LedgerEntry:
    """The reversal of `original` (an outcome's recognition or a conversion's entry), under the account's lock the
    caller holds: refused with `missing` when there is nothing to reverse, `again` when it is reversed already, or
    by `check()`. `link` names what it reverses (outcome_id or conversion_id)."""
    if original is None:
        raise DomainError({field: missing})
    if LedgerEntry.objects.unscoped("a reversal of the entry, under the account's lock").filter(
            reverses=original).exists():
        raise DomainError({field: again})
    if check is not None:
        check()
    entry, = ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
        credit_class=original.credit_class, amount=-original.amount, reason=EntryReason.REVERSAL,
        reverses_id=original.pk, memo=reason[:200], **link)])
    return entry
