"""Writes to the people pools: teachers (师资库), textbooks (教材库), experts (专家库) and volunteers (志愿者库) with
their service hours. Each parses its input (inputs.py: the API's body and the page's form alike), checks scope,
writes and audits in one transaction.

Who may change what (the reads are in selectors.py, which shares these rules):

| pool       | changed by                                                                                          |
|------------|-----------------------------------------------------------------------------------------------------|
| teachers   | whoever may change one of the teacher's institutions; institutions outside the actor's scope stay   |
| textbooks  | a shared library without an owner: anyone who manages an institution adds books; a book that courses |
|            | use is changed only by someone who manages every institution using it                               |
| experts    | city admins (the expert's city is inside their CHANGE scope)                                         |
| volunteers | whoever may change the volunteer's institution; hours are recorded at an institution they manage    |

A volunteer's service hours are also learning: each service entry makes a learning record (kind volunteering,
external id `volunteer-service-<id>`) through the catalog's `learning_record_create`, in the same transaction (the
follow-up `volunteering_recorded`: catalog is above the pools).
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.followups import follow_up
from learncity.core.inputs import parse
from learncity.core.scopes import Action
from learncity.network.models import Institution
from learncity.people import idcard
from learncity.people.models import LearnerProfile
from learncity.people.services import id_number_hash
from learncity.places.models import Place, PlaceLevel
from learncity.pools.inputs import (
    MAX_DAY_HOURS,
    ExpertInput,
    ExpertPatch,
    ServiceInput,
    TeacherInput,
    TeacherPatch,
    TextbookInput,
    TextbookPatch,
    VolunteerInput,
    VolunteerPatch,
)
from learncity.pools.models import Expert, Teacher, Textbook, Volunteer, VolunteerService
from learncity.pools.selectors import expert_cities, textbook_list, volunteer_list
from learncity.records.models import RecordKind, RecordSource

ANYONE = None  # restrict(ANYONE, BROWSE): what anyone may look up (an institution or a city by its code)
LOCKED = "the row is locked again after the caller's check passed"

# --- shared checks ------------------------------------------------------------------------------------


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
    managed = set(Institution.objects.restrict(actor, Action.CHANGE).filter(code__in=codes)
                  .values_list("code", flat=True))
    outside = [found[c].name for c in codes if c not in managed]
    if outside:
        raise PermissionDenied(gettext("您无权管理这些机构的师资：") + gettext("、").join(outside))
    return [found[c] for c in codes]


def _institution_managed(actor, code, field: str = "institution_code") -> Institution:
    code = str(code or "").strip()
    institution = Institution.objects.restrict(ANYONE, Action.BROWSE).filter(code=code).first() if code else None
    if institution is None:
        raise DomainError({field: gettext("未知的机构代码「%(code)s」") % {"code": code} if code
                           else gettext("请选择机构")})
    if not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(gettext("您无权管理「%(name)s」") % {"name": institution.name})
    return institution


def _changes(schema, changes: dict, allowed) -> dict:
    """A patch's fields, parsed; a field no patch changes is refused by name."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise DomainError({f: gettext("不能修改此字段") for f in sorted(unknown)})
    return parse(schema, changes).model_dump(exclude_unset=True)


def _update(actor, obj, data: dict, action: str, *, changed, then=None):
    """Write `data` to `obj` under its row lock (the caller checked the actor may), run `then(locked)` in the same
    transaction, and audit the fields `changed`."""
    with transaction.atomic():
        locked = type(obj).objects.unscoped(LOCKED).select_for_update().get(pk=obj.pk)
        for f, v in data.items():
            setattr(locked, f, v)
        locked.save()
        if then is not None:
            then(locked)
        audit_record(actor=actor, action=action, obj=locked, changed=sorted(changed))
    return locked


# --- teachers -----------------------------------------------------------------------------------------

TEACHER_FIELDS = tuple(TeacherPatch.model_fields)


def teacher_create(*, actor, **fields) -> Teacher:
    """Add a teacher to the pool (TeacherInput), teaching at one or more institutions the actor manages."""
    _require_pool_manager(actor)
    data = parse(TeacherInput, fields)
    institutions = _managed_institutions_by_code(actor, data.institution_codes, "institution_codes")
    with transaction.atomic():
        teacher = Teacher.objects.create(**data.model_dump(exclude={"institution_codes"}))
        teacher.institutions.set(institutions)
        audit_record(actor=actor, action="teacher.create", obj=teacher, institutions=[i.code for i in institutions])
    return teacher


