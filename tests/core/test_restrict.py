"""`Model.objects.restrict(actor, action)`, the rules models declare with @scoped, and capabilities.

The tests' own city (tests/portal/world.py, through tests/core/conftest.py: 达州市, built once for the module): its
users against 通川区 (world.district, in the district admin's scope) and 达川区 (world.district_2, outside it).
tests/core/test_scopes.py checks what each role's selectors return; this file checks the machinery under them.
"""

import pytest
from django.apps import apps
from django.db.models import Q

from learncity.core.scopes import (
    ANONYMOUS,
    Action,
    Capability,
    RestrictedManager,
    Role,
    Scope,
    restricted_models,
    rule_for,
    rules,
    scope_for,
    scoped,
)
from learncity.core.scopes.scope import _Grants
from learncity.network.models import Committee, Institution, MemberUnit
from learncity.people.models import LearnerProfile
from learncity.places.models import Place
from tests.network.factories import member_unit_make
from tests.people.factories import account_make


def pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


# --- every model declares its rule ---------------------------------------------------------------------------


def test_every_model_of_the_project_declares_a_scope_rule():
    # Django's own models (sessions, auth's Permission…) and many-to-many through tables are not the project's.
    undeclared = [
        m._meta.label for m in apps.get_models()
        if m.__module__.startswith("learncity.") and not m._meta.auto_created and m not in restricted_models()
    ]

    assert undeclared == []


def test_every_declared_model_can_restrict():
    for model in restricted_models():
        assert hasattr(model.objects, "restrict"), model


def test_a_model_without_a_rule_is_refused_with_its_name():
    class Loose:
        __mro__ = (object,)
        __name__ = "Loose"

    with pytest.raises(LookupError, match="Loose declares no scope rule"):
        rule_for(Loose, Action.VIEW)


def test_a_model_whose_manager_cannot_restrict_cannot_be_declared():
    class Plain:
        __name__ = "Plain"

        class _default_manager:  # a plain manager: no restrict()
            pass

    with pytest.raises(TypeError, match="Plain's manager is not a RestrictedQuerySet's"):
        scoped(view=rules.public())(Plain)


def test_capabilities_are_distinct_even_where_they_share_roles_and_action():
    # an Enum with equal values would make aliases: DESIGNATE would *be* DEFINE_INDICATORS
    assert len(list(Capability)) == len(Capability.__members__)
    assert Capability.DESIGNATE is not Capability.DEFINE_INDICATORS


# --- restrict against the scope's grants ---------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_restrict_gives_a_district_admin_exactly_their_district(world, action):
    actor = world.district_admin
    inside, outside = world.district.path, world.district_2.path

    assert pks(Place.objects.restrict(actor, action)) == pks(Place.objects.filter(path__startswith=inside))
    assert pks(Institution.objects.restrict(actor, action)) == pks(
        Institution.objects.filter(place__path__startswith=inside))
    assert pks(LearnerProfile.objects.restrict(actor, action)) == pks(
        LearnerProfile.objects.filter(residence__path__startswith=inside))
    assert not pks(Place.objects.restrict(actor, action)) & pks(Place.objects.filter(path__startswith=outside))
    # the world's rows on each side: the district's two institutions and resident, the other district's institution
    assert {world.institution.pk, world.institution_other.pk} <= pks(Institution.objects.restrict(actor, action))
    assert world.learner_profile.pk in pks(LearnerProfile.objects.restrict(actor, action))
    assert world.institution_2.pk not in pks(Institution.objects.restrict(actor, action))


def test_restrict_accepts_a_user_or_their_scope_alike(world):
    actor = world.district_admin_2

    assert pks(Institution.objects.restrict(scope_for(actor), Action.CHANGE)) == pks(
        Institution.objects.restrict(actor, Action.CHANGE))
    assert world.institution_2.pk in pks(Institution.objects.restrict(actor, Action.CHANGE))


def test_restrict_chains_with_other_filters_and_stays_inside_the_scope(world):
    actor = world.district_admin

    # 学校: the district's 社区学校 (not its 老年大学), and not 达川区's 社区学校
    schools = Institution.objects.restrict(actor, Action.CHANGE).filter(name__contains="学校")

    assert schools.exists()
    assert all(i.place.path.startswith(world.district.path) for i in schools)
    assert world.institution in schools
    assert world.institution_other not in schools
    assert world.institution_2 not in schools


