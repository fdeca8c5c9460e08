"""Selectors are scoped per role: what each demo user sees (VIEW) and may change (CHANGE)."""

import pytest

from learncity.core.scopes import Action, scope_for
from learncity.network.models import Committee, Institution, MemberUnit
from learncity.network.selectors import committee_list, institution_list, member_unit_list
from learncity.people.models import LearnerProfile
from learncity.people.selectors import profile_list
from learncity.places.models import Place
from learncity.places.selectors import place_list

CITY_PATH = "/350000/350100/"
GULOU_PATH = "/350000/350100/350102/"
TAIJIANG_PATH = "/350000/350100/350103/"


def pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def city_places() -> set[int]:
    return pks(Place.objects.filter(path__startswith=CITY_PATH))


def city_institutions() -> set[int]:
    return pks(Institution.objects.filter(place__path__startswith=CITY_PATH))


def city_profiles() -> set[int]:
    return pks(LearnerProfile.objects.filter(residence__path__startswith=CITY_PATH))


def city_committees() -> set[int]:
    return pks(Committee.objects.filter(place__path__startswith=CITY_PATH))


def city_member_units() -> set[int]:
    return pks(MemberUnit.objects.filter(committee__place__path__startswith=CITY_PATH))


def test_the_demo_city_is_populated_enough_for_these_tests(db):
    assert len(city_places()) > 1000
    assert len(city_institutions()) > 1000
    assert len(city_profiles()) == 300
    assert len(city_committees()) == 14
    assert len(city_member_units()) == 14 + 13 * 6


# --- district admin --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_a_district_admin_sees_and_changes_exactly_their_district(users, action):
    actor = users["district_admin"]

    places = place_list(actor=actor, action=action)
    institutions = institution_list(actor=actor, action=action)
    profiles = profile_list(actor=actor, action=action)

    assert pks(places) == pks(Place.objects.filter(path__startswith=GULOU_PATH))
    assert not [p.path for p in places if not p.path.startswith(GULOU_PATH)]
    assert pks(institutions) == pks(Institution.objects.filter(place__path__startswith=GULOU_PATH))
    assert not [i.place.path for i in institutions if not i.place.path.startswith(GULOU_PATH)]
    assert pks(profiles) == pks(LearnerProfile.objects.filter(residence__path__startswith=GULOU_PATH))
    assert not [p.residence.path for p in profiles if not p.residence.path.startswith(GULOU_PATH)]
    assert 0 < len(pks(profiles)) < 300


def test_a_district_admin_sees_their_own_committee_and_its_member_units(users):
    actor = users["district_admin"]

    assert [c.place.code for c in committee_list(actor=actor)] == ["350102"]
    assert pks(member_unit_list(actor=actor)) == pks(MemberUnit.objects.filter(committee__place__code="350102"))
    assert len(pks(member_unit_list(actor=actor))) == 6


def test_two_district_admins_see_disjoint_districts(users):
    first = pks(place_list(actor=users["district_admin"]))
    second = pks(place_list(actor=users["district_admin_2"]))

    assert first and second
    assert not first & second
    assert second == pks(Place.objects.filter(path__startswith=TAIJIANG_PATH))


# --- city admin ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_a_city_admin_sees_and_changes_the_whole_city_and_nothing_outside(users, action):
    actor = users["city_admin"]

    assert pks(place_list(actor=actor, action=action)) == city_places()
    assert pks(institution_list(actor=actor, action=action)) == city_institutions()
    assert pks(profile_list(actor=actor, action=action)) == city_profiles()


def test_a_city_admin_sees_every_committee_of_the_city(users):
    actor = users["city_admin"]

    assert pks(committee_list(actor=actor)) == city_committees()
    assert pks(member_unit_list(actor=actor)) == city_member_units()


# --- institution staff -----------------------------------------------------------------------------------


def test_staff_see_only_their_institution_and_its_place(users):
    actor = users["staff"]
    own = actor.role_assignments.get().institution

    assert list(institution_list(actor=actor)) == [own]
    assert list(institution_list(actor=actor, action=Action.CHANGE)) == [own]
    assert [p.code for p in place_list(actor=actor)] == [own.place.code] == ["350102001"]
    assert list(place_list(actor=actor, action=Action.CHANGE)) == []
    assert list(profile_list(actor=actor)) == []
    assert list(committee_list(actor=actor)) == []
    assert list(member_unit_list(actor=actor)) == []