def teacher_update(*, actor, teacher: Teacher, **changes) -> Teacher:
    """Change a teacher of an institution the actor manages (TeacherPatch). `institution_codes`, if given, replaces
    the teacher's institutions inside the actor's scope (at least one); those outside it are kept."""
    data = _changes(TeacherPatch, changes, TEACHER_FIELDS)
    managed = Institution.objects.restrict(actor, Action.CHANGE)
    if not teacher.institutions.filter(pk__in=managed.values("pk")).exists():
        raise PermissionDenied(gettext("只有任教机构的工作人员或其上级管理员可以修改该教师 (not your institution)"))
    changed = list(data)
    then = None
    if "institution_codes" in data:
        chosen = _managed_institutions_by_code(actor, data.pop("institution_codes"), "institution_codes")

        def then(locked):
            locked.institutions.set(list(locked.institutions.exclude(pk__in=managed.values("pk"))) + chosen)

    return _update(actor, teacher, data, "teacher.update", changed=changed, then=then)


# --- textbooks ----------------------------------------------------------------------------------------

TEXTBOOK_FIELDS = tuple(TextbookPatch.model_fields)


def textbook_create(*, actor, **fields) -> Textbook:
    """Add a book to the shared library (TextbookInput)."""
    _require_pool_manager(actor)
    data = parse(TextbookInput, fields)
    with transaction.atomic():
        textbook = Textbook.objects.create(**data.model_dump())
        audit_record(actor=actor, action="textbook.create", obj=textbook, isbn=textbook.isbn)
    return textbook


def textbook_update(*, actor, textbook: Textbook, **changes) -> Textbook:
    data = _changes(TextbookPatch, changes, TEXTBOOK_FIELDS)
    if not textbook_list(actor=actor, action=Action.CHANGE).filter(pk=textbook.pk).exists():
        raise PermissionDenied(gettext("该教材被您管理范围以外的课程使用，不能修改 (used by courses outside your scope)"))
    return _update(actor, textbook, data, "textbook.update", changed=data)


# --- experts ------------------------------------------------------------------------------------------

EXPERT_FIELDS = tuple(ExpertPatch.model_fields)


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


def expert_create(*, actor, **fields) -> Expert:
    """Add an expert to a city's pool (ExpertInput): for that city's admins. Without `city_code`, the actor's one
    city."""
    if not expert_cities(actor):
        raise PermissionDenied(gettext("专家库由市级管理员管理 (city admins only)"))
    data = parse(ExpertInput, fields)
    city = _expert_city(actor, data.city_code)
    with transaction.atomic():
        expert = Expert.objects.create(city=city, **data.model_dump(exclude={"city_code"}))
        audit_record(actor=actor, action="expert.create", obj=expert, city=city.code)
    return expert


def expert_update(*, actor, expert: Expert, **changes) -> Expert:
    data = _changes(ExpertPatch, changes, EXPERT_FIELDS)
    if not Expert.objects.restrict(actor, Action.CHANGE).filter(pk=expert.pk).exists():
        raise PermissionDenied(gettext("专家库由市级管理员管理 (city admins only)"))
    return _update(actor, expert, data, "expert.update", changed=data)


# --- volunteers ---------------------------------------------------------------------------------------

def _learner_for_volunteer(actor, id_number: str | None, learner_id: int | None) -> LearnerProfile:
    """The resident who volunteers: by their ID number (found through its keyed hash; the resident shows the
    card, so no people scope is needed), or by profile id for those who may see the profile."""
    if bool(id_number) == bool(learner_id):
        raise DomainError({"id_number": gettext("请填写志愿者的身份证号码（或学习者档案编号，二者选一）")})
    if id_number:
        number = idcard.parse(id_number).number  # a DomainError on `id_number` if malformed
        profile = (LearnerProfile.objects.unscoped("the resident shows their ID card: found by its keyed hash")
                   .filter(id_number_hash=id_number_hash(number)).first())
        if profile is None:
            raise DomainError({"id_number": gettext("没有该身份证号码的学习者档案，请先登记学习者")},
                              code="unknown_learner")
        return profile
    profile = LearnerProfile.objects.restrict(actor, Action.VIEW).filter(pk=learner_id).first()
    if profile is None:
        raise DomainError({"learner_id": gettext("未找到学习者档案 %(learner_id)s，或您无权查看；可改用身份证号码登记")
                           % {"learner_id": learner_id}}, code="unknown_learner")
    return profile


