"""Writes of the credit bank. Each checks who may, validates everything before writing, and writes its audit row
in the same transaction. Every credit movement goes through `ledger.entries_append` under the account's lock.

Who may do what:
- standards, accreditations and the city's policy: city administrators;
- a learner's declarations: reviewed by expert reviewers or city administrators of the learner's city;
- conversion rules: drafted by the target institution's staff (or administrators over it), put to expert review,
  activated by an expert reviewer or city administrator, abolished by whoever may draft them;
- conversions: applied for by the learner, decided by the target institution (staff of another institution are
  refused);
- reversals: city administrators.
"""

import datetime
import hashlib
import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import LearningRecord
from learncity.core import uploads
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action, Role, scope_for
from learncity.creditbank import ledger
from learncity.creditbank.models import (
    Accreditation,
    Conversion,
    ConversionRule,
    ConversionStatus,
    CreditClass,
    CreditPolicy,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    EntryReason,
    Evidence,
    FrameworkLevel,
    LearningAccount,
    LedgerEntry,
    OpenedVia,
    Outcome,
    OutcomeUse,
    RecognitionMethod,
    RuleStatus,
    Standard,
    StandardVersion,
    TargetKind,
    Transcript,
    TranscriptWithdrawal,
    VersionStatus,
)
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile
from learncity.places.models import Place

EVIDENCE_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # and never more than LEARNCITY_MAX_UPLOAD_BYTES: see evidence_max_bytes
EVIDENCE_MAX_FILES = 5
MAX_CREDITS = Decimal("1000")


# --- shared checks ------------------------------------------------------------------------------------

def evidence_max_bytes() -> int:
    """The size an evidence file may have: 10 MB, or less when LEARNCITY_MAX_UPLOAD_BYTES says less."""
    return min(EVIDENCE_MAX_BYTES, settings.LEARNCITY_MAX_UPLOAD_BYTES)


def _number(value, field: str, *, minimum=None, maximum=None, positive=False, places=2) -> Decimal:
    if isinstance(value, (bool, float)) or value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError({field: gettext("「%(field)s」必须是数字（不能为空）") % {"field": field}})
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise DomainError({field: gettext("「%(value)s」不是数字") % {"value": value}}) from None
    if not number.is_finite() or abs(number) >= 10**8:
        raise DomainError({field: gettext("「%(value)s」不是合理的数字") % {"value": value}})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise DomainError({field: gettext("「%(value)s」最多 %(places)s 位小数") % {"value": value, "places": places}})
    if positive and number <= 0:
        raise DomainError({field: gettext("%(field)s 必须大于 0，而不是 %(value)s") % {"field": field, "value": value}})
    if minimum is not None and number < minimum:
        raise DomainError({field: gettext("%(field)s 不能小于 %(minimum)s，而不是 %(value)s") % {"field": field, "minimum": minimum, "value": value}})
    if maximum is not None and number > maximum:
        raise DomainError({field: gettext("%(field)s 不能大于 %(maximum)s，而不是 %(value)s") % {"field": field, "maximum": maximum, "value": value}})
    return number


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


def _city_of(place: Place) -> Place:
    """The city (or province-level municipality) a place belongs to."""
    from learncity.places.selectors import city_of

    city = city_of(place)
    if city is None:
        raise DomainError({"place": gettext("「%(name)s」不在任何城市之内") % {"name": place.name}})
    return city


def _is_city_admin_of(actor, place: Place) -> bool:
    scope = scope_for(actor)
    return scope.everything or (Role.CITY_ADMIN in scope.roles and scope.can_change_place(place.path))


def _require_city_admin(actor, place: Place) -> None:
    if not _is_city_admin_of(actor, place):
        raise PermissionDenied(gettext("只有本市终身教育促进委员会办公室（市级管理员）可以操作"))


def reviewer_paths(actor) -> list[str] | None:
    """The place subtrees where the actor reviews (as expert reviewer or city administrator) — only from those role
    assignments, so another role elsewhere (an auditor of the province, staff of an institution) adds nothing.
    None means everywhere (a superuser)."""
    scope = scope_for(actor)
    if scope.everything:
        return None
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(actor.role_assignments.filter(role__in=[Role.EXPERT_REVIEWER, Role.CITY_ADMIN], place__isnull=False)
                .values_list("place__path", flat=True))


def _is_reviewer_for(actor, place: Place) -> bool:
    paths = reviewer_paths(actor)
    return paths is None or any(place.path.startswith(p) for p in paths)


