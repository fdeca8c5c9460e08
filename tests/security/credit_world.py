"""The credit bank of the tests' own city (tests/portal/world.py, 达州市): a course standard like the demo's
CE-COURSE (community-course completions, 16 hours a credit, at most 4, at least 4 hours; non-degree training),
its provider the world's school, and residents of the world's first street without a sign-in.

The standard is made as an administrator makes one, through the API (POST /api/credits/standards, its service
behind it): its body is the contract the credit bank keeps while its Python signatures move."""

import json

from django.test import Client

from learncity.creditbank.models import StandardVersion, VersionStatus
from learncity.people.models import LearnerProfile
from tests.people.factories import learner_make

COURSE_STANDARD = "DZ-CE-COURSE"


def course_standard_make(world) -> StandardVersion:
    client = Client()
    client.force_login(world.admin)
    response = client.post("/api/credits/standards", json.dumps({
        "city_code": world.city.code, "code": COURSE_STANDARD, "name": "社区教育课程（按学时认定）",
        "credit_class": "training", "level": 1, "credits": "4", "hours_per_credit": "16", "min_hours": "4",
        "evidence": "结业记录", "record_kinds": ["completion"], "course_kinds": ["community", "family", "health"],
        "effective_from": "2020-01-01", "providers": [world.institution.code]}), content_type="application/json")
    assert response.status_code == 201, response.content.decode()
    return course_version()


def course_version() -> StandardVersion:
    """The course standard's active version."""
    return StandardVersion.objects.get(standard__code=COURSE_STANDARD, status=VersionStatus.ACTIVE)


def resident_make(world) -> LearnerProfile:
    """A new adult resident of the world's first street, with no sign-in or learning account yet."""
    return learner_make(world.street, account=False, actor=world.admin, name="测试居民")
