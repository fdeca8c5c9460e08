"""Conversion rules: drafted by the target institution (or administrators over it), put to expert review, activated
by an expert reviewer or city administrator, abolished by whoever may draft them."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action
from learncity.creditbank.inputs import RuleIn
from learncity.creditbank.models import (
    ConversionRule,
    CreditClass,
    RuleStatus,
    Standard,
    StandardVersion,
    VersionStatus,
)
from learncity.creditbank.policy import city_of_place, policy_for
from learncity.creditbank.services.common import _is_credit_admin_of, _manages, _reviews_at, _user
from learncity.network.models import Institution


def _overlapping(rule_id, source_ids, target_key: str, start: datetime.date, end: datetime.date | None):
    """Rules (not abolished before they began, and not this one) sharing a source standard and the target, whose
    validity window [effective_from, abolished_on) overlaps [start, end)."""
    institution_id, kind, name = target_key.split("|", 2)
    q = ConversionRule.objects.unscoped("an overlap is with any rule for the target, drafts unseen too").filter(
        sources__in=source_ids, target_institution_id=int(institution_id),
                                      target_kind=kind, target_name=name).exclude(pk=rule_id)
    q = q.filter(Q(abolished_on__isnull=True) | Q(abolished_on__gt=start))
    if end is not None:
        q = q.filter(effective_from__lt=end)
    return q.distinct()


def rule_create(*, actor, data: RuleIn) -> ConversionRule:
    """Draft a conversion rule. Refused when another rule for a same source and the same target has a validity
    window that overlaps this one, or when the city's policy forbids the conversion outright."""
    errors = {}
    if ConversionRule.objects.unscoped("a code is unique among all rules, drafts the actor cannot see too").filter(
            code=data.code).exists():
        errors["code"] = gettext("规则代码「%(code)s」已存在") % {"code": data.code}
    institution = _rule_institution(errors, actor, data.target_institution_code)
    sources = _rule_sources(errors, data.source_codes, actor=actor)
    if not errors and institution is not None:
        _rule_policy_and_overlap(errors, institution, sources, data)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        rule = ConversionRule.objects.create(
            code=data.code, name=data.name, target_institution=institution, target_kind=data.target_kind,
            target_name=data.target_name, target_class=data.target_class, ratio=data.ratio,
            cap_per_learner=data.cap_per_learner, min_score=data.min_score, effective_from=data.effective_from,
            abolished_on=data.abolished_on, created_by=_user(actor))
        rule.sources.set(sources)
        audit_record(actor=actor, action="conversion_rule.create", obj=rule)
    return rule


def _rule_institution(errors: dict, actor, code: str) -> Institution | None:
    """The target institution, which the actor must run (PermissionDenied otherwise)."""
    institution = Institution.objects.restrict(actor, Action.BROWSE).filter(code=(code or "").strip()).first()
    if institution is None:
        errors["target_institution"] = gettext("未找到机构「%(target_institution_code)s」") % {
            "target_institution_code": code}
    elif not _manages(actor, institution):
        raise PermissionDenied(gettext("只能为本机构（或所辖机构）制定转换规则"))
    return institution


def _rule_sources(errors: dict, source_codes: list[str], *, actor) -> list[Standard]:
    sources = list(Standard.objects.restrict(actor, Action.BROWSE).filter(code__in=source_codes))
    if not source_codes:
        errors["sources"] = gettext("至少需要一个来源标准")
    elif len(sources) != len(set(source_codes)):
        missing = set(source_codes) - {s.code for s in sources}
        errors["sources"] = gettext("未找到认证标准：%(join)s") % {"join": gettext("、").join(sorted(missing))}
    return sources


