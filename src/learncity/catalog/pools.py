"""Writes to the people pools of the learning platform: teachers (师资库), textbooks (教材库), experts (专家库) and
volunteers (志愿者库) with their service hours. Each checks scope, validates, writes and audits in one transaction.

Who may change what (the reads are in pool_selectors, which shares these rules):

| pool       | changed by                                                                                          |
|------------|-----------------------------------------------------------------------------------------------------|
| teachers   | whoever may change one of the teacher's institutions; institutions outside the actor's scope stay   |
| textbooks  | a shared library without an owner: anyone who manages an institution adds books; a book that courses |
|            | use is changed only by someone who manages every institution using it                               |
| experts    | city admins (the expert's city is inside their CHANGE scope)                                         |
| volunteers | whoever may change the volunteer's institution; hours are recorded at an institution they manage    |

A volunteer's service hours are also learning: each service entry makes a learning record (kind volunteering,
external id `volunteer-service-<id>`) through `services.learning_record_create`, in the same transaction.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import (
    Expert,
    ExpertKind,
    RecordKind,
    RecordSource,
    Teacher,
    TeacherKind,
    Textbook,
    Volunteer,
    VolunteerService,
)
from learncity.catalog.pool_selectors import expert_cities, textbook_list, volunteer_list
from learncity.catalog.selectors import ANYONE
from learncity.catalog.services import learning_record_create
from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people import idcard
from learncity.people.models import LearnerProfile
from learncity.people.services import id_number_hash
from learncity.places.models import Place, PlaceLevel

MAX_DAY_HOURS = Decimal("24")
MIN_SERVICE_HOURS = Decimal("0.5")  # as VolunteerService.hours declares


# --- shared checks ------------------------------------------------------------------------------------

def _text(data: dict, errors: dict, field: str, label: str, max_length: int, *, required: bool = False) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        errors[field] = gettext("%(label)s不能为空") % {"label": label}
    elif len(value) > max_length:
        errors[field] = gettext("%(label)s不能超过 %(max_length)s 个字（现为 %(value)s 个）") % {"label": label, "max_length": max_length, "value": len(value)}
    return value


def _require_pool_manager(actor) -> None:
    """Only those who manage an institution (staff, district and city admins) keep the pools."""
    if not Institution.objects.restrict(actor, Action.CHANGE).exists():
        raise PermissionDenied(gettext("只有机构工作人员和管理员可以管理师资、教材和志愿者 (permission denied)"))


def _managed_institutions_by_code(actor, codes, field: str) -> list[Institution]:
    """The institutions named by `codes`, each of which the actor must be able to change."""
    codes = [str(c).strip() for c in dict.fromkeys(codes or []) if str(c).strip()]
    if not codes:
        raise DomainError({field: gettext("至少选择一个任教机构")})
    found = {i.code: i for i in Institution.objects.restrict(ANYONE, Action.BROWSE).filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise DomainError({field: gettext("未知的机构代码：") + gettext("、").join(unknown)})
    managed = set(Institution.objects.restrict(actor, Action.CHANGE).filter(code__in=codes).values_list("code", flat=True))
    outside = [found[c].name for c in codes if c not in managed]
    if outside:
        raise PermissionDenied(gettext("您无权管理这些机构的师资：") + gettext("、").join(outside))
    return [found[c] for c in codes]


def _institution_managed(actor, code, field: str = "institution_code") -> Institution:
    code = str(code or "").strip()
    institution = Institution.objects.restrict(ANYONE, Action.BROWSE).filter(code=code).first() if code else None
    if institution is None:
        raise DomainError({field: gettext("未知的机构代码「%(code)s」") % {"code": code} if code else gettext("请选择机构")})
    if not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(gettext("您无权管理「%(name)s」") % {"name": institution.name})
    return institution


def _check_unknown(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise DomainError({f: gettext("不能修改此字段") for f in sorted(unknown)})


# --- teachers -----------------------------------------------------------------------------------------

TEACHER_FIELDS = ("name", "kind", "specialities", "institution_codes")


def _validate_teacher(data: dict) -> dict:
    errors: dict = {}
    clean = {"name": _text(data, errors, "name", gettext("姓名"), 64, required=True),
             "specialities": _text(data, errors, "specialities", gettext("专长"), 200)}
    kind = data.get("kind")
    if kind not in TeacherKind.values:
        errors["kind"] = gettext("未知的教师类别「%(kind)s」，应为：") % {"kind": kind} + gettext("、").join(gettext("%(v)s（%(label)s）") % {"v": v, "label": label} for v, label in
                                                                  TeacherKind.choices)
    clean["kind"] = kind
    if errors:
        raise DomainError(errors)
    return clean


def teacher_create(*, actor, name: str, kind: str, institution_codes: list[str], specialities: str = "") -> Teacher:
    """Add a teacher to the pool, teaching at one or more institutions the actor manages."""
    _require_pool_manager(actor)
    data = _validate_teacher({"name": name, "kind": kind, "specialities": specialities})
    institutions = _managed_institutions_by_code(actor, institution_codes, "institution_codes")
    with transaction.atomic():
        teacher = Teacher.objects.create(**data)
        teacher.institutions.set(institutions)
        audit_record(actor=actor, action="teacher.create", obj=teacher, institutions=[i.code for i in institutions])
    return teacher


def teacher_update(*, actor, teacher: Teacher, **changes) -> Teacher:
    """Change a teacher of an institution the actor manages. `institution_codes`, if given, replaces the
    teacher's institutions inside the actor's scope (at least one); those outside it are kept."""
    _check_unknown(changes, TEACHER_FIELDS)
    managed = Institution.objects.restrict(actor, Action.CHANGE)
    if not teacher.institutions.filter(pk__in=managed.values("pk")).exists():
        raise PermissionDenied(gettext("只有任教机构的工作人员或其上级管理员可以修改该教师 (not your institution)"))
    new_institutions = None
    if "institution_codes" in changes:
        new_institutions = _managed_institutions_by_code(actor, changes.pop("institution_codes"), "institution_codes")
    with transaction.atomic():
        locked = Teacher.objects.select_for_update().get(pk=teacher.pk)
        merged = {f: getattr(locked, f) for f in ("name", "kind", "specialities")} | changes
        data = _validate_teacher(merged)
        for f, v in data.items():
            setattr(locked, f, v)
        locked.save()
        if new_institutions is not None:
            kept = list(locked.institutions.exclude(pk__in=managed.values("pk")))
            locked.institutions.set(kept + new_institutions)
        audit_record(actor=actor, action="teacher.update", obj=locked,
                     changed=sorted([*changes, *(["institution_codes"] if new_institutions is not None else [])]))
    return locked


# --- textbooks ----------------------------------------------------------------------------------------

TEXTBOOK_FIELDS = ("title", "authors", "publisher", "isbn", "topic")


def isbn_check(raw: str) -> str:
    """A well-formed ISBN-10 or ISBN-13 (hyphens or spaces allowed, kept as hyphens), or DomainError on `isbn`."""
    text = (raw or "").strip().upper()
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        values = [int(d) for d in digits[:9]] + [10 if digits[9] == "X" else int(digits[9])]
        valid = sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0
    elif len(digits) == 13 and digits.isdigit():
        if not digits.startswith(("978", "979")):
            raise DomainError({"isbn": gettext("ISBN「%(raw)s」不正确：13 位 ISBN 应以 978 或 979 开头") % {"raw": raw}})
        valid = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    else:
        raise DomainError({"isbn": gettext("ISBN「%(raw)s」不正确：应为 10 位或 13 位数字（可含连字符，10 位的末位可为 X）") % {"raw": raw}})
    if not valid:
        raise DomainError({"isbn": gettext("ISBN「%(raw)s」的校验位不正确，请核对") % {"raw": raw}})
    normalised = "-".join(part for part in text.replace(" ", "-").split("-") if part)
    if len(normalised) > 17:
        raise DomainError({"isbn": gettext("ISBN「%(raw)s」的连字符过多") % {"raw": raw}})
    return normalised


def _validate_textbook(data: dict) -> dict:
    errors: dict = {}
    clean = {"title": _text(data, errors, "title", gettext("书名"), 200, required=True),
             "authors": _text(data, errors, "authors", gettext("作者"), 200),
             "publisher": _text(data, errors, "publisher", gettext("出版社"), 100),
             "topic": _text(data, errors, "topic", gettext("主题"), 64)}
    isbn = str(data.get("isbn") or "").strip()
    if isbn:
        try:
            isbn = isbn_check(isbn)
        except DomainError as exc:
            errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    clean["isbn"] = isbn
    if errors:
        raise DomainError(errors)
    return clean


def textbook_create(*, actor, title: str, authors: str = "", publisher: str = "", isbn: str = "",
                    topic: str = "") -> Textbook:
    _require_pool_manager(actor)
    data = _validate_textbook({"title": title, "authors": authors, "publisher": publisher, "isbn": isbn,
                               "topic": topic})
    with transaction.atomic():
        textbook = Textbook.objects.create(**data)
        audit_record(actor=actor, action="textbook.create", obj=textbook, isbn=textbook.isbn)
    return textbook


def textbook_update(*, actor, textbook: Textbook, **changes) -> Textbook:
    _check_unknown(changes, TEXTBOOK_FIELDS)
    if not textbook_list(actor=actor, action=Action.CHANGE).filter(pk=textbook.pk).exists():
        raise PermissionDenied(gettext("该教材被您管理范围以外的课程使用，不能修改 (used by courses outside your scope)"))
    with transaction.atomic():
        locked = Textbook.objects.select_for_update().get(pk=textbook.pk)
        data = _validate_textbook({f: getattr(locked, f) for f in TEXTBOOK_FIELDS} | changes)
        for f, v in data.items():
            setattr(locked, f, v)
        locked.save()
        audit_record(actor=actor, action="textbook.update", obj=locked, changed=sorted(changes))
    return locked


# --- experts ------------------------------------------------------------------------------------------

EXPERT_FIELDS = ("name", "kind", "specialities", "organisation")


def _validate_expert(data: dict) -> dict:
    errors: dict = {}
    clean = {"name": _text(data, errors, "name", gettext("姓名"), 64, required=True),
             "specialities": _text(data, errors, "specialities", gettext("专长"), 200),
             "organisation": _text(data, errors, "organisation", gettext("单位"), 128)}
    kind = data.get("kind")
    if kind not in ExpertKind.values:
        errors["kind"] = gettext("未知的专家类别「%(kind)s」，应为：") % {"kind": kind} + gettext("、").join(gettext("%(v)s（%(label)s）") % {"v": v, "label": label} for v, label in
                                                                  ExpertKind.choices)
    clean["kind"] = kind
    if errors:
        raise DomainError(errors)
    return clean


def _expert_city(actor, city_code: str | None) -> Place:
    cities = expert_cities(actor)
    if not city_code:
        if len(cities) != 1:
            raise DomainError({"city_code": gettext("请指定专家所属城市的区划代码")})
        return cities[0]
    city = Place.objects.restrict(ANYONE, Action.BROWSE).filter(code=str(city_code).strip()).first()
    if city is None or city.level > PlaceLevel.CITY:
        raise DomainError({"city_code": gettext("「%(city_code)s」不是城市的区划代码") % {"city_code": city_code}})
    if city not in cities:
        raise PermissionDenied(gettext("只有%(name)s的市级管理员可以管理该市的专家库") % {"name": city.name})
    return city


def expert_create(*, actor, name: str, kind: str, specialities: str = "", organisation: str = "",
                  city_code: str | None = None) -> Expert:
    """Add an expert to a city's pool: for that city's admins. Without `city_code`, the actor's one city."""
    if not expert_cities(actor):
        raise PermissionDenied(gettext("专家库由市级管理员管理 (city admins only)"))
    data = _validate_expert({"name": name, "kind": kind, "specialities": specialities,
                             "organisation": organisation})
    city = _expert_city(actor, city_code)
    with transaction.atomic():
        expert = Expert.objects.create(city=city, **data)
        audit_record(actor=actor, action="expert.create", obj=expert, city=city.code)
    return expert


