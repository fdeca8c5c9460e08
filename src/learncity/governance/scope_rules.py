"""The governance app's scope rules, beyond core's:

- `office(field)`: rows of a committee (`field`) in the user's area: its administrators for reading and writing,
  expert reviewers and auditors for reading. Unlike `by_committee`, sitting on the committee as a member unit
  gives nothing here: a member unit reads only its own part (`task_units`, `unit_of`).
- `task_units(prefix)`: tasks (through `prefix`, "" for Task itself) one of whose units is the user's member unit,
  or a committee of the user's area (a lower committee's officials see what was given to their committee).
- `unit_of(prefix)`: rows that are a unit's own (a task unit, a progress update): the user's own member unit
  (a reporter's; an administrator does not answer for the member units of their area), or a committee of their
  area (a district's officials answer for their committee, the city's for the city's and the districts').
"""

from django.db.models import Q

from learncity.core.scopes.rules import Rule


def _own_units_q(scope, action, prefix: str) -> Q:
    if scope.everything:
        return Q()
    return Q(**{f"{prefix}pk__in": list(scope.grants(action).member_unit_ids)})


def office(field: str) -> Rule:
    return Rule(lambda s, a: s.committees_q(a, prefix=f"{field}__", members=False), f"office({field!r})")


def task_units(prefix: str = "") -> Rule:
    return Rule(lambda s, a: s.member_units_q(a, prefix=f"{prefix}units__member_unit__")
                | s.committees_q(a, prefix=f"{prefix}units__committee__", members=False),
                f"task_units({prefix!r})", many=True)


def unit_of(prefix: str = "", *, many: bool = False) -> Rule:
    """`many`: `prefix` goes through a to-many relation (a round's returns)."""
    return Rule(lambda s, a: _own_units_q(s, a, f"{prefix}member_unit__")
                | s.committees_q(a, prefix=f"{prefix}committee__", members=False), f"unit_of({prefix!r})",
                many=many)


def inspector(prefix: str = "", *, many: bool = False) -> Rule:
    """Rows of an inspection visit (through `prefix`, "" for the visit itself) the user is the inspector of: an
    inspector's scope is the visits of the rounds they are sent on, nothing else. `many`: `prefix` goes through a
    to-many relation (a round's visits)."""
    return Rule(lambda s, a: Q(**{f"{prefix}inspector_id": s.user_id}) if s.user_id is not None else Q(pk__in=[]),
                f"inspector({prefix!r})", many=many)
