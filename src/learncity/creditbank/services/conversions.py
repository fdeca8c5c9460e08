"""Conversions: applied for by the learner, decided by the target institution (staff of another institution are
refused), reversed by it or a city administrator."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.creditbank import ledger
from learncity.creditbank.models import (
    Conversion,
    ConversionRule,
    ConversionStatus,
    CreditClass,
    EntryReason,
    LearningAccount,
    LedgerEntry,
    Outcome,
    OutcomeUse,
    RuleStatus,
)
from learncity.creditbank.policy import city_of_place, policy_for
from learncity.creditbank.services.accounts import _own_profile
from learncity.creditbank.services.common import (
    _is_credit_admin_of,
    _manages,
    _reason_given,
    _reversal_append,
)

_ACCOUNT_ROWS = "the account's own rows: the account is the learner's own, or locked after the caller's check"
_LOCKED = "the conversion and its rule locked after the caller's check"


def _conversion_check(account: LearningAccount, rule: ConversionRule, outcomes: list[Outcome],
                      today: datetime.date) -> tuple[Decimal, Decimal]:
    """(credits in, credits out), or a DomainError saying which cap, policy or window it breaks."""
    if rule.status != RuleStatus.ACTIVE:
        raise DomainError({"rule": gettext("转换规则「%(code)s」不在生效状态（%(get_status_display)s）") % {"code": rule.code, "get_status_display": rule.get_status_display()}})
    if today < rule.effective_from or (rule.abolished_on is not None and today >= rule.abolished_on):
        raise DomainError({"rule": gettext("转换规则「%(code)s」不在有效期内（%(effective_from)s 至 %(v)s）") % {"code": rule.code, "effective_from": rule.effective_from, "v": rule.abolished_on or gettext("长期")}})
    if not outcomes:
        raise DomainError({"outcomes": gettext("请选择至少一项学习成果")})
    policy = policy_for(city_of_place(account.learner.residence))
    source_ids = set(rule.sources.values_list("pk", flat=True))
    reversed_ids = set(LedgerEntry.objects.unscoped(_ACCOUNT_ROWS).filter(outcome__in=outcomes,
                                                                         reason=EntryReason.REVERSAL)
                       .values_list("outcome_id", flat=True))
    used = set(OutcomeUse.objects.unscoped(_ACCOUNT_ROWS).filter(outcome__in=outcomes, target_key=rule.target_key)
               .exclude(conversion__entries__reason=EntryReason.REVERSAL).values_list("outcome_id", flat=True))
    errors = []
    for o in outcomes:
        if o.account_id != account.pk:
            errors.append(gettext("「%(title)s」不是本账户的成果") % {"title": o.title})
        elif o.pk in reversed_ids:
            errors.append(gettext("「%(title)s」已冲正") % {"title": o.title})
        elif o.standard_version.standard_id not in source_ids:
            errors.append(gettext("「%(title)s」的标准不在规则的来源标准中") % {"title": o.title})
        elif rule.min_score is not None and (o.score is None or o.score < rule.min_score):
            errors.append(gettext("「%(title)s」的成绩低于规则要求的 %(min_score)s") % {"title": o.title, "min_score": rule.min_score})
        elif policy.culture_never_academic and o.credit_class == CreditClass.CULTURE \
                and rule.target_class == CreditClass.ACADEMIC:
            errors.append(gettext("「%(title)s」是文化休闲类学分，按政策不得转换为学历教育学分") % {"title": o.title})
        elif policy.source_once_per_target and o.pk in used:
            errors.append(gettext("「%(title)s」已用于同一目标「%(target_name)s」的转换，同一成果只能使用一次") % {"title": o.title, "target_name": rule.target_name})
    if errors:
        raise DomainError({"outcomes": errors})
    credits_in = sum((o.credits for o in outcomes), Decimal("0"))
    credits_out = (credits_in * rule.ratio).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    converted = Decimal(str(LedgerEntry.objects.unscoped(_ACCOUNT_ROWS).filter(account=account, conversion__rule=rule)
                            .aggregate(s=Sum("amount"))["s"] or 0)).quantize(Decimal("0.01"))
    if converted + credits_out > rule.cap_per_learner:
        raise DomainError({"outcomes": [gettext("超过规则「%(code)s」每人 %(cap_per_learner)s 学分的上限：已转换 %(converted)s，本次 %(credits_out)s") % {"code": rule.code, "cap_per_learner": rule.cap_per_learner, "converted": converted, "credits_out": credits_out}]})
    if credits_out <= 0:
        raise DomainError({"outcomes": [gettext("转换后的学分为 0")]})
    return credits_in, credits_out


def conversion_apply(*, actor, rule: ConversionRule, outcome_ids: list[int]) -> Conversion:
    """A learner applies to convert outcomes by a rule; the target institution decides."""
    profile = _own_profile(actor)
    account = (LearningAccount.objects.unscoped("the actor's own account, by their own profile")
               .filter(learner=profile).first() if profile else None)
    if account is None:
        raise DomainError({"account": gettext("您还没有学习账户")})
    rule = ConversionRule.objects.unscoped("the rule the caller read in scope, as it is now").get(pk=rule.pk)
    ids = list(dict.fromkeys(outcome_ids))  # whole numbers already (ConversionIn): the page and the API parse them
    outcomes = list(Outcome.objects.unscoped(_ACCOUNT_ROWS).filter(pk__in=ids, account=account)
                    .select_related("standard_version"))
    if len(outcomes) != len(ids):  # another learner's outcome is as absent as one that does not exist
        raise DomainError({"outcomes": gettext("所选成果不存在，或不是您的学习成果")})
    credits_in, credits_out = _conversion_check(account, rule, outcomes, timezone.localdate())
    with transaction.atomic():
        conversion = Conversion.objects.create(account=account, rule=rule, credits_in=credits_in,
                                               credits_out=credits_out)
        conversion.outcomes.set(outcomes)
        audit_record(actor=actor, action="conversion.apply", obj=conversion, rule=rule.code)
    return conversion


def conversion_decide(*, actor, conversion: Conversion, approve: bool, reason: str) -> Conversion:
    """The target institution approves (the ledger records the converted credits) or rejects, with a reason.
    The checks run again under the account's lock, so racing approvals cannot break a cap or use an outcome
    twice for the same target."""
    rule = conversion.rule
    if not _manages(actor, rule.target_institution):
        raise PermissionDenied(gettext("只有目标机构 %(name)s 的工作人员可以审批该转换") % {"name": rule.target_institution.name})
    if conversion.account.learner.user_id is not None and conversion.account.learner.user_id == getattr(actor, "pk",
                                                                                                          None):
        raise PermissionDenied(gettext("不能审批自己的转换申请"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": gettext("审批必须写明理由")})
    with transaction.atomic():
        account = ledger.lock_account(conversion.account_id)
        conversion = Conversion.objects.unscoped(_LOCKED).select_for_update().get(pk=conversion.pk)
        rule = ConversionRule.objects.unscoped(_LOCKED).select_for_update().get(pk=conversion.rule_id)
        if conversion.status != ConversionStatus.APPLIED:
            raise DomainError({"status": gettext("该申请已处理（%(get_status_display)s）") % {"get_status_display": conversion.get_status_display()}})
        conversion.decided_by, conversion.decided_at, conversion.reason = actor, timezone.now(), reason[:500]
        if approve:
            outcomes = list(conversion.outcomes.select_related("standard_version"))
            credits_in, credits_out = _conversion_check(account, rule, outcomes, timezone.localdate())
            conversion.status, conversion.credits_in, conversion.credits_out = (ConversionStatus.APPROVED, credits_in,
                                                                                credits_out)
            conversion.save(update_fields=["status", "decided_by", "decided_at", "reason", "credits_in",
                                           "credits_out"])
            OutcomeUse.objects.bulk_create([OutcomeUse(outcome=o, conversion=conversion, target_key=rule.target_key)
                                            for o in outcomes])
            ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
                credit_class=rule.target_class, amount=credits_out, reason=EntryReason.CONVERSION,
                conversion_id=conversion.pk, memo=f"{rule.code} → {rule.target_name}"[:200])])
        else:
            conversion.status = ConversionStatus.REJECTED
            conversion.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit_record(actor=actor, action="conversion.decide", obj=conversion, approve=approve, reason=reason)
    return conversion


def conversion_reverse(*, actor, conversion: Conversion, reason: str) -> LedgerEntry:
    """Correct an approved conversion by a reversal entry (the target institution or a city administrator); its
    outcomes are free again for that target, and can then be reversed themselves."""
    rule = conversion.rule
    if not (_manages(actor, rule.target_institution) or _is_credit_admin_of(actor, rule.target_institution.place)):
        raise PermissionDenied(gettext("只有目标机构或市级管理员可以冲正转换"))
    reason = _reason_given(reason)
    with transaction.atomic():
        account = ledger.lock_account(conversion.account_id)
        original = (LedgerEntry.objects.unscoped(_ACCOUNT_ROWS)
                    .filter(conversion=conversion, reason=EntryReason.CONVERSION).first())
        entry = _reversal_append(actor=actor, account=account, original=original, reason=reason, field="conversion",
                                 missing=gettext("该转换尚未批准，没有可冲正的记账"),
                                 again=gettext("该转换已冲正"), conversion_id=conversion.pk)
        audit_record(actor=actor, action="conversion.reverse", obj=conversion, reason=reason)
    return entry
