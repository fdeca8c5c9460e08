"""The rules a model declares once to say which of its rows a user reaches, built from the scope's grants.

    @scoped(browse=public(state="published"), view=by_institution("provider"), change=by_institution("provider"))
    class Course(models.Model):
        objects = CourseQuerySet.as_manager()   # a RestrictedQuerySet

Three actions: BROWSE is what the public pages show anyone, VIEW is reading in the back office within the user's
scope, CHANGE is writing. A rule is asked for a Q for (scope, action); `restrict` (restrict.py) filters by it. A user whose scope is
`everything` (a superuser) reaches every row without asking the rule.
"""

from collections.abc import Callable

from django.db.models import Q

from learncity.core.scopes.roles import Action
from learncity.core.scopes.scope import Scope

NOTHING = Q(pk__in=[])


def _prefix(field: str) -> str:
    return f"{field}__" if field else ""


class Rule:
    """`many`: the rule reaches rows through a to-many relation (a task's units), so a row can match more than
    once and `restrict` reads them DISTINCT."""

    def __init__(self, q: Callable[[Scope, Action], Q], label: str, *, many: bool = False):
        self._q = q
        self.label = label
        self.many = many

    def q(self, scope: Scope, action: Action) -> Q:
        return self._q(scope, action)

    def __or__(self, other: "Rule") -> "Rule":
        return Rule(lambda s, a: self._q(s, a) | other._q(s, a), f"{self.label} | {other.label}",
                    many=self.many or other.many)

    def __repr__(self) -> str:
        return f"<Rule {self.label}>"


def by_place(field: str = "place") -> Rule:
    """Rows whose place (`field`; "" for Place itself) is in the user's place subtrees or single places."""
    return Rule(lambda s, a: s.places_q(a, prefix=_prefix(field)), f"by_place({field!r})")


def by_institution(field: str = "institution") -> Rule:
    """Rows of an institution (`field`; "" for Institution itself) the user reaches: their own, or every one in
    the subtrees of an administrator (and, for reading, of an expert reviewer or auditor)."""
    return Rule(lambda s, a: s.institutions_q(a, prefix=_prefix(field)), f"by_institution({field!r})")


def by_profile(field: str = "learner") -> Rule:
    """Rows of a learner profile (`field`; "" for LearnerProfile itself): the user's own, or the residents of
    the subtrees whose people they manage (administrators) or read (auditors)."""
    return Rule(lambda s, a: s.profiles_q(a, prefix=_prefix(field)), f"by_profile({field!r})")


def by_member_unit(field: str = "member_unit") -> Rule:
    return Rule(lambda s, a: s.member_units_q(a, prefix=_prefix(field)), f"by_member_unit({field!r})")


def by_committee(field: str = "committee") -> Rule:
    return Rule(lambda s, a: s.committees_q(a, prefix=_prefix(field)), f"by_committee({field!r})")


def own(field: str = "user") -> Rule:
    """Rows that belong to the user themselves (`field` is the relation to the user)."""
    return Rule(lambda s, a: Q(**{f"{field}_id": s.user_id}) if s.user_id is not None else NOTHING,
                f"own({field!r})")


def public(**lookups) -> Rule:
    """Rows anyone may read (given lookups, those matching them): for BROWSE and VIEW, never for CHANGE."""
    return Rule(lambda s, a: Q(**lookups) if a != Action.CHANGE else NOTHING, f"public({lookups!r})")


def signed_in(**lookups) -> Rule:
    """Rows any signed-in user may read (given lookups, those matching them): for VIEW only."""
    return Rule(lambda s, a: Q(**lookups) if a == Action.VIEW and s.user_id is not None else NOTHING,
                f"signed_in({lookups!r})")


def staff(**lookups) -> Rule:
    """Rows every back-office user may read (reference data such as indicator definitions): VIEW only."""
    return Rule(lambda s, a: Q(**lookups) if a == Action.VIEW and s.is_staff_like else NOTHING,
                f"staff({lookups!r})")


def superuser_only() -> Rule:
    """Rows only a superuser reaches (`everything` bypasses every rule)."""
    return Rule(lambda s, a: NOTHING, "superuser_only()")
