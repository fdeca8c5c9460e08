"""The pools' scope rules that the core rules (core/scopes/rules.py) do not spell: rows that reach an actor
through a many-to-many relation or through the places around them. Declared on the models (models.py)
with @scoped; the models are looked up when a rule is asked, so this module does not import models.py.

| pool       | seen by (VIEW)                                                  | changed by (CHANGE)                           |
|------------|-----------------------------------------------------------------|-----------------------------------------------|
| teachers   | those who may see one of the teacher's institutions             | those who may change one of them              |
| textbooks  | every back-office role (a shared library, no personal data)     | institution managers, unless a course outside |
|            |                                                                 | their scope uses the book                     |
| experts    | back-office roles whose scope reaches the expert's city         | that city's admins                            |
| volunteers | those who manage the volunteer's institution, and those who may | those who manage the volunteer's institution  |
|            | read people there (auditors); not expert reviewers              |                                               |
"""

from django.apps import apps
from django.db.models import Q

from learncity.core.scopes import Action, Capability
from learncity.core.scopes.rules import NOTHING, Rule


def _through(app: str, model: str, relation: str):
    return getattr(apps.get_model(app, model), relation).through.objects


def teachers_of_institutions() -> Rule:
    """A teacher reaches whoever reaches one of their institutions (for the same action); one row a teacher."""
    def q(scope, action):
        links = _through("pools", "Teacher", "institutions").filter(scope.institutions_q(action, prefix="institution__"))
        return Q(pk__in=links.values("teacher_id"))

    return Rule(q, "teachers_of_institutions()")


def textbooks_not_used_elsewhere() -> Rule:
    """For CHANGE: the books no course outside the actor's CHANGE scope uses (a shared book is everyone's)."""
    def q(scope, action):
        if action != Action.CHANGE or not scope.manages_institutions():
            return NOTHING  # only those who run an institution change textbooks
        elsewhere = _through("pools", "Textbook", "courses").exclude(
            scope.institutions_q(Action.CHANGE, prefix="course__institution__"))
        return ~Q(pk__in=elsewhere.values("textbook_id"))

    return Rule(q, "textbooks_not_used_elsewhere()")


def experts_near() -> Rule:
    """For VIEW: back-office users whose places lie around the expert's city (the city is one of them, contains
    one of them, or lies inside one)."""
    def q(scope, action):
        if action != Action.VIEW or not scope.may(Capability.STAFF_AREA):
            return NOTHING
        place = apps.get_model("places", "Place")
        paths = set(scope.view.place_paths) | set(place.objects.filter(pk__in=scope.view.place_ids)
                                                  .values_list("path", flat=True))
        near = NOTHING
        for path in paths:
            ancestors = [path[:i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0]
            near |= Q(city__path__in=ancestors) | Q(city__path__startswith=path)
        return near

    return Rule(q, "experts_near()")


def volunteers_of_institutions(field: str = "institution") -> Rule:
    """Volunteers (or, given `field`, rows of a volunteer) of an institution the actor changes; for VIEW also of
    those it reads when the actor may read people there (auditors); not expert reviewers, who see no one."""
    def q(scope, action):
        reads_people = action == Action.VIEW and bool(scope.view.people_paths)
        return scope.institutions_q(Action.VIEW if reads_people else Action.CHANGE, prefix=f"{field}__")

    return Rule(q, f"volunteers_of_institutions({field!r})")