def _manages(actor, institution: Institution) -> bool:
    scope = scope_for(actor)
    return Institution.objects.filter(scope.institutions_q(Action.CHANGE), pk=institution.pk).exists()


def policy_for(city: Place) -> CreditPolicy:
    """The city's policy, or the defaults (unsaved) when it has none yet."""
    return CreditPolicy.objects.filter(city=city).first() or CreditPolicy(city=city)


# --- accounts -----------------------------------------------------------------------------------------

def account_open(*, actor, learner: LearnerProfile, via: str = OpenedVia.SELF,
                 institution: Institution | None = None) -> tuple[LearningAccount, bool]:
    """The learner's account, opened now if it does not exist yet; (account, opened)."""
    if via not in OpenedVia.values:
        raise DomainError({"via": gettext("未知的开户方式「%(via)s」") % {"via": via}})
    existing = LearningAccount.objects.filter(learner=learner).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        account, created = LearningAccount.objects.get_or_create(
            learner=learner, defaults={"opened_via": via, "opened_for": institution,
                                       "opened_by": actor if getattr(actor, "is_authenticated", False) else None})
        if created:
            audit_record(actor=actor, action="learning_account.open", obj=account, via=via)
    return account, created


def account_open_own(*, actor) -> LearningAccount:
    profile = LearnerProfile.objects.filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法开设学习账户")}, code="no_profile")
    return account_open(actor=actor, learner=profile, via=OpenedVia.SELF)[0]


def accounts_open_bulk(*, actor, institution_code: str, people: list[tuple[str, str]]) -> dict:
    """An institution or employer opens accounts for a list of (ID number, name) — or (row, ID number, name) from a
    file — all or nothing. Every row must name a registered resident whose name matches; the report says how many
    were opened or existed."""
    from learncity.people import idcard
    from learncity.people.services import id_number_hash

    institution = Institution.objects.filter(code=institution_code).first()
    if institution is None:
        raise NotFound(gettext("未找到机构「%(institution_code)s」") % {"institution_code": institution_code})
    if not _manages(actor, institution):
        raise PermissionDenied(gettext("只能为本机构批量开户"))
    if not people:
        raise DomainError({"file": gettext("名单为空：至少需要一行（身份证号码, 姓名）")})
    errors, hashes, seen = {}, [], {}
    numbered = [(item[0], item[1], item[2]) if len(item) == 3 else (n, item[0], item[1])
                for n, item in enumerate(people, 2)]  # (row, ID number, name): a file gives its own row numbers
    for row, id_number, name in numbered:
        try:
            number = idcard.parse(id_number).number
        except DomainError as exc:
            errors[f"第{row}行"] = " ".join(m for v in exc.errors.values() for m in v)
            continue
        digest = id_number_hash(number)
        if digest in seen:
            errors[f"第{row}行"] = gettext("与第%(v)s行重复") % {"v": seen[digest]}
            continue
        seen[digest] = row
        hashes.append((row, digest, (name or "").strip()))
    profiles = {p.id_number_hash: p for p in LearnerProfile.objects.filter(id_number_hash__in=[h for _, h, _ in hashes])}
    for row, digest, name in hashes:
        p = profiles.get(digest)
        if p is None or (name and p.name != name):  # one message: the page must not tell who is a resident
            errors[f"第{row}行"] = gettext("身份证号码与姓名不符，或不是登记的居民")
    if errors:
        raise DomainError(errors)
    opened = existed = 0
    with transaction.atomic():
        for _, digest, _ in hashes:
            _, created = account_open(actor=actor, learner=profiles[digest], via=OpenedVia.BULK, institution=institution)
            opened += created
            existed += not created
        audit_record(actor=actor, action="learning_account.open_bulk", obj=institution, opened=opened, existed=existed)
    return {"opened": opened, "existed": existed}


# --- standards and accreditation --------------------------------------------------------------------

_STANDARD_FIELDS = ("name", "credit_class", "level", "credits", "hours_per_credit", "min_hours", "min_score",
                    "evidence", "record_kinds", "course_kinds", "effective_from")