def expert_update(*, actor, expert: Expert, **changes) -> Expert:
    _check_unknown(changes, EXPERT_FIELDS)
    if not Expert.objects.restrict(actor, Action.CHANGE).filter(pk=expert.pk).exists():
        raise PermissionDenied(gettext("专家库由市级管理员管理 (city admins only)"))
    with transaction.atomic():
        locked = Expert.objects.select_for_update().get(pk=expert.pk)
        data = _validate_expert({f: getattr(locked, f) for f in EXPERT_FIELDS} | changes)
        for f, v in data.items():
            setattr(locked, f, v)
        locked.save()
        audit_record(actor=actor, action="expert.update", obj=locked, changed=sorted(changes))
    return locked


# --- volunteers ---------------------------------------------------------------------------------------

def _learner_for_volunteer(actor, id_number: str | None, learner_id: int | None) -> LearnerProfile:
    """The resident who volunteers: by their ID number (found through its keyed hash; the resident shows the
    card, so no people scope is needed), or by profile id for those who may see the profile."""
    if bool(id_number) == bool(learner_id):
        raise DomainError({"id_number": gettext("请填写志愿者的身份证号码（或学习者档案编号，二者选一）")})
    if id_number:
        number = idcard.parse(id_number).number  # a DomainError on `id_number` if malformed
        profile = LearnerProfile.objects.filter(id_number_hash=id_number_hash(number)).first()
        if profile is None:
            raise DomainError({"id_number": gettext("没有该身份证号码的学习者档案，请先登记学习者")}, code="unknown_learner")
        return profile
    profile = LearnerProfile.objects.restrict(actor, Action.VIEW).filter(pk=learner_id).first()
    if profile is None:
        raise DomainError({"learner_id": gettext("未找到学习者档案 %(learner_id)s，或您无权查看；可改用身份证号码登记") % {"learner_id": learner_id}},
                          code="unknown_learner")
    return profile