def _rule_policy_and_overlap(errors: dict, institution: Institution, sources: list[Standard], data: RuleIn) -> None:
    """The city's policy (culture never academic) and no overlapping rule for a same source and the same target."""
    policy = policy_for(city_of_place(institution.place))
    if (policy.culture_never_academic and data.target_class == CreditClass.ACADEMIC
            and StandardVersion.objects.restrict(None, Action.BROWSE).filter(
                standard__in=sources, status=VersionStatus.ACTIVE, credit_class=CreditClass.CULTURE).exists()):
        errors["sources"] = gettext("按本市政策，文化休闲类学分不得转换为学历教育学分")
    key = f"{institution.pk}|{data.target_kind}|{data.target_name}"
    clash = _overlapping(None, [s.pk for s in sources], key, data.effective_from, data.abolished_on).first()
    if clash is not None:
        errors["effective_from"] = (gettext("与规则「%(code)s」的有效期重叠（同一来源标准、同一目标：%(effective_from)s 至 %(v)s）") % {"code": clash.code, "effective_from": clash.effective_from, "v": clash.abolished_on or gettext("长期")})


def rule_submit(*, actor, rule: ConversionRule) -> ConversionRule:
    """Draft → expert review."""
    if not _manages(actor, rule.target_institution):
        raise PermissionDenied(gettext("只能提交本机构的转换规则"))
    return _rule_move(actor, rule, RuleStatus.DRAFT, RuleStatus.REVIEW, "")


def rule_review(*, actor, rule: ConversionRule, approve: bool, note: str) -> ConversionRule:
    """An expert reviewer (or city administrator) activates the rule, or sends it back to draft with a note."""
    if not _reviews_at(actor, rule.target_institution.place):
        raise PermissionDenied(gettext("只有本市的评审专家或市级管理员可以评审转换规则"))
    if not (note or "").strip():
        raise DomainError({"note": gettext("评审意见不能为空")})
    with transaction.atomic():
        if approve:  # under the target institution's lock, so two overlapping rules cannot both be activated at once
            (Institution.objects.unscoped("the target institution locked after the caller's check")
             .select_for_update().get(pk=rule.target_institution_id))
            clash = _overlapping(rule.pk, list(rule.sources.values_list("pk", flat=True)), rule.target_key,
                                 rule.effective_from, rule.abolished_on).filter(status=RuleStatus.ACTIVE).first()
            if clash is not None:
                raise DomainError({"effective_from": gettext("与生效中的规则「%(code)s」有效期重叠") % {"code": clash.code}})
        return _rule_move(actor, rule, RuleStatus.REVIEW, RuleStatus.ACTIVE if approve else RuleStatus.DRAFT,
                          note.strip())


def rule_abolish(*, actor, rule: ConversionRule, on: datetime.date | None = None) -> ConversionRule:
    if not (_manages(actor, rule.target_institution) or _is_credit_admin_of(actor, rule.target_institution.place)):
        raise PermissionDenied(gettext("只能废止本机构的转换规则"))
    on = on or timezone.localdate()
    if on < rule.effective_from:
        raise DomainError({"abolished_on": gettext("废止日期不能早于生效日期 %(effective_from)s") % {"effective_from": rule.effective_from}})
    with transaction.atomic():
        rule = ConversionRule.objects.unscoped("the rule locked after the caller's check").select_for_update().get(
            pk=rule.pk)
        if rule.status == RuleStatus.ABOLISHED:
            raise DomainError({"status": gettext("该规则已废止")})
        rule.status, rule.abolished_on = RuleStatus.ABOLISHED, on
        rule.save(update_fields=["status", "abolished_on"])
        audit_record(actor=actor, action="conversion_rule.abolish", obj=rule, on=str(on))
    return rule


def _rule_move(actor, rule: ConversionRule, source: str, target: str, note: str) -> ConversionRule:
    with transaction.atomic():
        rule = ConversionRule.objects.unscoped("the rule locked after the caller's check").select_for_update().get(
            pk=rule.pk)
        if rule.status != source:
            raise DomainError({"status": gettext("规则当前为「%(get_status_display)s」，不能进行此操作") % {"get_status_display": rule.get_status_display()}})
        rule.status = target
        fields = ["status"]
        if target in (RuleStatus.ACTIVE, RuleStatus.DRAFT) and source == RuleStatus.REVIEW:
            rule.reviewed_by, rule.review_note = actor, note
            fields += ["reviewed_by", "review_note"]
        rule.save(update_fields=fields)
        audit_record(actor=actor, action=f"conversion_rule.{target}", obj=rule, note=note)
    return rule