def _validate_standard(data: dict) -> dict:
    from learncity.catalog.models import CourseKind, RecordKind

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
    _require_city_admin(actor, city)
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
    visible = Institution.objects.filter(scope_for(actor).institutions_q(Action.VIEW))
    found = {i.code: i for i in visible.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        errors["providers"] = gettext("未找到机构：%(join)s") % {"join": gettext("、").join(missing)}
    return [found[c] for c in dict.fromkeys(codes) if c in found]


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def standard_revise(*, actor, standard: Standard, **changes) -> StandardVersion:
    """A change makes a new version; the active one is superseded. Outcomes keep the version they were
    recognised under."""
    _require_city_admin(actor, standard.city)
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
    _require_city_admin(actor, standard.city)
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
    _require_city_admin(actor, standard.city)
    with transaction.atomic():
        existing = Accreditation.objects.filter(standard=standard, institution=institution, revoked_at__isnull=True)
        if existing.exists():
            raise DomainError({"institution": gettext("%(name)s 已是「%(code)s」的认证机构") % {"name": institution.name, "code": standard.code}})
        acc = Accreditation.objects.create(standard=standard, institution=institution, granted_by=_user(actor))
        audit_record(actor=actor, action="accreditation.grant", obj=acc)
    return acc


def accreditation_revoke(*, actor, accreditation: Accreditation) -> Accreditation:
    _require_city_admin(actor, accreditation.standard.city)
    if accreditation.revoked_at is not None:
        raise DomainError({"accreditation": gettext("该认证资格已撤销")})
    with transaction.atomic():
        accreditation.revoked_at = timezone.now()
        accreditation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="accreditation.revoke", obj=accreditation)
    return accreditation


def policy_update(*, actor, city: Place, **changes) -> CreditPolicy:
    _require_city_admin(actor, city)
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


# --- recognition --------------------------------------------------------------------------------------

def _match_version(record: LearningRecord) -> StandardVersion | None:
    """The standard version a learning record is recognised under: the one its course names, else the active
    standard whose record and course kinds match, that the provider is accredited for (the most specific — with
    course kinds — first, then by code). A course that names a withdrawn standard is an error."""
    course = record.course
    if course is not None and course.outcome_standard_code:
        standard = Standard.objects.filter(code=course.outcome_standard_code).first()
        if standard is None:
            raise DomainError({"standard": gettext("课程所对应的认证标准「%(outcome_standard_code)s」不存在") % {"outcome_standard_code": course.outcome_standard_code}})
        version = standard.versions.filter(status=VersionStatus.ACTIVE).select_related("level").first()
        if version is None:
            raise DomainError({"standard": gettext("认证标准「%(code)s」已撤销，不能再据此认定") % {"code": standard.code}})
        return version
    candidates = (StandardVersion.objects.filter(status=VersionStatus.ACTIVE, record_kinds__contains=f",{record.kind},",
                                                 standard__accreditations__institution=record.provider_id,
                                                 standard__accreditations__revoked_at__isnull=True)
                  .filter(Q(course_kinds="") | Q(course_kinds__contains=f",{record.course_kind or '-'},"))
                  .select_related("standard", "level").order_by("standard__code"))
    found = sorted(candidates, key=lambda v: (not v.course_kinds, v.standard.code))
    return found[0] if found else None


def record_recognise(*, actor, record: LearningRecord) -> Outcome:
    """Recognise a learning record: from a provider accredited for the matching standard, meeting its hours and
    score, it becomes an outcome and a ledger entry. Idempotent: a record is recognised once."""
    existing = Outcome.objects.filter(learning_record=record).first()
    if existing is not None:
        return existing
    version = _match_version(record)
    if version is None:
        raise DomainError({"standard": gettext("没有与该学习记录（%(get_kind_display)s）对应的现行认证标准") % {"get_kind_display": record.get_kind_display()}})
    if not Accreditation.objects.filter(standard=version.standard_id, institution=record.provider_id,
                                        revoked_at__isnull=True).exists():
        raise DomainError({"provider": gettext("%(name)s 不是「%(code)s」的认证机构") % {"name": record.provider.name, "code": version.standard.code}})
    if record.hours < version.min_hours:
        raise DomainError({"hours": gettext("学时 %(hours)s 少于标准要求的 %(min_hours)s") % {"hours": record.hours, "min_hours": version.min_hours}})
    if version.min_score is not None and (record.score is None or record.score < version.min_score):
        raise DomainError({"score": gettext("成绩 %(v)s 低于标准要求的 %(min_score)s") % {"v": record.score if record.score is not None else gettext("（无）"), "min_score": version.min_score}})
    if record.date < version.effective_from:
        raise DomainError({"date": gettext("学习日期 %(date)s 早于标准 v%(version)s 的生效日期 %(effective_from)s") % {"date": record.date, "version": version.version, "effective_from": version.effective_from}})
    credits = version.credits_for(record.hours)
    if credits <= 0:
        raise DomainError({"hours": gettext("学时 %(hours)s 不足以获得学分（每 %(hours_per_credit)s 学时 1 学分）") % {"hours": record.hours, "hours_per_credit": version.hours_per_credit}})
    with transaction.atomic():
        account, _ = account_open(actor=actor, learner=record.learner, via=OpenedVia.AUTO, institution=record.provider)
        account = ledger.lock_account(account.pk)
        if Outcome.objects.filter(learning_record=record).exists():  # recognised while we waited for the lock
            return Outcome.objects.get(learning_record=record)
        outcome = Outcome.objects.create(
            account=account, standard_version=version, learning_record=record, method=RecognitionMethod.AUTO,
            title=record.title, provider=record.provider, provider_name=record.provider.name, date=record.date,
            hours=record.hours, score=record.score, credit_class=version.credit_class, credits=credits,
            basis=f"认证机构 {record.provider.name} 的{record.get_kind_display()}记录，符合标准 "
                  f"{version.standard.code} v{version.version}《{version.name}》",
            recognised_at=timezone.now(), recognised_by=_user(actor))
        ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
            credit_class=version.credit_class, amount=credits, reason=EntryReason.RECOGNITION, outcome_id=outcome.pk)])
        audit_record(actor=actor, action="outcome.recognise", obj=outcome, record=record.pk, credits=str(credits))
    return outcome