def volunteer_register(*, actor, institution_code: str, id_number: str | None = None, learner_id: int | None = None,
                       skills: str = "") -> Volunteer:
    """Register an existing learner as a volunteer of an institution the actor manages."""
    _require_pool_manager(actor)
    errors: dict = {}
    skills = _text({"skills": skills}, errors, "skills", gettext("技能"), 200)
    if errors:
        raise DomainError(errors)
    institution = _institution_managed(actor, institution_code)
    learner = _learner_for_volunteer(actor, id_number, learner_id)
    existing = Volunteer.objects.filter(learner=learner).select_related("institution").first()
    if existing is not None:
        message = (gettext("%(name)s 已是志愿者（%(institution)s）") % {"name": learner.name,
                                                                    "institution": existing.institution.name}
                   if existing.institution_id else gettext("%(name)s 已是志愿者") % {"name": learner.name})
        raise DomainError({"id_number" if id_number else "learner_id": message}, code="already_volunteer")
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(learner=learner, institution=institution, skills=skills)
            audit_record(actor=actor, action="volunteer.register", obj=volunteer, institution=institution.code)
    except IntegrityError:
        raise DomainError({"id_number": gettext("%(name)s 已是志愿者") % {"name": learner.name}}, code="already_volunteer") from None
    return volunteer


