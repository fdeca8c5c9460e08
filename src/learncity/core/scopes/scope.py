"""Who may see and change what: the one place where data scopes are worked out.

Every read starts from `Model.objects.restrict(actor, action)` (restrict.py), whose rule (rules.py) asks the
user's scope, worked out here once a request by `scope_for(user)`. A scope is a set of
place subtrees (materialized paths such as "/350000/350100/350102/"), institutions, member units and
the user's own learner profile, for each of two actions, VIEW and CHANGE.

| role                 | places & population      | institutions            | learner profiles      | committees        |
|----------------------|--------------------------|-------------------------|-----------------------|-------------------|
| learner              | -                        | -                       | own (view, change)    | -                 |
| institution_staff    | own institution's place  | own (view, change)      | -                     | -                 |
| district_admin       | district subtree (v, c)  | district subtree (v, c) | district (masked)     | district subtree  |
| city_admin           | city subtree (v, c)      | city subtree (v, c)     | city (masked)         | city subtree      |
| member_unit_reporter | committee's subtree (v)  | -                       | -                     | own unit (v, c)   |
| expert_reviewer      | city subtree (v)         | city subtree (v)        | -                     | city subtree (v)  |
| auditor              | city subtree (v)         | city subtree (v)        | city (v, masked)      | city subtree (v)  |
| inspector            | -                        | -                       | -                     | -                 |

An inspector's place is the area they may be sent in (governance's visit_assign reads it from the assignment); what
they read is only the inspection visits they are sent on, by governance's `inspector()` rule on their user id.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from learncity.core.errors import PermissionDenied
from learncity.core.scopes.capabilities import Capability
from learncity.core.scopes.roles import ROLE_LABELS, Action, Role


@dataclass(frozen=True)
class _Grants:
    place_paths: frozenset[str] = frozenset()  # subtrees
    place_ids: frozenset[int] = frozenset()  # single places (not their subtree)
    institution_ids: frozenset[int] = frozenset()
    member_unit_ids: frozenset[int] = frozenset()
    people_paths: frozenset[str] = frozenset()  # learner profiles by residence subtree
    own_profile: bool = False


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool = False
    roles: frozenset[str] = frozenset()
    view: _Grants = field(default_factory=_Grants)
    change: _Grants = field(default_factory=_Grants)

    def grants(self, action: Action) -> _Grants:
        if action == Action.BROWSE:
            raise ValueError("BROWSE has no grants: a model's browse rule says what anyone sees")
        return self.view if action == Action.VIEW else self.change

    @property
    def is_staff_like(self) -> bool:
        return self.everything or bool(self.roles - {Role.LEARNER})

    # --- Q objects for the selectors -------------------------------------------------------------
    @staticmethod
    def _paths_q(field_name: str, paths) -> Q:
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(**{f"{field_name}__startswith": p})
        return q

    def places_q(self, action: Action, *, prefix: str = "") -> Q:
        """Q over Place (or over a relation to Place, given `prefix` such as "place__")."""
        if self.everything:
            return Q()
        g = self.grants(action)
        q = self._paths_q(f"{prefix}path", g.place_paths)
        if g.place_ids:
            q |= Q(**{f"{prefix}pk__in": list(g.place_ids)})
        return q

    def institutions_q(self, action: Action, *, prefix: str = "") -> Q:
        """Q over Institution (or over a relation to it, given `prefix` such as "provider__")."""
        if self.everything:
            return Q()
        g = self.grants(action)
        q = self._paths_q(f"{prefix}place__path", g.place_paths if self._reaches_subtrees(action) else ())
        if g.institution_ids:
            q |= Q(**{f"{prefix}pk__in": list(g.institution_ids)})
        return q

    def _reaches_subtrees(self, action: Action) -> bool:
        """Whether the user's place subtrees cover the institutions and committees in them (not only places):
        administrators for both actions; expert reviewers and auditors for reading."""
        roles = {Role.CITY_ADMIN, Role.DISTRICT_ADMIN}
        if action == Action.VIEW:
            roles |= {Role.EXPERT_REVIEWER, Role.AUDITOR}
        return bool(self.roles & roles)

    def profiles_q(self, action: Action, *, prefix: str = "") -> Q:
        """Q over LearnerProfile (or over a relation to it, given `prefix` such as "learner__")."""
        if self.everything:
            return Q()
        g = self.grants(action)
        q = self._paths_q(f"{prefix}residence__path", g.people_paths)
        if g.own_profile and self.user_id is not None:
            q |= Q(**{f"{prefix}user_id": self.user_id})
        return q

    def member_units_q(self, action: Action, *, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        g = self.grants(action)
        q = Q(**{f"{prefix}pk__in": list(g.member_unit_ids)})
        if self._reaches_subtrees(action):
            q |= self._paths_q(f"{prefix}committee__place__path", g.place_paths)
        return q

    def committees_q(self, action: Action, *, prefix: str = "", members: bool = True) -> Q:
        """Q over Committee: those of the user's area (administrators; reviewers and auditors for reading) and,
        for reading with `members`, those their member unit sits on."""
        if self.everything:
            return Q()
        g = self.grants(action)
        q = (Q(**{f"{prefix}members__pk__in": list(g.member_unit_ids)}) if action == Action.VIEW and members
             else Q(pk__in=[]))
        if self._reaches_subtrees(action):
            q |= self._paths_q(f"{prefix}place__path", g.place_paths)
        return q

    def can_manage_people_at(self, place_path: str) -> bool:
        return self.everything or any(place_path.startswith(p) for p in self.change.people_paths)

    def can_change_place(self, place_path: str) -> bool:
        return self.everything or any(place_path.startswith(p) for p in self.change.place_paths)

    def can_view_place(self, place) -> bool:
        return (
            self.everything
            or any(place.path.startswith(p) for p in self.view.place_paths)
            or place.pk in self.view.place_ids
        )

    def manages_institutions(self) -> bool:
        """Whether the user runs any institution: their own (staff), or those of the area they administer."""
        return self.everything or bool(self.change.institution_ids) or (
            self._reaches_subtrees(Action.CHANGE) and bool(self.change.place_paths))

    def role_labels(self) -> list:
        """The user's roles as the interface names them (the header shows them)."""
        return [ROLE_LABELS[r] for r in sorted(self.roles)]

    # --- capabilities: what a role may do at all, and on which object --------------------------------
    def may(self, capability: Capability, obj=None) -> bool:
        """Whether the user holds `capability` (by role), and, given `obj`, whether `obj` is inside the rows its
        model's rule gives them for the capability's action (one query)."""
        if not self.everything and not (self.roles & capability.roles):
            return False
        if obj is None or self.everything:
            return True
        manager = type(obj)._default_manager
        return manager.restrict(self, capability.action).filter(pk=obj.pk).exists()

    def require(self, capability: Capability, obj=None) -> None:
        """`may`, or PermissionDenied."""
        if not self.may(capability, obj):
            raise PermissionDenied()

    def roles_grantable(self) -> list[Role]:
        """The roles this user may grant somewhere in their scope, in Role's order (what the back office offers)."""
        return [role for role in Role if self._role_grantable(role)]

    def _role_grantable(self, role: Role) -> bool:
        if self.everything:
            return True
        if role in GRANTED_BY_CITY_ADMIN:
            return Role.CITY_ADMIN in self.roles
        if role in (Role.INSTITUTION_STAFF, Role.MEMBER_UNIT_REPORTER, Role.INSPECTOR):
            return bool(self.change.place_paths)
        if role == Role.LEARNER:
            return self.may(Capability.MANAGE_ACCOUNTS)
        return False

    def may_grant(self, role: Role, *, place=None, institution=None, member_unit=None) -> bool:
        """Whether this user may grant `role` over the place, institution or member unit given: the role half
        (`roles_grantable`) and the scope half (the object lies in a subtree they change)."""
        if not self._role_grantable(role):
            return False
        if self.everything or role == Role.LEARNER:
            return True
        if role in GRANTED_BY_CITY_ADMIN:
            return place is not None and self.can_change_place(place.path)
        if role == Role.INSTITUTION_STAFF:
            return institution is not None and self.can_change_place(institution.place.path)
        if role == Role.MEMBER_UNIT_REPORTER:
            return member_unit is not None and self.can_change_place(member_unit.committee.place.path)
        if role == Role.INSPECTOR:  # an administrator sends inspectors in their own area
            return place is not None and self.can_change_place(place.path)
        return False


