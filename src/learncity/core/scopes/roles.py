"""The roles a user can hold and the two actions every rule answers for."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Action(StrEnum):
    BROWSE = "browse"  # what the public pages show anyone (published courses, place names); no scope needed
    VIEW = "view"  # reading inside the user's scope (the back office)
    CHANGE = "change"


class Role(StrEnum):
    LEARNER = "learner"
    INSTITUTION_STAFF = "institution_staff"
    DISTRICT_ADMIN = "district_admin"
    CITY_ADMIN = "city_admin"
    MEMBER_UNIT_REPORTER = "member_unit_reporter"
    EXPERT_REVIEWER = "expert_reviewer"
    AUDITOR = "auditor"
    INSPECTOR = "inspector"


ROLE_LABELS = {
    Role.LEARNER: pgettext_lazy("role", "学习者"),
    Role.INSTITUTION_STAFF: _("机构工作人员"),
    Role.DISTRICT_ADMIN: _("区县管理员"),
    Role.CITY_ADMIN: _("市级管理员（终身教育促进委员会办公室）"),
    Role.MEMBER_UNIT_REPORTER: _("成员单位填报员"),
    Role.EXPERT_REVIEWER: _("评审专家"),
    Role.AUDITOR: _("审计员（只读）"),
    Role.INSPECTOR: _("督导员"),
}


# The one scope target each role is granted over (None: the learner role has none). The role assignments' table
# constraint (people.models) is built from it, and the accounts page offers the pickers the grantable roles need.
ROLE_TARGETS: dict[Role, str | None] = {
    Role.LEARNER: None,
    Role.INSTITUTION_STAFF: "institution",
    Role.DISTRICT_ADMIN: "place",
    Role.CITY_ADMIN: "place",
    Role.MEMBER_UNIT_REPORTER: "member_unit",
    Role.EXPERT_REVIEWER: "place",
    Role.AUDITOR: "place",
    Role.INSPECTOR: "place",  # the area the inspector may be sent in
}
# A role over a place that must be a place of one level: a district administrator's is a district
# (places.models.PlaceLevel.DISTRICT, which core cannot import; tests/core/test_restrict.py holds them equal).
ROLE_PLACE_LEVELS: dict[Role, int] = {Role.DISTRICT_ADMIN: 3}