def test_staff_reach_their_own_institution_only_and_change_no_place(world):
    actor = world.staff
    own = actor.role_assignments.get().institution
    assert own == world.institution

    assert list(Institution.objects.restrict(actor, Action.CHANGE)) == [own]
    assert list(Place.objects.restrict(actor, Action.VIEW)) == [own.place]
    assert list(Place.objects.restrict(actor, Action.CHANGE)) == []


def test_a_reporter_changes_their_own_unit_and_reads_its_committee(world):
    actor = world.reporter
    unit = actor.role_assignments.get().member_unit
    assert unit == world.member_unit
    # a second member unit: the committee is still one row
    member_unit_make(world.admin, world.committee, name="达州市教育局")

    assert list(MemberUnit.objects.restrict(actor, Action.CHANGE)) == [unit]
    # the committee is reached through its members: one row, not one per member unit
    assert list(Committee.objects.restrict(actor, Action.VIEW)) == [unit.committee]
    assert list(Committee.objects.restrict(actor, Action.CHANGE)) == []


def test_anonymous_reaches_nothing_in_the_back_office_but_browses_public_rows(world):
    # the world's institutions and resident are there, and refused
    assert Institution.objects.filter(pk=world.institution.pk).exists()
    assert LearnerProfile.objects.filter(pk=world.learner_profile.pk).exists()
    assert not Place.objects.restrict(None, Action.VIEW).exists()
    assert not Institution.objects.restrict(ANONYMOUS, Action.VIEW).exists()
    assert not LearnerProfile.objects.restrict(None, Action.VIEW).exists()
    assert Place.objects.restrict(None, Action.BROWSE).count() == Place.objects.count()
    assert Institution.objects.restrict(None, Action.BROWSE).count() == Institution.objects.count()


def test_browse_never_opens_what_is_not_public(world):
    # residents are nobody's to browse, not even a city administrator's
    assert world.learner_profile.pk in pks(LearnerProfile.objects.restrict(world.city_admin, Action.VIEW))
    assert not LearnerProfile.objects.restrict(world.city_admin, Action.BROWSE).exists()


def test_a_public_rule_never_grants_change(world):
    assert not Place.objects.restrict(world.learner, Action.CHANGE).exists()
    assert rules.public().q(scope_for(world.learner), Action.CHANGE) == rules.NOTHING


def test_the_superuser_reaches_every_row_for_every_action(world):
    assert world.admin.is_superuser
    for action in Action:
        assert LearnerProfile.objects.restrict(world.admin, action).count() == LearnerProfile.objects.count()


def test_a_learner_reaches_their_own_profile(world):
    learner = world.learner

    assert list(LearnerProfile.objects.restrict(learner, Action.VIEW)) == [learner.learner_profile]
    assert list(LearnerProfile.objects.restrict(learner, Action.CHANGE)) == [learner.learner_profile]


def test_rules_combine_with_or(world):
    scope = scope_for(world.staff)
    own = world.staff.role_assignments.get().institution
    rule = rules.by_institution("") | rules.public(code="no-such-code")

    assert pks(Institution.objects.filter(rule.q(scope, Action.VIEW))) == {own.pk}
    assert "by_institution('')" in repr(rule)


def test_browse_asks_no_grants():
    with pytest.raises(ValueError, match="BROWSE has no grants"):
        ANONYMOUS.grants(Action.BROWSE)


# --- capabilities ------------------------------------------------------------------------------------------------


def test_a_capability_is_held_by_its_roles_only(world):
    assert scope_for(world.expert).may(Capability.REVIEW)
    assert scope_for(world.city_admin).may(Capability.REVIEW)
    assert not scope_for(world.auditor).may(Capability.REVIEW)
    assert scope_for(world.auditor).may(Capability.READ_REVIEWS)
    assert not scope_for(world.learner).may(Capability.STAFF_AREA)
    assert scope_for(world.reporter).may(Capability.STAFF_AREA)
    assert not ANONYMOUS.may(Capability.STAFF_AREA)


def test_a_capability_on_an_object_also_needs_the_object_in_scope(world):
    scope = scope_for(world.district_admin)

    assert scope.may(Capability.SET_TARGETS, world.district)
    assert not scope.may(Capability.SET_TARGETS, world.district_2)
    # the role half first: a learner is refused without asking the object
    assert not scope_for(world.learner).may(Capability.SET_TARGETS, world.district)


def test_require_refuses_with_permission_denied(world):
    from learncity.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        scope_for(world.district_admin).require(Capability.SET_TARGETS, world.district_2)
    scope_for(world.district_admin_2).require(Capability.SET_TARGETS, world.district_2)  # no error