def record_recognise_auto(*, actor, record: LearningRecord) -> Outcome | None:
    """Called for every new learning record: opens the learner's account (at the first record) and recognises
    the record when a standard matches; a record that earns nothing is still kept as learning."""
    with transaction.atomic():
        account_open(actor=actor, learner=record.learner, via=OpenedVia.AUTO, institution=record.provider)
        try:
            with transaction.atomic():
                return record_recognise(actor=actor, record=record)
        except DomainError:
            return None


# --- declarations and review --------------------------------------------------------------------------

def _sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def declaration_submit(*, actor, standard_code: str, kind: str, title: str, issuer: str, date, hours=0, score=None,
                       note: str = "", files: list[tuple[str, bytes]] = ()) -> Declaration:
    """A learner declares an outcome with evidence (PDF, JPEG or PNG; at least one file); it waits for review."""
    profile = LearnerProfile.objects.filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法申报学习成果")}, code="no_profile")
    errors = {}
    standard = Standard.objects.filter(code=(standard_code or "").strip()).first()
    version = standard.versions.filter(status=VersionStatus.ACTIVE).first() if standard else None
    if not (standard_code or "").strip():
        errors["standard"] = gettext("请选择申请认定的标准")
    elif standard is None:
        errors["standard"] = gettext("认证标准「%(code)s」不存在") % {"code": standard_code.strip()[:40]}
    elif version is None:
        errors["standard"] = gettext("认证标准「%(code)s」已撤销，不能再申报") % {"code": standard.code}
    if kind not in DeclarationKind.values:
        errors["kind"] = gettext("未知的成果类型「%(kind)s」") % {"kind": kind}
    title, issuer = (title or "").strip(), (issuer or "").strip()
    if not title or len(title) > 200:
        errors["title"] = gettext("成果名称不能为空，且不超过 200 个字")
    if not issuer or len(issuer) > 128:
        errors["issuer"] = gettext("发证或培训单位不能为空，且不超过 128 个字")
    try:
        date = _date(date, "date")
        if date > timezone.localdate():
            errors["date"] = gettext("取得日期 %(date)s 在未来") % {"date": date}
        elif date < profile.birth_date:
            errors["date"] = gettext("取得日期 %(date)s 早于出生日期") % {"date": date}
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    for field, value, kwargs in (("hours", hours if hours not in (None, "") else "0",
                                  {"minimum": Decimal("0"), "maximum": Decimal("2000"), "places": 1}),
                                 ("score", score, {"minimum": Decimal("0"), "maximum": Decimal("100"), "places": 1})):
        if field == "score" and value in (None, ""):
            score = None
            continue
        try:
            number = _number(value, field, **kwargs)
            if field == "hours":
                hours = number
            else:
                score = number
        except DomainError as exc:
            errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    files = list(files or [])
    if not files:
        errors["evidence"] = gettext("申报学习成果必须上传至少一份证明材料（PDF、JPG 或 PNG）")
    elif len(files) > EVIDENCE_MAX_FILES:
        errors["evidence"] = gettext("证明材料最多 %(EVIDENCE_MAX_FILES)s 份") % {"EVIDENCE_MAX_FILES": EVIDENCE_MAX_FILES}
    checked = []
    for name, content in files:
        mime = _sniff(content or b"")
        if not content:
            errors["evidence"] = gettext("文件「%(name)s」是空的") % {"name": name}
        elif len(content) > evidence_max_bytes():
            errors["evidence"] = uploads.too_big(len(content), limit=evidence_max_bytes(), name=name).summary
        elif mime is None:
            errors["evidence"] = gettext("文件「%(name)s」不是 PDF、JPG 或 PNG") % {"name": name}
        else:
            checked.append((name[:200], mime, content))
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        account, _ = account_open(actor=actor, learner=profile, via=OpenedVia.SELF)
        declaration = Declaration.objects.create(account=account, standard=standard, kind=kind, title=title,
                                                 issuer=issuer, date=date, hours=hours, score=score,
                                                 note=(note or "").strip()[:500])
        for name, mime, content in checked:
            Evidence.objects.create(declaration=declaration, name=name, content_type=mime, size=len(content),
                                    sha256=hashlib.sha256(content).hexdigest(), content=content)
        audit_record(actor=actor, action="declaration.submit", obj=declaration, standard=standard.code)
    return declaration


