"""Selectors are scoped per role: what each user of the tests' own city (tests/portal/world.py: 达州市, its 通川区
and 达川区) sees (VIEW) and may change (CHANGE)."""

import pytest

from learncity.core.scopes import Action, scope_for
from learncity.network.models import Committee, Institution, MemberUnit
from learncity.network.selectors import committee_list, institution_list, member_unit_list
from learncity.people.models import LearnerProfile
from learncity.people.selectors import profile_list
from learncity.places.models import Place
from learncity.places.selectors import place_list
from tests.network.factories import committee_make, member_unit_make
from tests.people.factories import learner_make
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, street_of


@pytest.fixture(scope="module", autouse=True)
def _more_of_the_world(world_built):
    """Beside the world: 通川区's own committee with its member units, and a resident of 达川区 (so each district
    has people the other's administrator must not see). Made once for the module, in the world's transaction."""
    root = world_built.admin
    committee = committee_make(root, world_built.district, name="通川区终身教育促进委员会")
    for name in ("通川区教育局", "通川区民政局", "通川区总工会"):
        member_unit_make(root, committee, name=name, is_lead=name == "通川区教育局")
    learner_make(street_of(DACHUAN), name="测试学员乙", account=False, actor=root)


def pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def city_places(world) -> set[int]:
    return pks(Place.objects.filter(path__startswith=world.city.path))


def city_institutions(world) -> set[int]:
    return pks(Institution.objects.filter(place__path__startswith=world.city.path))


def city_profiles(world) -> set[int]:
    return pks(LearnerProfile.objects.filter(residence__path__startswith=world.city.path))


def city_committees(world) -> set[int]:
    return pks(Committee.objects.filter(place__path__startswith=world.city.path))


def city_member_units(world) -> set[int]:
    return pks(MemberUnit.objects.filter(committee__place__path__startswith=world.city.path))


def test_the_city_holds_what_these_tests_tell_apart(world):
    assert len(city_places(world)) > 100  # the official divisions of 达州市
    assert len(city_institutions(world)) == 3
    assert len(city_profiles(world)) == 2
    assert len(city_committees(world)) == 2
    assert len(city_member_units(world)) == 1 + 3


# --- district admin --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_a_district_admin_sees_and_changes_exactly_their_district(world, action):
    actor = world.district_admin

    places = place_list(actor=actor, action=action)
    institutions = institution_list(actor=actor, action=action)
    profiles = profile_list(actor=actor, action=action)

    assert pks(places) == pks(Place.objects.filter(path__startswith=world.district.path))
    assert not [p.path for p in places if not p.path.startswith(world.district.path)]
    assert pks(institutions) == pks(Institution.objects.filter(place__path__startswith=world.district.path))
    assert not [i.place.path for i in institutions if not i.place.path.startswith(world.district.path)]
    assert pks(profiles) == pks(LearnerProfile.objects.filter(residence__path__startswith=world.district.path))
    assert not [p.residence.path for p in profiles if not p.residence.path.startswith(world.district.path)]
    assert 0 < len(pks(profiles)) < len(city_profiles(world))


def test_a_district_admin_sees_their_own_committee_and_its_member_units(world):
    actor = world.district_admin

    assert [c.place.code for c in committee_list(actor=actor)] == [TONGCHUAN]
    assert pks(member_unit_list(actor=actor)) == pks(MemberUnit.objects.filter(committee__place__code=TONGCHUAN))
    assert len(pks(member_unit_list(actor=actor))) == 3


def test_two_district_admins_see_disjoint_districts(world):
    first = pks(place_list(actor=world.district_admin))
    second = pks(place_list(actor=world.district_admin_2))

    assert first and second
    assert not first & second
    assert second == pks(Place.objects.filter(path__startswith=world.district_2.path))


# --- city admin ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_a_city_admin_sees_and_changes_the_whole_city_and_nothing_outside(world, action):
    actor = world.city_admin

    assert pks(place_list(actor=actor, action=action)) == city_places(world)
    assert pks(institution_list(actor=actor, action=action)) == city_institutions(world)
    assert pks(profile_list(actor=actor, action=action)) == city_profiles(world)


def test_a_city_admin_sees_every_committee_of_the_city(world):
    actor = world.city_admin

    assert pks(committee_list(actor=actor)) == city_committees(world)
    assert pks(member_unit_list(actor=actor)) == city_member_units(world)


# --- institution staff -----------------------------------------------------------------------------------


