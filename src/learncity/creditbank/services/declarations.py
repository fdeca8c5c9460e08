"""Declarations: a learner declares an outcome with evidence; expert reviewers or city administrators of the
learner's city decide."""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.evidence import evidence_checked
from learncity.core.scopes import Action, Capability, scope_for
from learncity.creditbank import ledger
from learncity.creditbank.inputs import DeclarationIn
from learncity.creditbank.models import (
    Declaration,
    DeclarationStatus,
    EntryReason,
    Evidence,
    OpenedVia,
    Outcome,
    RecognitionMethod,
    Standard,
    VersionStatus,
)
from learncity.creditbank.services.accounts import _own_profile, account_open


def declaration_submit(*, actor, data: DeclarationIn, files: list[tuple[str, bytes]] = ()) -> Declaration:
    """A learner declares an outcome with evidence (PDF, JPEG or PNG; at least one file); it waits for review."""
    profile = _own_profile(actor)
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法申报学习成果")}, code="no_profile")
    errors = {}
    standard = _declared_standard(errors, data.standard_code, actor=actor)
    _declared_date(errors, data.date, profile)
    checked = _evidence_checked(errors, list(files or []))
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        account, _ = account_open(actor=actor, learner=profile, via=OpenedVia.SELF)
        declaration = Declaration.objects.create(account=account, standard=standard, kind=data.kind,
                                                 title=data.title, issuer=data.issuer, date=data.date,
                                                 hours=data.hours, score=data.score, note=data.note)
        for name, mime, content in checked:
            Evidence.objects.create(declaration=declaration, name=name, content_type=mime, size=len(content),
                                    sha256=hashlib.sha256(content).hexdigest(), content=content)
        audit_record(actor=actor, action="declaration.submit", obj=declaration, standard=standard.code)
    return declaration


def _declared_standard(errors: dict, code: str, *, actor) -> Standard | None:
    """The standard declared for, which must have an active version."""
    standard = Standard.objects.restrict(actor, Action.BROWSE).filter(code=code).first()
    if not code:
        errors["standard"] = gettext("请选择申请认定的标准")
    elif standard is None:
        errors["standard"] = gettext("认证标准「%(code)s」不存在") % {"code": code[:40]}
    elif not standard.versions.filter(status=VersionStatus.ACTIVE).exists():
        errors["standard"] = gettext("认证标准「%(code)s」已撤销，不能再申报") % {"code": standard.code}
    return standard


def _declared_date(errors: dict, date: datetime.date, profile) -> None:
    """The day the outcome was obtained: not in the future, not before the learner was born."""
    if date > timezone.localdate():
        errors["date"] = gettext("取得日期 %(date)s 在未来") % {"date": date}
    elif date < profile.birth_date:
        errors["date"] = gettext("取得日期 %(date)s 早于出生日期") % {"date": date}


def evidence_errors(files: list[tuple[str, bytes]]) -> dict:
    """What is wrong with the evidence files, as {"evidence": message} (empty when nothing): for a page that shows
    them beside its input's own errors when the input is refused before it reaches `declaration_submit`."""
    errors = {}
    _evidence_checked(errors, list(files or []))
    return errors


def _evidence_checked(errors: dict, files: list[tuple[str, bytes]]) -> list[tuple[str, str, bytes]]:
    """(name, content type, content) of each evidence file: one to EVIDENCE_MAX_FILES (core/evidence.py)."""
    return evidence_checked(errors, files,
                            required=gettext("申报学习成果必须上传至少一份证明材料（PDF、JPG 或 PNG）"))


def declaration_review(*, actor, declaration: Declaration, approve: bool, reason: str) -> Declaration:
    """Approve or reject a declaration, always with a reason the learner reads. Approval recognises it under the
    standard's active version and credits the account."""
    learner = declaration.account.learner
    if not scope_for(actor).may(Capability.REVIEW, declaration):
        raise PermissionDenied(gettext("只有本市的评审专家或市级管理员可以审核申报"))
    if learner.user_id is not None and learner.user_id == getattr(actor, "pk", None):
        raise PermissionDenied(gettext("不能审核自己的申报"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": gettext("审核必须写明理由（通过或不通过都要）")})
    if len(reason) > 500:
        raise DomainError({"reason": gettext("理由不超过 500 个字")})
    with transaction.atomic():
        account = ledger.lock_account(declaration.account_id)
        declaration = (Declaration.objects.unscoped("the declaration locked after the caller's check")
                       .select_for_update().get(pk=declaration.pk))
        if declaration.status != DeclarationStatus.SUBMITTED:
            raise DomainError({"status": gettext("该申报已审核（%(get_status_display)s）") % {"get_status_display": declaration.get_status_display()}})
        declaration.reviewer, declaration.reason, declaration.reviewed_at = actor, reason, timezone.now()
        if approve:
            version = declaration.standard.versions.filter(status=VersionStatus.ACTIVE).first()
            if version is None:
                raise DomainError({"standard": gettext("认证标准「%(code)s」已撤销，不能据此认定") % {"code": declaration.standard.code}})
            if version.min_score is not None and (declaration.score is None or declaration.score < version.min_score):
                raise DomainError({"score": gettext("成绩低于标准要求的 %(min_score)s") % {"min_score": version.min_score}})
            if declaration.hours < version.min_hours:
                raise DomainError({"hours": gettext("学时 %(hours)s 少于标准要求的 %(min_hours)s") % {"hours": declaration.hours, "min_hours": version.min_hours}})
            if declaration.date < version.effective_from:
                raise DomainError({"date": gettext("取得日期 %(date)s 早于标准 v%(version)s 的生效日期 %(effective_from)s") % {"date": declaration.date, "version": version.version, "effective_from": version.effective_from}})
            credits = version.credits_for(declaration.hours) if version.hours_per_credit else version.credits
            if credits <= 0:
                raise DomainError({"hours": gettext("学时 %(hours)s 不足以获得学分") % {"hours": declaration.hours}})
            declaration.status = DeclarationStatus.APPROVED
            declaration.save(update_fields=["status", "reviewer", "reason", "reviewed_at"])
            outcome = Outcome.objects.create(
                account=account, standard_version=version, declaration=declaration, method=RecognitionMethod.REVIEW,
                title=declaration.title, provider=None, provider_name=declaration.issuer, date=declaration.date,
                hours=declaration.hours, score=declaration.score, credit_class=version.credit_class, credits=credits,
                basis=f"申报审核通过（{reason[:120]}），依据标准 {version.standard.code} v{version.version}",
                recognised_at=timezone.now(), recognised_by=actor)
            ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
                credit_class=version.credit_class, amount=credits, reason=EntryReason.RECOGNITION,
                outcome_id=outcome.pk)])
        else:
            declaration.status = DeclarationStatus.REJECTED
            declaration.save(update_fields=["status", "reviewer", "reason", "reviewed_at"])
        audit_record(actor=actor, action="declaration.review", obj=declaration, approve=approve, reason=reason)
    return declaration