def declaration_review(*, actor, declaration: Declaration, approve: bool, reason: str) -> Declaration:
    """Approve or reject a declaration, always with a reason the learner reads. Approval recognises it under the
    standard's active version and credits the account."""
    learner = declaration.account.learner
    if not _is_reviewer_for(actor, learner.residence):
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
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
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


def outcome_reverse(*, actor, outcome: Outcome, reason: str) -> LedgerEntry:
    """Correct a recognition by a reversal entry (never an edit). An outcome that an approved conversion used
    cannot be reversed until that conversion is."""
    _require_city_admin(actor, _city_of(outcome.account.learner.residence))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": gettext("冲正必须写明理由")})
    with transaction.atomic():
        account = ledger.lock_account(outcome.account_id)
        original = LedgerEntry.objects.filter(outcome=outcome, reason=EntryReason.RECOGNITION).first()
        if original is None:
            raise DomainError({"outcome": gettext("该成果没有认定记账")})
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise DomainError({"outcome": gettext("该成果已冲正")})
        if OutcomeUse.objects.filter(outcome=outcome).exclude(
                conversion__entries__reason=EntryReason.REVERSAL).exists():
            raise DomainError({"outcome": gettext("该成果已用于学分转换，须先冲正相应的转换")})
        entry, = ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
            credit_class=original.credit_class, amount=-original.amount, reason=EntryReason.REVERSAL,
            outcome_id=outcome.pk, reverses_id=original.pk, memo=reason[:200])])
        audit_record(actor=actor, action="outcome.reverse", obj=outcome, reason=reason)
    return entry


# --- conversion rules -----------------------------------------------------------------------------------

def _overlapping(rule_id, source_ids, target_key: str, start: datetime.date, end: datetime.date | None):
    """Rules (not abolished before they began, and not this one) sharing a source standard and the target, whose
    validity window [effective_from, abolished_on) overlaps [start, end)."""
    institution_id, kind, name = target_key.split("|", 2)
    q = ConversionRule.objects.filter(sources__in=source_ids, target_institution_id=int(institution_id),
                                      target_kind=kind, target_name=name).exclude(pk=rule_id)
    q = q.filter(Q(abolished_on__isnull=True) | Q(abolished_on__gt=start))
    if end is not None:
        q = q.filter(effective_from__lt=end)
    return q.distinct()