# --- learner ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_a_learner_sees_only_their_own_profile(users, action):
    actor = users["learner"]

    assert list(profile_list(actor=actor, action=action)) == [LearnerProfile.objects.get(user=actor)]
    assert list(place_list(actor=actor, action=action)) == []
    assert list(institution_list(actor=actor, action=action)) == []


def test_a_learner_sees_no_committees(users):
    assert list(committee_list(actor=users["learner"])) == []
    assert list(member_unit_list(actor=users["learner"])) == []


# --- auditor and expert ----------------------------------------------------------------------------------


def test_an_auditor_sees_all_of_the_city(users):
    actor = users["auditor"]

    assert pks(place_list(actor=actor)) == city_places()
    assert pks(institution_list(actor=actor)) == city_institutions()
    assert pks(profile_list(actor=actor)) == city_profiles()
    assert pks(committee_list(actor=actor)) == city_committees()
    assert pks(member_unit_list(actor=actor)) == city_member_units()


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter"])
def test_read_only_roles_may_change_nothing(users, username):
    actor = users[username]

    assert list(place_list(actor=actor, action=Action.CHANGE)) == []
    assert list(institution_list(actor=actor, action=Action.CHANGE)) == []
    assert list(profile_list(actor=actor, action=Action.CHANGE)) == []


def test_an_expert_sees_places_and_institutions_but_no_residents(users):
    actor = users["expert"]

    assert pks(place_list(actor=actor)) == city_places()
    assert pks(institution_list(actor=actor)) == city_institutions()
    assert list(profile_list(actor=actor)) == []
    assert pks(committee_list(actor=actor)) == city_committees()


# --- member-unit reporter --------------------------------------------------------------------------------


def test_a_reporter_sees_their_unit_its_committee_and_its_places(users):
    actor = users["reporter"]
    own = actor.role_assignments.get().member_unit

    assert list(member_unit_list(actor=actor)) == [own]
    assert [c.place.code for c in committee_list(actor=actor)] == ["350100"]
    assert pks(place_list(actor=actor)) == city_places()
    assert list(institution_list(actor=actor)) == []
    assert list(profile_list(actor=actor)) == []


# --- no one and everyone ---------------------------------------------------------------------------------


def test_an_anonymous_user_sees_nothing(db):
    assert list(place_list(actor=None)) == []
    assert list(institution_list(actor=None)) == []
    assert list(profile_list(actor=None)) == []
    assert list(committee_list(actor=None)) == []
    assert list(member_unit_list(actor=None)) == []


def test_a_deactivated_user_sees_nothing(users):
    actor = users["city_admin"]
    actor.is_active = False

    assert list(place_list(actor=actor)) == []
    assert list(institution_list(actor=actor)) == []


def test_the_superuser_sees_everything(users):
    actor = users["admin"]

    assert place_list(actor=actor).count() == Place.objects.count()
    assert institution_list(actor=actor, action=Action.CHANGE).count() == Institution.objects.count()
    assert profile_list(actor=actor).count() == LearnerProfile.objects.count()


def test_selector_filters_stay_inside_the_scope(users):
    # a district admin asking for another district's children, or searching its name, gets nothing
    actor = users["district_admin"]

    assert list(place_list(actor=actor, parent_code="350103")) == []
    assert list(place_list(actor=actor, q="瀛洲街道")) == []
    assert list(place_list(actor=actor, q="350103")) == []
    assert list(institution_list(actor=actor, place_code="350103")) == []
    assert list(profile_list(actor=actor, place_code="350103")) == []
    assert [p.code for p in place_list(actor=actor, parent_code="350102")][:2] == ["350102001", "350102002"]


def test_the_scope_is_worked_out_from_role_assignments(users):
    scope = scope_for(users["district_admin"])

    assert scope.view.place_paths == scope.change.place_paths == frozenset({GULOU_PATH})
    assert scope.view.people_paths == scope.change.people_paths == frozenset({GULOU_PATH})
    assert scope.is_staff_like
    assert not scope_for(users["learner"]).is_staff_like
