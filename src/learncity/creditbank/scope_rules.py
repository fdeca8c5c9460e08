"""The credit bank's two scope rules that core's rules (by_place, by_profile, …) do not express:

- `reviewed(capability, field)`: declarations of residents of the place subtrees where the user holds a role that
  carries `capability` (REVIEW: expert reviewers and city administrators; READ_REVIEWS: and auditors). Only the
  role assignments that carry it count, so another role elsewhere (an auditor of the province, staff of an
  institution) adds nothing;
- `managed(field)`: rows of the institutions the user runs (staff: their own; administrators: those in their
  area), for reading as for writing: reviewers and auditors, who read every institution of the city, do not
  decide its conversions.
"""

from django.db.models import Q

from learncity.core.scopes import Action, Capability
from learncity.core.scopes.rules import NOTHING, Rule
from learncity.people.models import RoleAssignment


def capability_paths(scope, capability: Capability) -> list[str] | None:
    """The place subtrees of the user's role assignments that carry `capability`; None means everywhere (a
    superuser). One query."""
    if scope.everything:
        return None
    if scope.user_id is None or not scope.may(capability):
        return []
    return list(RoleAssignment.objects.filter(user_id=scope.user_id, role__in=capability.roles, place__isnull=False)
                .values_list("place__path", flat=True))


def reviewed_q(scope, capability: Capability, field: str = "account__learner") -> Q:
    """Q over rows whose learner (`field`) lives where the user holds `capability`."""
    paths = capability_paths(scope, capability)
    if paths is None:
        return Q()
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{field}__residence__path__startswith": path})
    return q


def reviewed(capability: Capability, field: str = "account__learner") -> Rule:
    return Rule(lambda s, a: reviewed_q(s, capability, field), f"reviewed({capability.name}, {field!r})")


def managed(field: str) -> Rule:
    return Rule(lambda s, a: s.institutions_q(Action.CHANGE, prefix=f"{field}__"), f"managed({field!r})")