def rule_create(*, actor, code: str, name: str, source_codes: list[str], target_institution_code: str,
                target_kind: str, target_name: str, target_class: str, ratio, cap_per_learner, effective_from,
                abolished_on=None, min_score=None) -> ConversionRule:
    """Draft a conversion rule. Refused when another rule for a same source and the same target has a validity
    window that overlaps this one, or when the city's policy forbids the conversion outright."""
    errors = {}
    code, name, target_name = (code or "").strip(), (name or "").strip(), (target_name or "").strip()
    if not code or len(code) > 40 or any(c.isspace() for c in code):
        errors["code"] = gettext("规则代码不能为空、不含空格，且不超过 40 个字符")
    elif ConversionRule.objects.filter(code=code).exists():
        errors["code"] = gettext("规则代码「%(code)s」已存在") % {"code": code}
    if not name or len(name) > 200:
        errors["name"] = gettext("规则名称不能为空，且不超过 200 个字")
    if not target_name or len(target_name) > 128:
        errors["target_name"] = gettext("目标专业、课程或证书名称不能为空")
    institution = Institution.objects.filter(code=(target_institution_code or "").strip()).first()
    if institution is None:
        errors["target_institution"] = gettext("未找到机构「%(target_institution_code)s」") % {"target_institution_code": target_institution_code}
    elif not _manages(actor, institution):
        raise PermissionDenied(gettext("只能为本机构（或所辖机构）制定转换规则"))
    if target_kind not in TargetKind.values:
        errors["target_kind"] = gettext("未知的目标类型「%(target_kind)s」") % {"target_kind": target_kind}
    if target_class not in CreditClass.values:
        errors["target_class"] = gettext("未知的学分类别「%(target_class)s」") % {"target_class": target_class}
    source_codes = [c.strip() for c in (source_codes or []) if c and c.strip()]
    sources = list(Standard.objects.filter(code__in=source_codes))
    if not source_codes:
        errors["sources"] = gettext("至少需要一个来源标准")
    elif len(sources) != len(set(source_codes)):
        missing = set(source_codes) - {s.code for s in sources}
        errors["sources"] = gettext("未找到认证标准：%(join)s") % {"join": gettext("、").join(sorted(missing))}
    numbers = {}
    for field, value, kwargs in (("ratio", ratio, {"positive": True, "maximum": Decimal("10"), "places": 3}),
                                 ("cap_per_learner", cap_per_learner, {"positive": True, "maximum": MAX_CREDITS}),
                                 ("min_score", min_score, {"minimum": Decimal("0"), "maximum": Decimal("100"),
                                                           "places": 1})):
        if field == "min_score" and value in (None, ""):
            numbers[field] = None
            continue
        try:
            numbers[field] = _number(value, field, **kwargs)
        except DomainError as exc:
            errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    try:
        start = _date(effective_from, "effective_from")
        end = _date(abolished_on, "abolished_on") if abolished_on not in (None, "") else None
        if end is not None and end <= start:
            errors["abolished_on"] = gettext("废止日期 %(end)s 必须晚于生效日期 %(start)s") % {"end": end, "start": start}
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
        start = end = None
    if not errors and institution is not None:
        city = _city_of(institution.place)
        policy = policy_for(city)
        if (policy.culture_never_academic and target_class == CreditClass.ACADEMIC
                and StandardVersion.objects.filter(standard__in=sources, status=VersionStatus.ACTIVE,
                                                   credit_class=CreditClass.CULTURE).exists()):
            errors["sources"] = gettext("按本市政策，文化休闲类学分不得转换为学历教育学分")
        key = f"{institution.pk}|{target_kind}|{target_name}"
        clash = _overlapping(None, [s.pk for s in sources], key, start, end).first()
        if clash is not None:
            errors["effective_from"] = (gettext("与规则「%(code)s」的有效期重叠（同一来源标准、同一目标：%(effective_from)s 至 %(v)s）") % {"code": clash.code, "effective_from": clash.effective_from, "v": clash.abolished_on or gettext("长期")})
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        rule = ConversionRule.objects.create(
            code=code, name=name, target_institution=institution, target_kind=target_kind, target_name=target_name,
            target_class=target_class, ratio=numbers["ratio"], cap_per_learner=numbers["cap_per_learner"],
            min_score=numbers["min_score"], effective_from=start, abolished_on=end, created_by=_user(actor))
        rule.sources.set(sources)
        audit_record(actor=actor, action="conversion_rule.create", obj=rule)
    return rule


def rule_submit(*, actor, rule: ConversionRule) -> ConversionRule:
    """Draft → expert review."""
    if not _manages(actor, rule.target_institution):
        raise PermissionDenied(gettext("只能提交本机构的转换规则"))
    return _rule_move(actor, rule, RuleStatus.DRAFT, RuleStatus.REVIEW, "")


def rule_review(*, actor, rule: ConversionRule, approve: bool, note: str) -> ConversionRule:
    """An expert reviewer (or city administrator) activates the rule, or sends it back to draft with a note."""
    if not _is_reviewer_for(actor, rule.target_institution.place):
        raise PermissionDenied(gettext("只有本市的评审专家或市级管理员可以评审转换规则"))
    if not (note or "").strip():
        raise DomainError({"note": gettext("评审意见不能为空")})
    with transaction.atomic():
        if approve:  # under the target institution's lock, so two overlapping rules cannot both be activated at once
            Institution.objects.select_for_update().get(pk=rule.target_institution_id)
            clash = _overlapping(rule.pk, list(rule.sources.values_list("pk", flat=True)), rule.target_key,
                                 rule.effective_from, rule.abolished_on).filter(status=RuleStatus.ACTIVE).first()
            if clash is not None:
                raise DomainError({"effective_from": gettext("与生效中的规则「%(code)s」有效期重叠") % {"code": clash.code}})
        return _rule_move(actor, rule, RuleStatus.REVIEW, RuleStatus.ACTIVE if approve else RuleStatus.DRAFT,
                          note.strip())