def _already(learner, existing: Volunteer | None = None) -> str:
    if existing is not None and existing.institution_id:
        return gettext("%(name)s 已是志愿者（%(institution)s）") % {"name": learner.name,
                                                                "institution": existing.institution.name}
    return gettext("%(name)s 已是志愿者") % {"name": learner.name}


def volunteer_register(*, actor, **fields) -> Volunteer:
    """Register an existing learner as a volunteer of an institution the actor manages (VolunteerInput)."""
    _require_pool_manager(actor)
    data = parse(VolunteerInput, fields)
    institution = _institution_managed(actor, data.institution_code)
    learner = _learner_for_volunteer(actor, data.id_number, data.learner_id)
    existing = (Volunteer.objects.unscoped("a resident volunteers once, city-wide").filter(learner=learner)
                .select_related("institution").first())
    if existing is not None:
        raise DomainError({"id_number" if data.id_number else "learner_id": _already(learner, existing)},
                          code="already_volunteer")
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(learner=learner, institution=institution, skills=data.skills)
            audit_record(actor=actor, action="volunteer.register", obj=volunteer, institution=institution.code)
    except IntegrityError:
        raise DomainError({"id_number": _already(learner)}, code="already_volunteer") from None
    return volunteer


def _require_volunteer_managed(actor, volunteer: Volunteer) -> None:
    if not volunteer_list(actor=actor, action=Action.CHANGE).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(gettext("只有志愿者所属机构的工作人员或其上级管理员可以操作 (not your volunteer)"))


def volunteer_update(*, actor, volunteer: Volunteer, **changes) -> Volunteer:
    """Change a volunteer's skills, or move them to another institution the actor manages (VolunteerPatch)."""
    _require_volunteer_managed(actor, volunteer)
    data = {f: v for f, v in parse(VolunteerPatch, changes).model_dump().items() if v is not None}
    if "institution_code" in data:
        data["institution"] = _institution_managed(actor, data.pop("institution_code"))
    return _update(actor, volunteer, data, "volunteer.update", changed=data)


def _service_day_checked(day, birth_date) -> None:
    if day > timezone.localdate():
        raise DomainError({"date": gettext("服务日期 %(value)s 在未来，只能登记已完成的服务") % {"value": day}})
    if day < birth_date:
        raise DomainError({"date": gettext("服务日期 %(value)s 早于志愿者的出生日期") % {"value": day}})


def volunteer_service_record(*, actor, volunteer: Volunteer, institution: Institution | str | None = None,
                             source: str = RecordSource.PAGE, **fields) -> VolunteerService:
    """Record hours a volunteer served on a day (ServiceInput), at an institution the actor manages (given, or by
    its code; by default the volunteer's own). No more than 24 hours a day in all; the entry is also a learning
    record. The returned entry carries the record it made as `learning_record`."""
    _require_volunteer_managed(actor, volunteer)
    institution = institution or fields.pop("institution_code", None) or None  # the schema's name for it
    if isinstance(institution, str):
        institution = _institution_managed(actor, institution)
    institution = institution or volunteer.institution
    if institution is None or not Institution.objects.restrict(actor, Action.CHANGE).filter(
            pk=institution.pk).exists():
        raise PermissionDenied(gettext("只能登记在您管理的机构中完成的志愿服务"))
    learner = volunteer.learner
    data = parse(ServiceInput, fields)
    _service_day_checked(data.date, learner.birth_date)
    with transaction.atomic():
        # Locked: two entries for the same day cannot together pass the 24-hour limit by racing.
        Volunteer.objects.unscoped(LOCKED).select_for_update().filter(pk=volunteer.pk).first()
        served = (VolunteerService.objects.unscoped("the day's entries of the volunteer locked above")
                  .filter(volunteer=volunteer, date=data.date).aggregate(h=Sum("hours"))["h"]
                  or Decimal("0")).quantize(Decimal("0.1"))
        if served + data.hours > MAX_DAY_HOURS:
            raise DomainError({"hours": gettext("%(date)s 已登记 %(served)s 小时，再加 %(hours)s 小时将超过一天 24 小时")
                               % {"date": data.date, "served": served, "hours": data.hours}})
        service = VolunteerService.objects.create(
            volunteer=volunteer, date=data.date, hours=data.hours, activity=data.activity, institution=institution,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit_record(actor=actor, action="volunteer_service.record", obj=service, hours=str(data.hours))
        service.learning_record = follow_up(
            "volunteering_recorded", actor=actor, learner=learner, provider=institution,
            kind=RecordKind.VOLUNTEERING, title=f"志愿服务：{data.activity}", hours=data.hours, date=data.date,
            source=source, external_id=f"volunteer-service-{service.pk}")
    return service
