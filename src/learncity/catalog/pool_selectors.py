"""Reads of the people pools (teachers, textbooks, experts, volunteers), always scoped to the acting user.

| pool       | seen by (VIEW)                                                  | changed by (CHANGE)                           |
|------------|-----------------------------------------------------------------|-----------------------------------------------|
| teachers   | those who may see one of the teacher's institutions             | those who may change one of them              |
| textbooks  | every staff-like role (a shared library, no personal data)      | institution managers, unless a course outside |
|            |                                                                 | their scope uses the book                     |
| experts    | staff-like roles whose scope reaches the expert's city          | that city's admins                            |
| volunteers | those who manage the volunteer's institution, and those who may | those who manage the volunteer's institution  |
|            | read people there (auditors); not expert reviewers              |                                               |

Learners see none of them.
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from learncity.catalog.models import (
    Course,
    Expert,
    ExpertKind,
    Teacher,
    TeacherKind,
    Textbook,
    Volunteer,
    VolunteerService,
)
from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Action, scope_for
from learncity.network.models import Institution
from learncity.people.services import id_number_hash
from learncity.places.models import Place, PlaceLevel


def institutions_managed(actor, action: Action = Action.CHANGE) -> QuerySet[Institution]:
    return Institution.objects.filter(scope_for(actor).institutions_q(action))


def _check_choice(value: str | None, choices, field: str) -> None:
    if value and value not in choices.values:
        raise DomainError({field: gettext("未知类别：%(value)s") % {"value": value}})


# --- teachers -----------------------------------------------------------------------------------------

def teacher_list(*, actor, q: str | None = None, kind: str | None = None, institution: str | None = None,
                 action: Action = Action.VIEW) -> QuerySet[Teacher]:
    """Teachers of the institutions in the actor's scope; `institution` narrows to one (by code)."""
    _check_choice(kind, TeacherKind, "kind")
    links = Teacher.institutions.through.objects.filter(institution__in=institutions_managed(actor, action))
    if institution:
        links = links.filter(institution__code=institution)
    qs = Teacher.objects.filter(pk__in=links.values("teacher_id"))
    if q and q.strip():
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(specialities__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.prefetch_related(Prefetch("institutions", queryset=Institution.objects.order_by("code"))).order_by("id")


def teacher_get(*, actor, pk: int, action: Action = Action.VIEW) -> Teacher:
    teacher = teacher_list(actor=actor, action=action).filter(pk=pk).first()
    if teacher is None:
        raise NotFound(gettext("未找到该教师，或您无权管理"))
    return teacher


# --- textbooks ----------------------------------------------------------------------------------------

def textbook_list(*, actor, q: str | None = None, topic: str | None = None,
                  action: Action = Action.VIEW) -> QuerySet[Textbook]:
    scope = scope_for(actor)
    qs = Textbook.objects.all()
    if action == Action.VIEW:
        if not scope.is_staff_like:
            qs = qs.none()
    else:
        managed = institutions_managed(actor)
        if not managed.exists():
            qs = qs.none()
        elif not scope.everything:
            used_elsewhere = Course.textbooks.through.objects.exclude(course__institution__in=managed)
            qs = qs.exclude(pk__in=used_elsewhere.values("textbook_id"))
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
    qs = Place.objects.filter(level__lte=PlaceLevel.CITY)
    if scope.everything:
        from learncity.network.models import Committee

        qs = qs.filter(pk__in=Committee.objects.values("place_id"))
    else:
        qs = qs.filter(path__in=list(scope.change.place_paths))
    return list(qs.order_by("code"))


def _experts_q(actor, action: Action) -> Q:
    scope = scope_for(actor)
    if scope.everything:
        return Q()
    if action == Action.CHANGE:
        return scope.places_q(Action.CHANGE, prefix="city__")
    if not scope.is_staff_like:
        return Q(pk__in=[])
    # The actor's places: the expert's city is one of them, contains one of them, or lies inside one.
    paths = set(scope.view.place_paths) | set(Place.objects.filter(pk__in=scope.view.place_ids)
                                              .values_list("path", flat=True))
    q = Q(pk__in=[])
    for path in paths:
        ancestors = [path[:i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0]
        q |= Q(city__path__in=ancestors) | Q(city__path__startswith=path)
    return q


def expert_list(*, actor, q: str | None = None, kind: str | None = None,
                action: Action = Action.VIEW) -> QuerySet[Expert]:
    _check_choice(kind, ExpertKind, "kind")
    qs = Expert.objects.filter(_experts_q(actor, action))
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

def _volunteer_institutions(actor, action: Action) -> QuerySet[Institution]:
    scope = scope_for(actor)
    if action == Action.VIEW and (scope.everything or scope.view.people_paths):
        return institutions_managed(actor, Action.VIEW)
    return institutions_managed(actor, Action.CHANGE)


def volunteer_list(*, actor, q: str | None = None, institution: str | None = None,
                   action: Action = Action.VIEW) -> QuerySet[Volunteer]:
    """Volunteers with their total service hours (`total_hours`) and number of entries (`service_count`)."""
    qs = Volunteer.objects.filter(institution__in=_volunteer_institutions(actor, action))
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


def volunteer_services(*, volunteer: Volunteer) -> QuerySet[VolunteerService]:
    return volunteer.services.select_related("institution", "recorded_by").order_by("-date", "-id")
