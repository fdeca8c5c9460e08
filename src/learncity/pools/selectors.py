"""Reads of the people pools (teachers, textbooks, experts, volunteers), always scoped to the acting user: each
pool's model declares who sees and changes it (@scoped, with the rules of scope_rules.py, whose docstring has the
table). Learners see none of them."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Action, scope_for
from learncity.network.models import Committee, Institution
from learncity.people.services import id_number_hash
from learncity.places.models import Place, PlaceLevel
from learncity.pools.models import (
    Expert,
    ExpertKind,
    Teacher,
    TeacherKind,
    Textbook,
    Volunteer,
    VolunteerService,
)


def _check_choice(value: str | None, choices, field: str) -> None:
    if value and value not in choices.values:
        raise DomainError({field: gettext("未知类别：%(value)s") % {"value": value}})


# --- teachers -----------------------------------------------------------------------------------------

def teacher_list(*, actor, q: str | None = None, kind: str | None = None, institution: str | None = None,
                 action: Action = Action.VIEW) -> QuerySet[Teacher]:
    """Teachers of the institutions in the actor's scope; `institution` narrows to one (by code)."""
    _check_choice(kind, TeacherKind, "kind")
    qs = Teacher.objects.restrict(actor, action)
    if institution:
        qs = qs.filter(pk__in=Institution.objects.restrict(actor, action).filter(code=institution).values("teachers"))
    if q and q.strip():
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(specialities__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    institutions = Institution.objects.unscoped("a teacher's institutions, of a teacher the actor may see")
    return qs.prefetch_related(Prefetch("institutions", queryset=institutions.order_by("code"))).order_by("id")


def teacher_get(*, actor, pk: int, action: Action = Action.VIEW) -> Teacher:
    teacher = teacher_list(actor=actor, action=action).filter(pk=pk).first()
    if teacher is None:
        raise NotFound(gettext("未找到该教师，或您无权管理"))
    return teacher


# --- textbooks ----------------------------------------------------------------------------------------

def textbook_list(*, actor, q: str | None = None, topic: str | None = None,
                  action: Action = Action.VIEW) -> QuerySet[Textbook]:
    qs = Textbook.objects.restrict(actor, action)
    if action == Action.CHANGE and not Institution.objects.restrict(actor, Action.CHANGE).exists():
        qs = qs.none()  # only those who manage an institution keep the library
    if q and q.strip():
        q = q.strip()
        isbn = q.replace("-", "")
        qs = qs.filter(Q(title__contains=q) | Q(authors__contains=q) | Q(isbn__contains=q)
                       | (Q(isbn__contains=isbn) if isbn.isdigit() and len(isbn) >= 10 else Q(pk__in=[])))
    if topic:
        qs = qs.filter(topic=topic)
    return qs.annotate(course_count=Count("courses")).order_by("id")


def textbook_get(*, actor, pk: int, action: Action = Action.VIEW) -> Textbook:
    textbook = textbook_list(actor=actor, action=action).filter(pk=pk).first()
    if textbook is None:
        raise NotFound(gettext("未找到该教材，或您无权修改"))
    return textbook


# --- experts ------------------------------------------------------------------------------------------

def expert_cities(actor) -> list[Place]:
    """The cities whose expert pool the actor keeps: a city admin's city (a district is no city); for the
    superuser, the cities with a promotion committee."""
    scope = scope_for(actor)
    qs = Place.objects.restrict(actor, Action.CHANGE).filter(level__lte=PlaceLevel.CITY)
    if scope.everything:
        qs = qs.filter(pk__in=Committee.objects.unscoped("the superuser keeps every city with a committee")
                       .values("place_id"))
    else:
        qs = qs.filter(path__in=list(scope.change.place_paths))
    return list(qs.order_by("code"))


def expert_list(*, actor, q: str | None = None, kind: str | None = None,
                action: Action = Action.VIEW) -> QuerySet[Expert]:
    _check_choice(kind, ExpertKind, "kind")
    qs = Expert.objects.restrict(actor, action)
    if q and q.strip():
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(specialities__contains=q) | Q(organisation__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("city").order_by("id")


def expert_get(*, actor, pk: int, action: Action = Action.VIEW) -> Expert:
    expert = expert_list(actor=actor, action=action).filter(pk=pk).first()
    if expert is None:
        raise NotFound(gettext("未找到该专家，或您无权管理"))
    return expert


# --- volunteers ---------------------------------------------------------------------------------------

def volunteer_list(*, actor, q: str | None = None, institution: str | None = None,
                   action: Action = Action.VIEW) -> QuerySet[Volunteer]:
    """Volunteers with their total service hours (`total_hours`) and number of entries (`service_count`)."""
    qs = Volunteer.objects.restrict(actor, action)
    if institution:
        qs = qs.filter(institution__code=institution)
    if q and q.strip():
        q = q.strip()
        if len(q) == 18:  # an ID number: found through its keyed hash, never by scanning plaintext
            qs = qs.filter(learner__id_number_hash=id_number_hash(q.upper()))
        else:
            qs = qs.filter(Q(learner__name__startswith=q) | Q(skills__contains=q))
    return (qs.select_related("learner", "institution")
            .annotate(total_hours=Coalesce(Sum("services__hours"), Value(Decimal("0")),
                                           output_field=DecimalField(max_digits=9, decimal_places=1)),
                      service_count=Count("services"))
            .order_by("id"))


def volunteer_get(*, actor, pk: int, action: Action = Action.VIEW) -> Volunteer:
    volunteer = volunteer_list(actor=actor, action=action).filter(pk=pk).first()
    if volunteer is None:
        raise NotFound(gettext("未找到该志愿者，或您无权查看"))
    return volunteer


def institutions_managed(actor) -> QuerySet[Institution]:
    """The institutions the actor changes, by code: what the forms offer."""
    return Institution.objects.restrict(actor, Action.CHANGE).order_by("code")


def volunteer_services(*, volunteer: Volunteer) -> QuerySet[VolunteerService]:
    return volunteer.services.select_related("institution", "recorded_by").order_by("-date", "-id")
