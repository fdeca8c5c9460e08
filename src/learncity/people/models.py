"""One user model; residents' learner profiles; roles with their scopes; personal API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import ROLE_LABELS, RestrictedManager, Role, rules, scoped
from learncity.places.models import SEX_CHOICES, Place


class User(AbstractUser):
    display_name = models.CharField(_("显示名"), max_length=64, blank=True)
    # Set when an administrator resets the password: the next pages lead to choosing one's own.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    def __str__(self) -> str:
        return self.display_name or self.username


class LearnerGroup(models.Model):
    """The groups the seeds address: employees, farmers, migrant workers, the elderly, …"""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=32)

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

    class Meta:
        constraints = [
            # Each role carries exactly the scope target it needs, and nothing else.
            models.CheckConstraint(
                name="role_scope_target",
                condition=(
                    Q(role=Role.LEARNER, place__isnull=True, institution__isnull=True, member_unit__isnull=True)
                    | Q(role=Role.INSTITUTION_STAFF, place__isnull=True, institution__isnull=False,
                        member_unit__isnull=True)
                    | Q(role__in=[Role.DISTRICT_ADMIN, Role.CITY_ADMIN, Role.EXPERT_REVIEWER, Role.AUDITOR],
                        place__isnull=False, institution__isnull=True, member_unit__isnull=True)
                    | Q(role=Role.MEMBER_UNIT_REPORTER, place__isnull=True, institution__isnull=True,
                        member_unit__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.place or self.institution or self.member_unit or ""
        return f"{self.user} · {self.get_role_display()} {target}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
