"""`Model.objects.restrict(actor, action)`: every read starts here (NetBox's RestrictedQuerySet), or
`Model.objects.unscoped("why")` where no actor's scope applies.

Each model declares its rule once with `@scoped(view=…, change=…)` (rules.py); its manager is built on
`RestrictedQuerySet`. `restricted_models()` lists every declared model, so a test can hold every domain model to it.
"""

from django.db import models

from learncity.core.scopes.roles import Action
from learncity.core.scopes.rules import Rule, superuser_only
from learncity.core.scopes.scope import Scope, scope_for

_REGISTRY: dict[type, dict[Action, Rule]] = {}


def scoped(*, view: Rule, change: Rule | None = None, browse: Rule | None = None):
    """Declare a model's rules: `view` for reading in the back office, `change` for writing, `browse` for what
    the public pages show (both default to nobody but a superuser)."""
    def register(model):
        if not hasattr(model._default_manager, "restrict"):
            raise TypeError(f"{model.__name__}'s manager is not a RestrictedQuerySet's: it cannot restrict")
        _REGISTRY[model] = {Action.VIEW: view, Action.CHANGE: change or superuser_only(),
                            Action.BROWSE: browse or superuser_only()}
        return model

    return register


def rule_for(model, action: Action) -> Rule:
    for klass in model.__mro__:
        if klass in _REGISTRY:
            return _REGISTRY[klass][Action(action)]
    raise LookupError(f"{model.__name__} declares no scope rule: decorate it with @scoped(view=…, change=…)")


def restricted_models() -> dict[type, dict[Action, Rule]]:
    return dict(_REGISTRY)


def as_scope(actor) -> Scope:
    return actor if isinstance(actor, Scope) else scope_for(actor)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, actor, action: Action = Action.VIEW):
        """The rows `actor` (a user, None for anonymous, or a Scope) may reach for `action`."""
        scope = as_scope(actor)
        if scope.everything:
            return self.all()
        action = Action(action)
        rule = rule_for(self.model, action)
        q = rule.q(scope, action)
        return self.filter(q).distinct() if rule.many or _spans_many(q) else self.filter(q)

    def unscoped(self, reason: str):
        """Every row, for a read no actor's scope governs, saying why: a uniqueness check over the whole table,
        a row locked again after the actor's check passed, the system's own follow-up, a token being looked up.
        A service or selector reads either through `restrict` or through this (tests/core/test_architecture.py
        holds them to it), so an unscoped read is always a declared one."""
        if not isinstance(reason, str) or len(reason.strip()) < 8:
            raise ValueError("unscoped() needs the reason this read is not restricted to an actor")
        return self.all()


def _spans_many(q) -> bool:
    """A rule through a to-many relation (a committee's members) can repeat rows: those need DISTINCT."""
    for child in q.children:
        if isinstance(child, tuple):
            if child[0].startswith("members__") or "__members__" in child[0]:
                return True
        elif _spans_many(child):
            return True
    return False


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)
