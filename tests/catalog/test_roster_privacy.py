"""Rosters name learners: shown to those who manage the course and to those who may read people (auditors),
never to expert reviewers. A waiting learner is told where they stand now, not their arrival number."""

from learncity.catalog import selectors, services
from tests.catalog.factories import course_make, learner_make, profile, staff_institution


def test_an_expert_reviewer_sees_no_roster_page_or_export(users, client_as):
    course = course_make(users["staff"], staff_institution(users), capacity=1)
    client = client_as(users["expert"])

    assert client.get(f"/learn/manage/courses/{course.pk}/").status_code == 404
    assert client.get(f"/learn/manage/courses/{course.pk}/roster.xlsx").status_code == 404


def test_the_auditor_and_the_staff_see_the_roster(users, client_as):
    course = course_make(users["staff"], staff_institution(users), capacity=1)

    for username in ("auditor", "staff", "district_admin"):
        assert client_as(users[username]).get(f"/learn/manage/courses/{course.pk}/").status_code == 200, username


def test_a_waiting_learner_is_told_their_place_in_line_after_someone_ahead_leaves(users, client_as):
    course = course_make(users["staff"], staff_institution(users), capacity=1, state="published")
    services.enrollment_create(actor=users["district_admin"], course=course, learner=profile(learner_make(name="甲学员")))
    ahead = services.enrollment_create(actor=users["district_admin"], course=course, learner=profile(learner_make(name="乙学员")))
    mine = services.enrollment_create(actor=users["district_admin"], course=course, learner=profile(learner_make(name="丙学员")))
    assert (ahead.waitlist_position, mine.waitlist_position) == (1, 2)

    services.enrollment_cancel(actor=users["district_admin"], enrollment=ahead)

    mine.refresh_from_db()
    assert mine.waitlist_position == 2  # arrival order is kept
    assert selectors.queue_rank(mine) == 1  # but they are next in line
