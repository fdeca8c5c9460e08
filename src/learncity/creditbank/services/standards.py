"""Outcome standards (versioned), the providers accredited to certify them, and the city's credit policy: city
administrators."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.creditbank.inputs import PolicyIn, StandardIn, StandardRevision
from learncity.creditbank.models import (
    Accreditation,
    CreditPolicy,
    FrameworkLevel,
    Standard,
    StandardVersion,
    VersionStatus,
)
from learncity.creditbank.policy import policy_for
from learncity.creditbank.services.common import _require_credit_admin, _user
from learncity.network.models import Institution
from learncity.places.models import Place

_STANDARD_FIELDS = ("name", "credit_class", "level", "credits", "hours_per_credit", "min_hours", "min_score",
                    "evidence", "record_kinds", "course_kinds", "effective_from")


def _version_values(errors: dict, data: dict, *, actor) -> dict:
    """A version's columns from the parsed fields: the level looked up in the framework, the kinds joined."""
    clean = {f: data[f] for f in _STANDARD_FIELDS if f not in ("level", "record_kinds", "course_kinds")}
    clean["level"] = FrameworkLevel.objects.restrict(actor, Action.VIEW).filter(level=data["level"]).first()
    if clean["level"] is None:
        errors["level"] = gettext("资历框架中没有等级「%(get)s」") % {"get": data["level"]}
    for field in ("record_kinds", "course_kinds"):
        kinds = list(data[field] or [])
        clean[field] = f",{','.join(kinds)}," if kinds else ""
    clean["effective_from"] = data["effective_from"] or timezone.localdate()
    return clean


def standard_create(*, actor, city: Place, data: StandardIn) -> StandardVersion:
    """A new standard with its version 1, and the providers accredited to certify it."""
    _require_credit_admin(actor, city)
    errors = {}
    if Standard.objects.unscoped("a code is unique over the whole city and every other").filter(
            code=data.code).exists():
        errors["code"] = gettext("标准代码「%(code)s」已存在") % {"code": data.code}
    clean = _version_values(errors, data.model_dump(), actor=actor)
    institutions = _institutions(data.providers, errors, actor=actor)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        standard = Standard.objects.create(code=data.code, city=city)
        version = StandardVersion.objects.create(standard=standard, version=1, created_by=_user(actor), **clean)
        for inst in institutions:
            Accreditation.objects.create(standard=standard, institution=inst, granted_by=_user(actor))
        audit_record(actor=actor, action="standard.create", obj=version, code=data.code,
                     providers=[i.code for i in institutions])
    return version


def _institutions(codes, errors: dict, *, actor) -> list[Institution]:
    codes = [c.strip() for c in codes if c and c.strip()]
    visible = Institution.objects.restrict(actor, Action.VIEW)
    found = {i.code: i for i in visible.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        errors["providers"] = gettext("未找到机构：%(join)s") % {"join": gettext("、").join(missing)}
    return [found[c] for c in dict.fromkeys(codes) if c in found]


def standard_revise(*, actor, standard: Standard, data: StandardRevision) -> StandardVersion:
    """A change makes a new version; the active one is superseded. Outcomes keep the version they were
    recognised under."""
    _require_credit_admin(actor, standard.city)
    with transaction.atomic():
        current = (StandardVersion.objects.unscoped("the standard's versions locked after the caller's check")
                   .select_for_update().filter(standard=standard).order_by("-version").first())
        if current is None or current.status == VersionStatus.WITHDRAWN:
            raise DomainError({"standard": gettext("标准「%(code)s」已撤销，不能修订") % {"code": standard.code}})
        base = {f: getattr(current, f) for f in _STANDARD_FIELDS}
        base["level"] = current.level.level
        base["record_kinds"] = [k for k in current.record_kinds.split(",") if k]
        base["course_kinds"] = [k for k in current.course_kinds.split(",") if k]
        base["effective_from"] = current.effective_from  # records from the same date on, unless changed
        changes = data.changes()
        errors = {}
        clean = _version_values(errors, {**base, **changes}, actor=actor)
        if errors:
            raise DomainError(errors)
        current.status = VersionStatus.SUPERSEDED
        current.save(update_fields=["status"])
        version = StandardVersion.objects.create(standard=standard, version=current.version + 1,
                                                 created_by=_user(actor), **clean)
        audit_record(actor=actor, action="standard.revise", obj=version, changes=sorted(changes))
    return version


def standard_withdraw(*, actor, standard: Standard, reason: str) -> StandardVersion:
    """Withdraw the active version: it recognises nothing more (outcomes already recognised stay)."""
    _require_credit_admin(actor, standard.city)
    if not (reason or "").strip():
        raise DomainError({"reason": gettext("撤销标准必须说明理由")})
    with transaction.atomic():
        current = (StandardVersion.objects.unscoped("the active version locked after the caller's check")
                   .select_for_update().filter(standard=standard, status=VersionStatus.ACTIVE).first())
        if current is None:
            raise DomainError({"standard": gettext("标准「%(code)s」没有现行版本") % {"code": standard.code}})
        current.status = VersionStatus.WITHDRAWN
        current.save(update_fields=["status"])
        audit_record(actor=actor, action="standard.withdraw", obj=current, reason=reason.strip())
    return current


def accreditation_grant(*, actor, standard: Standard, institution: Institution) -> Accreditation:
    _require_credit_admin(actor, standard.city)
    with transaction.atomic():
        existing = Accreditation.objects.restrict(actor, Action.VIEW).filter(
            standard=standard, institution=institution, revoked_at__isnull=True)
        if existing.exists():
            raise DomainError({"institution": gettext("%(name)s 已是「%(code)s」的认证机构") % {"name": institution.name, "code": standard.code}})
        acc = Accreditation.objects.create(standard=standard, institution=institution, granted_by=_user(actor))
        audit_record(actor=actor, action="accreditation.grant", obj=acc)
    return acc


def accreditation_revoke(*, actor, accreditation: Accreditation) -> Accreditation:
    _require_credit_admin(actor, accreditation.standard.city)
    if accreditation.revoked_at is not None:
        raise DomainError({"accreditation": gettext("该认证资格已撤销")})
    with transaction.atomic():
        accreditation.revoked_at = timezone.now()
        accreditation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="accreditation.revoke", obj=accreditation)
    return accreditation


def policy_update(*, actor, city: Place, data: PolicyIn) -> CreditPolicy:
    """The fields the input sets, changed (the numbers' bounds are the input's)."""
    _require_credit_admin(actor, city)
    policy = policy_for(city)
    for field, value in data.changes().items():
        setattr(policy, field, value)
    with transaction.atomic():
        policy.save()
        audit_record(actor=actor, action="credit_policy.update", obj=policy)
        bump("credits")  # learners' points and star thresholds follow the policy (creditbank.selectors)
    return policy