def test_the_superuser_holds_every_capability(world):
    scope = scope_for(world.admin)

    assert all(scope.may(c) for c in Capability)


# --- granting roles --------------------------------------------------------------------------------------------


def test_only_a_city_admin_grants_the_roles_over_a_place(world):
    district = world.district

    assert scope_for(world.city_admin).may_grant(Role.DISTRICT_ADMIN, place=district)
    assert not scope_for(world.district_admin).may_grant(Role.DISTRICT_ADMIN, place=district)
    assert not scope_for(world.district_admin).may_grant(Role.AUDITOR, place=district)


def test_a_district_admin_grants_staff_roles_inside_their_district_only(world):
    inside = world.institution_other  # 通川区's, not the staff's
    outside = world.institution_2  # 达川区's
    scope = scope_for(world.district_admin)

    assert scope.may_grant(Role.INSTITUTION_STAFF, institution=inside)
    assert not scope.may_grant(Role.INSTITUTION_STAFF, institution=outside)
    assert not scope.may_grant(Role.INSTITUTION_STAFF)  # no institution given


def test_the_roles_offered_follow_the_granting_rules(world):
    assert scope_for(world.city_admin).roles_grantable() == list(Role)
    assert scope_for(world.district_admin).roles_grantable() == [
        Role.LEARNER, Role.INSTITUTION_STAFF, Role.MEMBER_UNIT_REPORTER, Role.INSPECTOR]
    assert scope_for(world.staff).roles_grantable() == [Role.LEARNER]
    assert scope_for(world.auditor).roles_grantable() == []
    assert scope_for(world.learner).roles_grantable() == []


def test_an_administrator_grants_an_inspector_over_their_own_area_only(world):
    district = scope_for(world.district_admin)  # 通川区's

    assert district.may_grant(Role.INSPECTOR, place=world.district)
    assert district.may_grant(Role.INSPECTOR, place=world.street)
    assert not district.may_grant(Role.INSPECTOR, place=world.district_2)
    assert not district.may_grant(Role.INSPECTOR)  # no place given
    assert scope_for(world.city_admin).may_grant(Role.INSPECTOR, place=world.district_2)
    assert not scope_for(world.reporter).may_grant(Role.INSPECTOR, place=world.district)


def test_an_inspector_reads_no_place_institution_person_or_committee(world):
    inspector = account_make(Role.INSPECTOR, actor=world.city_admin, place=world.city)
    scope = scope_for(inspector)

    assert (scope.roles, scope.view, scope.change) == (frozenset({Role.INSPECTOR}), _Grants(), _Grants())
    for model in (Place, Institution, LearnerProfile, Committee, MemberUnit):
        assert not model.objects.restrict(inspector, Action.VIEW).exists(), model
    assert scope.may(Capability.INSPECT) and not scope.may(Capability.GOVERN)


def test_a_scope_built_by_hand_restricts_like_a_users(db):
    scope = Scope(user_id=None, roles=frozenset({Role.DISTRICT_ADMIN}))  # a role but no grants: nothing

    assert not Place.objects.restrict(scope, Action.VIEW).exists()
    assert rules.by_place("").q(scope, Action.VIEW) == Q(pk__in=[])


def test_restricted_manager_is_a_manager_with_restrict():
    assert hasattr(RestrictedManager(), "restrict")


def test_the_district_level_in_the_role_rules_is_the_places_one():
    from learncity.core.scopes import ROLE_PLACE_LEVELS
    from learncity.places.models import PlaceLevel

    assert ROLE_PLACE_LEVELS == {Role.DISTRICT_ADMIN: PlaceLevel.DISTRICT}


@pytest.mark.parametrize("username", ["learner", "auditor", "expert", "reporter", None])
def test_who_runs_no_institution_changes_no_textbook(world, username):
    from learncity.pools.models import Textbook
    from learncity.pools.services import textbook_create

    # a book of the shared library that one who runs an institution may change
    book = textbook_create(actor=world.staff, title="测试教材：社区书法")
    assert book in Textbook.objects.restrict(world.staff, Action.CHANGE)
    actor = world.user(username)

    assert not Textbook.objects.restrict(actor, Action.CHANGE).exists()


def test_who_runs_an_institution_may_change_textbooks(world):
    assert scope_for(world.staff).manages_institutions()
    assert scope_for(world.district_admin).manages_institutions()
    assert not scope_for(world.auditor).manages_institutions()
