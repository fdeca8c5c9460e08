"""Who may see and change what, worked out in one place (see scope.py for the table of roles).

- `Model.objects.restrict(actor, action)` — the rows a user reaches (restrict.py); each model declares its rule
  once with `@scoped(view=…, change=…)` built from rules.py.
- `scope_for(user).may(Capability.X, obj)` — what a role may do at all (capabilities.py), and on which object.
"""

from learncity.core.scopes import rules
from learncity.core.scopes.capabilities import Capability
from learncity.core.scopes.restrict import (
    RestrictedManager,
    RestrictedQuerySet,
    restricted_models,
    rule_for,
    scoped,
)
from learncity.core.scopes.roles import ROLE_LABELS, ROLE_PLACE_LEVELS, ROLE_TARGETS, Action, Role
from learncity.core.scopes.scope import ANONYMOUS, GRANTED_BY_CITY_ADMIN, Scope, forget_scope, scope_for

__all__ = [
    "ANONYMOUS", "GRANTED_BY_CITY_ADMIN", "ROLE_LABELS", "ROLE_PLACE_LEVELS", "ROLE_TARGETS", "Action", "Capability", "RestrictedManager",
    "RestrictedQuerySet", "Role", "Scope", "forget_scope", "restricted_models", "rule_for", "rules", "scope_for",
    "scoped",
]
