"""Outcome standards (versioned), the providers accredited to certify them, and the city's credit policy: city
administrators."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import CourseKind, RecordKind
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.creditbank.models import (
    Accreditation,
    CreditClass,
    CreditPolicy,
    FrameworkLevel,
    Standard,
    StandardVersion,
    VersionStatus,
)
from learncity.creditbank.policy import policy_for
from learncity.creditbank.services.common import (
    MAX_CREDITS,
    _date,
    _number,
    _require_credit_admin,
    _user,
)
from learncity.network.models import Institution
from learncity.places.models import Place

_STANDARD_FIELDS = ("name", "credit_class", "level", "credits", "hours_per_credit", "min_hours", "min_score",
                    "evidence", "record_kinds", "course_kinds", "effective_from")


def _validate_standard(data: dict) -> dict:
    errors, clean = {}, {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 128:
        errors["name"] = gettext("标准名称不能为空，且不超过 128 个字")
    clean["name"] = name
    if data.get("credit_class") not in CreditClass.values:
        errors["credit_class"] = gettext("未知的学分类别「%(get)s」") % {"get": data.get('credit_class')}
    clean["credit_class"] = data.get("credit_class")
    level = FrameworkLevel.objects.filter(level=data.get("level")).first() if str(data.get("level", "")).isdigit() else None
    if level is None:
        errors["level"] = gettext("资历框架中没有等级「%(get)s」") % {"get": data.get('level')}
    clean["level"] = level
    checks = (("credits", {"positive": True, "maximum": MAX_CREDITS}),
              ("hours_per_credit", {"positive": True, "maximum": Decimal("1000")}),
              ("min_hours", {"minimum": Decimal("0"), "maximum": Decimal("2000"), "places": 1}),
              ("min_score", {"minimum": Decimal("0"), "maximum": Decimal("100"), "places": 1}))
    for field, kwargs in checks:
        value = data.get(field)
        if field in ("hours_per_credit", "min_score") and value in (None, ""):
            clean[field] = None
            continue
        if field == "min_hours" and value in (None, ""):
            value = "0"
        try:
            clean[field] = _number(value, field, **kwargs)
        except DomainError as exc:
            errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    kinds = [k.strip() for k in (data.get("record_kinds") or []) if k.strip()]
    bad = [k for k in kinds if k not in RecordKind.values]
    if bad:
        errors["record_kinds"] = gettext("未知的学习记录类型：%(join)s") % {"join": gettext("、").join(bad)}
    clean["record_kinds"] = f",{','.join(kinds)}," if kinds else ""
    course_kinds = [k.strip() for k in (data.get("course_kinds") or []) if k.strip()]
    bad = [k for k in course_kinds if k not in CourseKind.values]
    if bad:
        errors["course_kinds"] = gettext("未知的课程类别：%(join)s") % {"join": gettext("、").join(bad)}
    clean["course_kinds"] = f",{','.join(course_kinds)}," if course_kinds else ""
    clean["evidence"] = (data.get("evidence") or "").strip()[:300]
    try:
        clean["effective_from"] = _date(data.get("effective_from") or timezone.localdate(), "effective_from")
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    if errors:
        raise DomainError(errors)
    return clean


def standard_create(*, actor, city: Place, code: str, providers: list[str] = (), **data) -> StandardVersion:
    """A new standard with its version 1, and the providers accredited to certify it."""
    _require_credit_admin(actor, city)
    code = (code or "").strip()
    errors = {}
    if not code or len(code) > 40 or any(c.isspace() or c in "/?#%\\" for c in code) or code.lower() == "new":
        errors["code"] = gettext("标准代码不能为空、不含空格和 / ? # % \\，不能是 new，且不超过 40 个字符")
    elif Standard.objects.filter(code=code).exists():
        errors["code"] = gettext("标准代码「%(code)s」已存在") % {"code": code}
    try:
        clean = _validate_standard(data)
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    institutions = _institutions(providers, errors, actor=actor)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        standard = Standard.objects.create(code=code, city=city)
        version = StandardVersion.objects.create(standard=standard, version=1, created_by=_user(actor), **clean)
        for inst in institutions:
            Accreditation.objects.create(standard=standard, institution=inst, granted_by=_user(actor))
        audit_record(actor=actor, action="standard.create", obj=version, code=code,
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


def standard_revise(*, actor, standard: Standard, **changes) -> StandardVersion:
    """A change makes a new version; the active one is superseded. Outcomes keep the version they were
    recognised under."""
    _require_credit_admin(actor, standard.city)
    with transaction.atomic():
        current = (StandardVersion.objects.select_for_update().filter(standard=standard)
                   .order_by("-version").first())
        if current is None or current.status == VersionStatus.WITHDRAWN:
            raise DomainError({"standard": gettext("标准「%(code)s」已撤销，不能修订") % {"code": standard.code}})
        base = {f: getattr(current, f) for f in _STANDARD_FIELDS}
        base["level"] = current.level.level
        base["record_kinds"] = [k for k in current.record_kinds.split(",") if k]
        base["course_kinds"] = [k for k in current.course_kinds.split(",") if k]
        base["effective_from"] = current.effective_from  # records from the same date on, unless changed
        unknown = set(changes) - set(_STANDARD_FIELDS)
        if unknown:
            raise DomainError({"changes": gettext("不能修改：%(join)s") % {"join": gettext("、").join(sorted(unknown))}})
        clean = _validate_standard({**base, **changes})
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
        current = StandardVersion.objects.select_for_update().filter(standard=standard,
                                                                     status=VersionStatus.ACTIVE).first()
        if current is None:
            raise DomainError({"standard": gettext("标准「%(code)s」没有现行版本") % {"code": standard.code}})
        current.status = VersionStatus.WITHDRAWN
        current.save(update_fields=["status"])
        audit_record(actor=actor, action="standard.withdraw", obj=current, reason=reason.strip())
    return current


def accreditation_grant(*, actor, standard: Standard, institution: Institution) -> Accreditation:
    _require_credit_admin(actor, standard.city)
    with transaction.atomic():
        existing = Accreditation.objects.filter(standard=standard, institution=institution, revoked_at__isnull=True)
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


def policy_update(*, actor, city: Place, **changes) -> CreditPolicy:
    _require_credit_admin(actor, city)
    policy = policy_for(city)
    errors = {}
    for field in ("culture_never_academic", "source_once_per_target"):
        if field in changes:
            if not isinstance(changes[field], bool):
                errors[field] = gettext("必须是是或否")
            else:
                setattr(policy, field, changes.pop(field))
    for field in ("points_per_hour", "points_per_credit", "star_min_points", "star_min_hours_year",
                  "star_min_credits"):
        if field in changes:
            try:
                setattr(policy, field, _number(changes.pop(field), field, minimum=Decimal("0"),
                                               maximum=Decimal("100000"), places=2))
            except DomainError as exc:
                errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    if changes:
        errors["changes"] = gettext("不能修改：%(join)s") % {"join": gettext("、").join(sorted(changes))}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        policy.save()
        audit_record(actor=actor, action="credit_policy.update", obj=policy)
        bump("credits")  # learners' points and star thresholds follow the policy (creditbank.selectors)
    return policy