def test_staff_see_only_their_institution_and_its_place(world):
    actor = world.staff
    own = actor.role_assignments.get().institution

    assert list(institution_list(actor=actor)) == [own]
    assert list(institution_list(actor=actor, action=Action.CHANGE)) == [own]
    assert [p.code for p in place_list(actor=actor)] == [own.place.code] == [world.street.code]
    assert list(place_list(actor=actor, action=Action.CHANGE)) == []
    assert list(profile_list(actor=actor)) == []
    assert list(committee_list(actor=actor)) == []
    assert list(member_unit_list(actor=actor)) == []


# --- learner ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_a_learner_sees_only_their_own_profile(world, action):
    actor = world.learner

    assert list(profile_list(actor=actor, action=action)) == [LearnerProfile.objects.get(user=actor)]
    assert list(place_list(actor=actor, action=action)) == []
    assert list(institution_list(actor=actor, action=action)) == []


def test_a_learner_sees_no_committees(world):
    assert list(committee_list(actor=world.learner)) == []
    assert list(member_unit_list(actor=world.learner)) == []


# --- auditor and expert ----------------------------------------------------------------------------------


def test_an_auditor_sees_all_of_the_city(world):
    actor = world.auditor

    assert pks(place_list(actor=actor)) == city_places(world)
    assert pks(institution_list(actor=actor)) == city_institutions(world)
    assert pks(profile_list(actor=actor)) == city_profiles(world)
    assert pks(committee_list(actor=actor)) == city_committees(world)
    assert pks(member_unit_list(actor=actor)) == city_member_units(world)


@pytest.mark.parametrize("username", ["auditor", "expert", "reporter"])
def test_read_only_roles_may_change_nothing(world, username):
    actor = world.user(username)

    assert list(place_list(actor=actor, action=Action.CHANGE)) == []
    assert list(institution_list(actor=actor, action=Action.CHANGE)) == []
    assert list(profile_list(actor=actor, action=Action.CHANGE)) == []


def test_an_expert_sees_places_and_institutions_but_no_residents(world):
    actor = world.expert

    assert pks(place_list(actor=actor)) == city_places(world)
    assert pks(institution_list(actor=actor)) == city_institutions(world)
    assert list(profile_list(actor=actor)) == []
    assert pks(committee_list(actor=actor)) == city_committees(world)


# --- member-unit reporter --------------------------------------------------------------------------------


def test_a_reporter_sees_their_unit_its_committee_and_its_places(world):
    actor = world.reporter
    own = actor.role_assignments.get().member_unit

    assert list(member_unit_list(actor=actor)) == [own]
    assert [c.place.code for c in committee_list(actor=actor)] == [DAZHOU]
    assert pks(place_list(actor=actor)) == city_places(world)
    assert list(institution_list(actor=actor)) == []
    assert list(profile_list(actor=actor)) == []


# --- no one and everyone ---------------------------------------------------------------------------------


def test_an_anonymous_user_sees_nothing(db):
    assert list(place_list(actor=None)) == []
    assert list(institution_list(actor=None)) == []
    assert list(profile_list(actor=None)) == []
    assert list(committee_list(actor=None)) == []
    assert list(member_unit_list(actor=None)) == []


def test_a_deactivated_user_sees_nothing(world):
    actor = world.city_admin
    actor.is_active = False

    assert list(place_list(actor=actor)) == []
    assert list(institution_list(actor=actor)) == []


def test_the_superuser_sees_everything(world):
    actor = world.admin

    assert place_list(actor=actor).count() == Place.objects.count()
    assert institution_list(actor=actor, action=Action.CHANGE).count() == Institution.objects.count()
    assert profile_list(actor=actor).count() == LearnerProfile.objects.count()


def test_selector_filters_stay_inside_the_scope(world):
    # a district admin asking for another district's children, or searching its name, gets nothing
    actor = world.district_admin

    assert list(place_list(actor=actor, parent_code=DACHUAN)) == []
    assert list(place_list(actor=actor, q=street_of(DACHUAN).name)) == []
    assert list(place_list(actor=actor, q=DACHUAN)) == []
    assert list(institution_list(actor=actor, place_code=DACHUAN)) == []
    assert list(profile_list(actor=actor, place_code=DACHUAN)) == []
    assert [p.code for p in place_list(actor=actor, parent_code=TONGCHUAN)][:2] == [world.street.code,
                                                                                     world.street_2.code]


def test_the_scope_is_worked_out_from_role_assignments(world):
    scope = scope_for(world.district_admin)

    assert scope.view.place_paths == scope.change.place_paths == frozenset({world.district.path})
    assert scope.view.people_paths == scope.change.people_paths == frozenset({world.district.path})
    assert scope.is_staff_like
    assert not scope_for(world.learner).is_staff_like
