"""One user model; residents' learner profiles; roles with their scopes; personal API tokens."""

import functools
import operator

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learncity.core.credentials import Credential
from learncity.core.scopes import (
    ROLE_LABELS,
    ROLE_TARGETS,
    Action,
    RestrictedManager,
    RestrictedQuerySet,
    rules,
    scoped,
)
from learncity.core.scopes.rules import NOTHING, Rule
from learncity.places.models import SEX_CHOICES, Place

# What each role is granted over (core.scopes.roles: ROLE_TARGETS, ROLE_PLACE_LEVELS); the table constraint below
# is built from it.
_TARGETS = ("place", "institution", "member_unit")
_TARGET_PATHS = {"place": "place__path", "institution": "institution__place__path",
                 "member_unit": "member_unit__committee__place__path"}


def _role_target_q() -> Q:
    """Each role carries exactly the scope target it needs (ROLE_TARGETS), and nothing else."""
    alternatives = []
    for target in dict.fromkeys(ROLE_TARGETS.values()):
        roles = [r for r, t in ROLE_TARGETS.items() if t == target]
        which = {"role": roles[0]} if len(roles) == 1 else {"role__in": roles}
        alternatives.append(Q(**which, **{f"{f}__isnull": f != target for f in _TARGETS}))
    return functools.reduce(operator.or_, alternatives)


def assigned_in_people_paths(field: str = "") -> Rule:
    """Role assignments (`field` is the relation to RoleAssignment, "" for the model itself) whose target lies in
    the subtrees whose people the user manages (administrators) or reads (auditors)."""
    prefix = f"{field}__" if field else ""

    def q(scope, action):
        found = NOTHING
        for path in scope.grants(action).people_paths:
            for target_path in _TARGET_PATHS.values():
                found |= Q(**{f"{prefix}{target_path}__startswith": path})
        return found

    return Rule(q, f"assigned_in_people_paths({field!r})")


# One's own assignments, and (administrators, auditors) those over the places, institutions and member units of the
# subtrees whose people they manage or read; changing is for the former (role_revoke also asks scope.may_grant).
ASSIGNMENT_RULES = {Action.VIEW: rules.own("user") | assigned_in_people_paths(""),
                    Action.CHANGE: assigned_in_people_paths("")}


def _account_holders(scope, action) -> Q:
    """Users who hold a role assignment the scope reaches (a subquery, so a user with several is one row), and for
    changing, one's own account (one's password, one's tokens)."""
    q = Q(pk__in=RoleAssignment.objects.filter(ASSIGNMENT_RULES[action].q(scope, action)).values("user_id"))
    return q | Q(pk=scope.user_id) if action == Action.CHANGE and scope.user_id is not None else q


class UserManager(DjangoUserManager.from_queryset(RestrictedQuerySet)):
    """Django's user manager (create_user, …) whose queries restrict like every other model's."""


@scoped(view=Rule(_account_holders, "account_holders"), change=Rule(_account_holders, "account_holders"))
class User(AbstractUser):
    display_name = models.CharField(_("显示名"), max_length=64, blank=True)
    # Set when an administrator resets the password: the next pages lead to choosing one's own.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    objects = UserManager()

    def __str__(self) -> str:
        return self.display_name or self.username


# The groups are reference data anyone may read (the catalog filters by them).
@scoped(browse=rules.public(), view=rules.public())
class LearnerGroup(models.Model):
    """The groups the seeds address: employees, farmers, migrant workers, the elderly, …"""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=32)

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# The groups are data, seeded by migration 0002 (the seeds' target groups).


@scoped(view=rules.by_profile(""), change=rules.by_profile(""))
class LearnerProfile(models.Model):
    """A resident. The ID number is kept encrypted, with a keyed hash to find it and a masked form to show."""

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="learner_profile")
    name = models.CharField(_("姓名"), max_length=64)
    id_number_encrypted = models.TextField()
    id_number_hash = models.CharField(max_length=64, unique=True)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=SEX_CHOICES)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    residence = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="residents", verbose_name=_("居住地"))
    groups = models.ManyToManyField(LearnerGroup, blank=True, related_name="learners", verbose_name=_("群体"))
    # The day the resident registered (monitoring's registered-residents denominators count a profile from its
    # month on). Unset in rows written by bulk inserts that do not name it: the day the profile was created.
    registered_on = models.DateField(_("登记日期"), null=True, blank=True, default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]
        # monitoring's resident cells read the profiles changed since their watermark
        indexes = [models.Index(fields=["updated_at"], name="learner_profile_updated_at")]
        verbose_name = _("学习者档案")
        verbose_name_plural = _("学习者档案")

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


@scoped(view=ASSIGNMENT_RULES[Action.VIEW], change=ASSIGNMENT_RULES[Action.CHANGE])
class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("network.Institution", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="staff_roles")
    member_unit = models.ForeignKey("network.MemberUnit", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="reporters")
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        constraints = [
            # Each role carries exactly the scope target it needs, and nothing else.
            models.CheckConstraint(name="role_scope_target", condition=_role_target_q()),
        ]

    def __str__(self) -> str:
        target = self.place or self.institution or self.member_unit or ""
        return f"{self.user} · {self.get_role_display()} {target}"


@scoped(view=rules.own("user"), change=rules.own("user"))
class ApiToken(Credential):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once, at creation."""

    hash_field = "token_hash"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