# Roles over a place that only a city administrator grants.
GRANTED_BY_CITY_ADMIN = frozenset({Role.CITY_ADMIN, Role.AUDITOR, Role.EXPERT_REVIEWER, Role.DISTRICT_ADMIN})


ANONYMOUS = Scope(user_id=None)


def scope_for(user) -> Scope:
    """The user's scope, worked out from their role assignments once per request (cached on the user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_learncity_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(user_id=user.pk, everything=True, roles=frozenset(Role))
        user._learncity_scope = scope
        return scope

    v = {k: set() for k in ("place_paths", "place_ids", "institution_ids", "member_unit_ids", "people_paths")}
    c = {k: set() for k in v}
    own_profile = False
    roles = set()
    for ra in user.role_assignments.select_related("place", "institution__place", "member_unit__committee__place"):
        role = Role(ra.role)
        roles.add(role)
        if role == Role.LEARNER:
            own_profile = True
        elif role == Role.INSTITUTION_STAFF:
            v["institution_ids"].add(ra.institution_id)
            c["institution_ids"].add(ra.institution_id)
            v["place_ids"].add(ra.institution.place_id)
        elif role in (Role.DISTRICT_ADMIN, Role.CITY_ADMIN):
            for g in (v, c):
                g["place_paths"].add(ra.place.path)
                g["people_paths"].add(ra.place.path)
        elif role == Role.MEMBER_UNIT_REPORTER:
            v["member_unit_ids"].add(ra.member_unit_id)
            c["member_unit_ids"].add(ra.member_unit_id)
            v["place_paths"].add(ra.member_unit.committee.place.path)
        elif role == Role.EXPERT_REVIEWER:
            v["place_paths"].add(ra.place.path)
        elif role == Role.AUDITOR:
            v["place_paths"].add(ra.place.path)
            v["people_paths"].add(ra.place.path)
    # A learner always sees their own profile, whether or not the role row exists.
    if hasattr(user, "learner_profile"):
        own_profile = True
    scope = Scope(
        user_id=user.pk,
        roles=frozenset(roles),
        view=_Grants(**{k: frozenset(x) for k, x in v.items()}, own_profile=own_profile),
        change=_Grants(**{k: frozenset(x) for k, x in c.items()}, own_profile=own_profile),
    )
    user._learncity_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_learncity_scope"):
        del user._learncity_scope
