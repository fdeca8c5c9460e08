"""Rosters name learners: shown to those who manage the course and to those who may read people (auditors),
never to expert reviewers. A waiting learner is told where they stand now, not their arrival number. The world is
the factories' (达州市: a school of 通川区, its staff, the district's admin, the city's auditor and expert)."""

import pytest

from learncity.catalog import selectors, services
from learncity.core.scopes import Role
from learncity.network.models import InstitutionKind
from tests.catalog.factories import course_make
from tests.network.factories import institution_make
from tests.people.factories import account_make, learner_make, root
from tests.places.factories import DAZHOU, TONGCHUAN, place, street_of


@pytest.fixture
def world(db):
    admin = root()
    street = street_of(TONGCHUAN)
    school = institution_make(admin, street, kind=InstitutionKind.COMMUNITY_SCHOOL, name="通川花名册测试学校")
    return {
        "school": school, "street": street,
        "staff": account_make(Role.INSTITUTION_STAFF, actor=admin, institution=school),
        "district_admin": account_make(Role.DISTRICT_ADMIN, actor=admin, place=place(TONGCHUAN)),
        "auditor": account_make(Role.AUDITOR, actor=admin, place=place(DAZHOU)),
        "expert": account_make(Role.EXPERT_REVIEWER, actor=admin, place=place(DAZHOU)),
    }


def test_an_expert_reviewer_sees_no_roster_page_or_export(world, client_as):
    course = course_make(world["staff"], world["school"], capacity=1)
    client = client_as(world["expert"])

    assert client.get(f"/learn/manage/courses/{course.pk}/").status_code == 404
    assert client.get(f"/learn/manage/courses/{course.pk}/roster.xlsx").status_code == 404


def test_the_auditor_and_the_staff_see_the_roster(world, client_as):
    course = course_make(world["staff"], world["school"], capacity=1)

    for who in ("auditor", "staff", "district_admin"):
        assert client_as(world[who]).get(f"/learn/manage/courses/{course.pk}/").status_code == 200, who


def test_a_waiting_learner_is_told_their_place_in_line_after_someone_ahead_leaves(world):
    course = course_make(world["staff"], world["school"], capacity=1, state="published")
    admin = world["district_admin"]
    services.enrollment_create(actor=admin, course=course, learner=learner_make(world["street"], name="甲学员"))
    ahead = services.enrollment_create(actor=admin, course=course, learner=learner_make(world["street"], name="乙学员"))
    mine = services.enrollment_create(actor=admin, course=course, learner=learner_make(world["street"], name="丙学员"))
    assert (ahead.waitlist_position, mine.waitlist_position) == (1, 2)

    services.enrollment_cancel(actor=admin, enrollment=ahead)

    mine.refresh_from_db()
    assert mine.waitlist_position == 2  # arrival order is kept
    assert selectors.queue_rank(mine) == 1  # but they are next in line