def rule_abolish(*, actor, rule: ConversionRule, on: datetime.date | None = None) -> ConversionRule:
    if not (_manages(actor, rule.target_institution) or _is_city_admin_of(actor, rule.target_institution.place)):
        raise PermissionDenied(gettext("只能废止本机构的转换规则"))
    on = _date(on or timezone.localdate(), "abolished_on")
    if on < rule.effective_from:
        raise DomainError({"abolished_on": gettext("废止日期不能早于生效日期 %(effective_from)s") % {"effective_from": rule.effective_from}})
    with transaction.atomic():
        rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
        if rule.status == RuleStatus.ABOLISHED:
            raise DomainError({"status": gettext("该规则已废止")})
        rule.status, rule.abolished_on = RuleStatus.ABOLISHED, on
        rule.save(update_fields=["status", "abolished_on"])
        audit_record(actor=actor, action="conversion_rule.abolish", obj=rule, on=str(on))
    return rule


def _rule_move(actor, rule: ConversionRule, source: str, target: str, note: str) -> ConversionRule:
    with transaction.atomic():
        rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
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


# --- conversions ----------------------------------------------------------------------------------------

def _conversion_check(account: LearningAccount, rule: ConversionRule, outcomes: list[Outcome],
                      today: datetime.date) -> tuple[Decimal, Decimal]:
    """(credits in, credits out), or a DomainError saying which cap, policy or window it breaks."""
    if rule.status != RuleStatus.ACTIVE:
        raise DomainError({"rule": gettext("转换规则「%(code)s」不在生效状态（%(get_status_display)s）") % {"code": rule.code, "get_status_display": rule.get_status_display()}})
    if today < rule.effective_from or (rule.abolished_on is not None and today >= rule.abolished_on):
        raise DomainError({"rule": gettext("转换规则「%(code)s」不在有效期内（%(effective_from)s 至 %(v)s）") % {"code": rule.code, "effective_from": rule.effective_from, "v": rule.abolished_on or gettext("长期")}})
    if not outcomes:
        raise DomainError({"outcomes": gettext("请选择至少一项学习成果")})
    policy = policy_for(_city_of(account.learner.residence))
    source_ids = set(rule.sources.values_list("pk", flat=True))
    reversed_ids = set(LedgerEntry.objects.filter(outcome__in=outcomes, reason=EntryReason.REVERSAL)
                       .values_list("outcome_id", flat=True))
    used = set(OutcomeUse.objects.filter(outcome__in=outcomes, target_key=rule.target_key)
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
    converted = Decimal(str(LedgerEntry.objects.filter(account=account, conversion__rule=rule)
                            .aggregate(s=Sum("amount"))["s"] or 0)).quantize(Decimal("0.01"))
    if converted + credits_out > rule.cap_per_learner:
        raise DomainError({"outcomes": [gettext("超过规则「%(code)s」每人 %(cap_per_learner)s 学分的上限：已转换 %(converted)s，本次 %(credits_out)s") % {"code": rule.code, "cap_per_learner": rule.cap_per_learner, "converted": converted, "credits_out": credits_out}]})
    if credits_out <= 0:
        raise DomainError({"outcomes": [gettext("转换后的学分为 0")]})
    return credits_in, credits_out


def conversion_apply(*, actor, rule: ConversionRule, outcome_ids: list[int]) -> Conversion:
    """A learner applies to convert outcomes by a rule; the target institution decides."""
    profile = LearnerProfile.objects.filter(user=actor).first() if getattr(actor, "is_authenticated", False) else None
    account = LearningAccount.objects.filter(learner=profile).first() if profile else None
    if account is None:
        raise DomainError({"account": gettext("您还没有学习账户")})
    rule = ConversionRule.objects.get(pk=rule.pk)  # as it is now, not as the caller last saw it
    try:
        ids = list(dict.fromkeys(int(i) for i in outcome_ids or []))
    except (TypeError, ValueError):
        raise DomainError({"outcomes": gettext("成果编号必须是整数")}) from None
    outcomes = list(Outcome.objects.filter(pk__in=ids, account=account).select_related("standard_version"))
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
        conversion = Conversion.objects.select_for_update().get(pk=conversion.pk)
        rule = ConversionRule.objects.select_for_update().get(pk=conversion.rule_id)
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
    if not (_manages(actor, rule.target_institution) or _is_city_admin_of(actor, rule.target_institution.place)):
        raise PermissionDenied(gettext("只有目标机构或市级管理员可以冲正转换"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": gettext("冲正必须写明理由")})
    with transaction.atomic():
        account = ledger.lock_account(conversion.account_id)
        original = LedgerEntry.objects.filter(conversion=conversion, reason=EntryReason.CONVERSION).first()
        if original is None:
            raise DomainError({"conversion": gettext("该转换尚未批准，没有可冲正的记账")})
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise DomainError({"conversion": gettext("该转换已冲正")})
        entry, = ledger.entries_append(account=account, actor=actor, movements=[ledger.Movement(
            credit_class=original.credit_class, amount=-original.amount, reason=EntryReason.REVERSAL,
            conversion_id=conversion.pk, reverses_id=original.pk, memo=reason[:200])])
        audit_record(actor=actor, action="conversion.reverse", obj=conversion, reason=reason)
    return entry


# --- transcripts ------------------------------------------------------------------------------------------

def transcript_withdraw(*, actor, token: str, reason: str = "") -> Transcript:
    """Withdraw an issued transcript (a copy handed to someone who should no longer rely on it, a lost one): its
    public verification page then says it no longer holds, and since when. Its owner may, and whoever may issue
    one for that learner. Once only: a TranscriptWithdrawal beside it (the transcript itself is append-only)."""
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise DomainError({"reason": gettext("撤回原因不能超过 200 个字")})
    with transaction.atomic():
        transcript = (Transcript.objects.select_for_update(of=("self",)).filter(token=(token or "").strip())
                      .select_related("account__learner__residence").first())
        if transcript is None:
            raise NotFound(gettext("未找到该学习成果证明"))
        learner = transcript.account.learner
        scope = scope_for(actor)
        own = learner.user_id is not None and learner.user_id == getattr(actor, "pk", None)
        if not (own or scope.everything or scope.can_manage_people_at(learner.residence.path)):
            raise NotFound(gettext("未找到该学习成果证明"))  # (another's: not even whether it exists)
        earlier = TranscriptWithdrawal.objects.filter(transcript=transcript).first()
        if earlier is not None:
            raise DomainError({"token": gettext("该证明已于 %(localtime)s 撤回") % {"localtime": format(timezone.localtime(earlier.withdrawn_at), "%Y-%m-%d %H:%M")}})
        TranscriptWithdrawal.objects.create(transcript=transcript, withdrawn_at=timezone.now(), withdrawn_by=_user(actor),
                                            reason=reason)
        audit_record(actor=actor, action="transcript.withdraw", obj=transcript, reason=reason)
    return transcript


def transcript_issue(*, actor, account: LearningAccount, base_url: str = "") -> Transcript:
    """Freeze what the transcript states (with the ledger head it was issued at) so the public verification page
    can show it and say whether it still holds."""
    from learncity.creditbank.selectors import transcript_content

    scope = scope_for(actor)
    learner = account.learner
    own = learner.user_id is not None and learner.user_id == getattr(actor, "pk", None)
    if not (own or scope.everything or scope.can_manage_people_at(learner.residence.path)):
        raise PermissionDenied(gettext("只能为本人或所辖居民出具学习成果证明"))
    with transaction.atomic():
        account = ledger.lock_account(account.pk)
        content = transcript_content(account)
        canonical = _canonical(content)
        transcript = Transcript.objects.create(
            token=_transcript_token(), account=account, issued_at=timezone.now(), issued_by=_user(actor),
            head_seq=account.head_seq, head_hash=account.head_hash, content=content,
            digest=hashlib.sha256(canonical.encode()).hexdigest())
        audit_record(actor=actor, action="transcript.issue", obj=transcript)
    return transcript


_TOKEN_ALPHABET = string.ascii_letters + string.digits


def _transcript_token() -> str:
    """24 letters and digits (143 bits): no "-" or "_", which a printed footer may end a line on and a reader (or
    pdftotext) may then drop as a hyphenation. Tokens issued before (token_urlsafe) still verify."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(24))


def _canonical(content: dict) -> str:
    import json

    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
