"""A small city of the tests' own, in 达州市 (which the demo city leaves empty), made through the services with the
app factories: the same cast of roles as the demo's sign-ins, so a test that used to look them up in 福州市 states
the world it reads instead. Shared by the security, core and portal tests.

    通川区 (district)  ── its first street: the staff member's 社区学校, and a community where the learner lives
                       ── its second street: another institution of the district
    达川区 (district_2) ── an institution of the other district

Usernames are new (the demo city's are taken); tests read them from the users, not from literals.

`world_fixture()` makes a module-scoped world: built once for the module inside a transaction rolled back when the
module is done; each test runs in a savepoint of it (pytest-django's own), so a test's writes go and the world
stays. `world` (function scope) hands each test the users fetched anew, with no scope cached from another test."""

import copy
import itertools
from dataclasses import dataclass, field

import pytest

from learncity.core.scopes import forget_scope
from learncity.network.models import Committee, Institution, InstitutionKind, MemberUnit
from learncity.people.models import LearnerProfile, User
from learncity.people.services import learner_profile_create, user_create
from learncity.places.models import Place
from tests.network.factories import committee_make, institution_make, levels_make, member_unit_make
from tests.people.factories import account_make, id_number_free
from tests.people.factories import root as root_make
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, community_make, place, street_of
from tests.worlds import rolled_back

ROLES = ("admin", "city_admin", "district_admin", "district_admin_2", "staff", "reporter", "expert", "auditor",
         "learner")

_worlds = itertools.count(1)


@dataclass
class World:
    city: Place
    district: Place  # 通川区: district_admin's
    district_2: Place  # 达川区: district_admin_2's
    street: Place  # 通川区's first street: the staff's school and the learner's home
    street_2: Place  # 通川区's second street
    institution: Institution  # the staff member's 社区学校
    institution_other: Institution  # another institution of 通川区, not the staff's
    institution_2: Institution  # an institution of 达川区
    committee: Committee
    member_unit: MemberUnit  # the reporter's
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, role: str) -> User:
        """world.staff, world.city_admin, …: the user of that role (world.user(name) for a name in a variable)."""
        if role in ROLES:
            return self.__dict__["users"][role]
        raise AttributeError(role)

    def user(self, role: str | None) -> User | None:
        return None if role is None else self.users[role]

    @property
    def learner_profile(self) -> LearnerProfile:
        return LearnerProfile.objects.get(user=self.learner)


def world_build() -> World:
    n = next(_worlds)
    root = root_make()
    city, district, district_2 = place(DAZHOU), place(TONGCHUAN), place(DACHUAN)
    street, street_2 = street_of(district, 0), street_of(district, 1)
    levels_make(root, city)  # 达州's three network levels (the network browser shows them)
    school = institution_make(root, street, kind=InstitutionKind.COMMUNITY_SCHOOL, name=f"测试通川社区学校{n}")
    other = institution_make(root, street_2, kind=InstitutionKind.ELDERLY_UNIVERSITY, name=f"测试通川老年大学{n}")
    dachuan = institution_make(root, street_of(district_2, 0), kind=InstitutionKind.COMMUNITY_SCHOOL,
                               name=f"测试达川社区学校{n}")
    committee = committee_make(root, city, name="达州市终身教育促进委员会")
    unit = member_unit_make(root, committee, name="达州市人力资源和社会保障局", is_lead=True)
    users = {
        "admin": root,
        "city_admin": account_make("city_admin", actor=root, place=city, username=f"dz{n}_city_admin"),
        "district_admin": account_make("district_admin", actor=root, place=district,
                                       username=f"dz{n}_district_admin"),
        "district_admin_2": account_make("district_admin", actor=root, place=district_2,
                                         username=f"dz{n}_district_admin_2"),
        "staff": account_make("institution_staff", actor=root, institution=school, username=f"dz{n}_staff"),
        "reporter": account_make("member_unit_reporter", actor=root, member_unit=unit, username=f"dz{n}_reporter"),
        "expert": account_make("expert_reviewer", actor=root, place=city, username=f"dz{n}_expert"),
        "auditor": account_make("auditor", actor=root, place=city, username=f"dz{n}_auditor"),
        "learner": _learner(community_make(root, street, name="测试社区"), name="测试学员甲",
                            username=f"dz{n}_learner"),
    }
    return World(city=city, district=district, district_2=district_2, street=street, street_2=street_2,
                 institution=school, institution_other=other, institution_2=dachuan, committee=committee,
                 member_unit=unit, users=users)


def _learner(residence: Place, *, name: str, username: str) -> User:
    """A resident of `residence` who registered themself, their account named as their profile (as people sign up
    on the page; tests.people.factories.learner_make leaves the account's display name empty)."""
    user = user_create(actor=None, username=username, password=None, display_name=name)
    learner_profile_create(actor=user, name=name, id_number=id_number_free(residence.code),
                           residence_code=residence.code, user=user)
    return User.objects.get(pk=user.pk)


def world_fresh(built: World) -> World:
    """The world with its users read again (no scope cached, no attribute a former test changed) and copies of its
    other objects (a test's refresh_from_db or assignment stays its own)."""
    found = User.objects.in_bulk([u.pk for u in built.users.values()])
    users = {role: found[u.pk] for role, u in built.users.items()}
    for u in users.values():
        forget_scope(u)
    return World(**{**{k: copy.copy(v) for k, v in built.__dict__.items() if k != "users"}, "users": users})


def world_fixtures():
    """(the module's world, built once; the test's view of it): put both in a conftest's namespace."""

    @pytest.fixture(scope="module")
    def world_built(django_db_setup, django_db_blocker):
        with rolled_back(django_db_blocker):
            yield world_build()

    @pytest.fixture
    def world(world_built, db) -> World:
        return world_fresh(world_built)

    return world_built, world