def _require_volunteer_managed(actor, volunteer: Volunteer) -> None:
    if not volunteer_list(actor=actor, action=Action.CHANGE).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(gettext("只有志愿者所属机构的工作人员或其上级管理员可以操作 (not your volunteer)"))


def volunteer_update(*, actor, volunteer: Volunteer, skills: str | None = None,
                     institution_code: str | None = None) -> Volunteer:
    """Change a volunteer's skills, or move them to another institution the actor manages."""
    _require_volunteer_managed(actor, volunteer)
    errors: dict = {}
    changed = {}
    if skills is not None:
        changed["skills"] = _text({"skills": skills}, errors, "skills", gettext("技能"), 200)
    if errors:
        raise DomainError(errors)
    if institution_code is not None:
        changed["institution"] = _institution_managed(actor, institution_code)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        for f, v in changed.items():
            setattr(locked, f, v)
        locked.save()
        audit_record(actor=actor, action="volunteer.update", obj=locked, changed=sorted(changed))
    return locked


def _service_date(value, birth_date: datetime.date) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise DomainError({"date": gettext("「%(value)s」不是有效的日期（YYYY-MM-DD）") % {"value": value}}) from None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise DomainError({"date": gettext("「%(value)s」不是日期") % {"value": value}})
    if value > timezone.localdate():
        raise DomainError({"date": gettext("服务日期 %(value)s 在未来，只能登记已完成的服务") % {"value": value}})
    if value < birth_date:
        raise DomainError({"date": gettext("服务日期 %(value)s 早于志愿者的出生日期") % {"value": value}})
    return value


