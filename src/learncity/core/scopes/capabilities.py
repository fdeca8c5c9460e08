"""What a role may do at all, named once. Code asks `scope.may(Capability.REVIEW, declaration)`: the role half is
decided here, the object half by the object's model rule (rules.py) for the capability's action.

Outside `core/scopes`, no code names a role to decide a permission: it asks for a capability.
"""

from enum import Enum

from learncity.core.scopes.roles import Action, Role

_ADMINS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_ADMIN})


class Capability(Enum):
    # (name, roles that hold it, the action an object must be in scope for); the name keeps equal pairs apart
    STAFF_AREA = ("staff_area", frozenset(Role) - {Role.LEARNER}, Action.VIEW)  # the back office: every role but learner
    MONITOR = ("monitor", _ADMINS | {Role.AUDITOR, Role.EXPERT_REVIEWER, Role.MEMBER_UNIT_REPORTER}, Action.VIEW)
    SET_TARGETS = ("set_targets", _ADMINS, Action.CHANGE)  # targets and the place data under them
    # at the top of one's own area too: the city sets its own targets; a district's are set by the city
    SET_OWN_TARGETS = ("set_own_targets", frozenset({Role.CITY_ADMIN}), Action.CHANGE)
    DEFINE_INDICATORS = ("define_indicators", frozenset({Role.CITY_ADMIN}), Action.CHANGE)
    MANAGE_ACCOUNTS = ("manage_accounts", _ADMINS | {Role.INSTITUTION_STAFF}, Action.CHANGE)  # create accounts, grant roles
    REVIEW = ("review", frozenset({Role.EXPERT_REVIEWER, Role.CITY_ADMIN}), Action.CHANGE)  # decide declarations
    READ_REVIEWS = ("read_reviews", frozenset({Role.EXPERT_REVIEWER, Role.CITY_ADMIN, Role.AUDITOR}), Action.VIEW)
    AUDIT = ("audit", frozenset({Role.AUDITOR}), Action.VIEW)  # the read-only audit views
    MANAGE_CREDIT_RULES = ("manage_credit_rules", frozenset({Role.CITY_ADMIN}), Action.CHANGE)  # standards, policies, conversion rules
    DESIGNATE = ("designate", frozenset({Role.CITY_ADMIN}), Action.CHANGE)  # the network's designations
    # the committee office's work (work points and tasks, accepting progress): the administrators of its place
    GOVERN = ("govern", _ADMINS, Action.CHANGE)
    # reporting a member unit's (or a lower committee's) progress on its tasks
    REPORT_PROGRESS = ("report_progress", _ADMINS | {Role.MEMBER_UNIT_REPORTER}, Action.CHANGE)
    # scoring the inspection visits one is sent on (governance's inspections; the visit's rule names the inspector)
    INSPECT = ("inspect", frozenset({Role.INSPECTOR}), Action.CHANGE)

    def __init__(self, key: str, roles: frozenset, action: Action):
        self.roles = frozenset(roles)
        self.action = action