def _service_hours(value) -> Decimal:
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        raise DomainError({"hours": gettext("服务时长不能为空")})
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError({"hours": gettext("服务时长「%(value)s」不是数字") % {"value": value}}) from None
    if not hours.is_finite():
        raise DomainError({"hours": gettext("服务时长「%(value)s」不是数字") % {"value": value}})
    if hours <= 0:
        raise DomainError({"hours": gettext("服务时长必须大于 0，而不是 %(value)s") % {"value": value}})
    if hours > MAX_DAY_HOURS:
        raise DomainError({"hours": gettext("一天的服务时长不能超过 24 小时，而不是 %(value)s") % {"value": value}})
    if hours < MIN_SERVICE_HOURS:
        raise DomainError({"hours": gettext("服务时长至少 %(MIN_SERVICE_HOURS)s 小时，而不是 %(value)s") % {"MIN_SERVICE_HOURS": MIN_SERVICE_HOURS, "value": value}})
    if hours != hours.quantize(Decimal("0.1")):
        raise DomainError({"hours": gettext("服务时长最多保留一位小数，而不是 %(value)s") % {"value": value}})
    return hours


def volunteer_service_record(*, actor, volunteer: Volunteer, date, hours, activity: str,
                             institution: Institution | str | None = None,
                             source: str = RecordSource.PAGE) -> VolunteerService:
    """Record hours a volunteer served on a day, at an institution the actor manages (given, or by its code; by
    default the volunteer's own). No more than 24 hours a day in all; the entry is also a learning record.
    The returned entry carries the record it made as `learning_record`."""
    _require_volunteer_managed(actor, volunteer)
    if isinstance(institution, str):
        institution = _institution_managed(actor, institution)
    institution = institution or volunteer.institution
    if institution is None or not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(gettext("只能登记在您管理的机构中完成的志愿服务"))
    learner = volunteer.learner
    errors: dict = {}
    activity = _text({"activity": activity}, errors, "activity", gettext("服务内容"), 200, required=True)
    try:
        date = _service_date(date, learner.birth_date)
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    try:
        hours = _service_hours(hours)
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        # Locked: two entries for the same day cannot together pass the 24-hour limit by racing.
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        served = (VolunteerService.objects.filter(volunteer=volunteer, date=date)
                  .aggregate(h=Sum("hours"))["h"] or Decimal("0")).quantize(Decimal("0.1"))
        if served + hours > MAX_DAY_HOURS:
            raise DomainError({"hours": gettext("%(date)s 已登记 %(served)s 小时，再加 %(hours)s 小时将超过一天 24 小时") % {"date": date, "served": served, "hours": hours}})
        service = VolunteerService.objects.create(volunteer=volunteer, date=date, hours=hours, activity=activity,
                                                  institution=institution,
                                                  recorded_by=actor if getattr(actor, "is_authenticated", False)
                                                  else None)
        audit_record(actor=actor, action="volunteer_service.record", obj=service, hours=str(hours))
        service.learning_record = learning_record_create(
            actor=actor, learner=learner, provider=institution, kind=RecordKind.VOLUNTEERING,
            title=f"志愿服务：{activity}", hours=hours, date=date, source=source,
            external_id=f"volunteer-service-{service.pk}")
    return service
