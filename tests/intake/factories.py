"""Test data for the intake, made through its services (the same checks, jobs and audit rows as an upload on the
page): uploads submitted, or submitted and run as the worker runs them, and provider keys. The files themselves
are made by files.py. And the intake tests' own world (`world_make`): 达州市, which the demo city leaves empty,
with its schools, its people in every role, and adult residents, made through the services."""

import datetime
from dataclasses import dataclass, field

from learncity.core.scopes import Role, forget_scope
from learncity.creditbank.models import Standard
from learncity.creditbank.services import accreditation_grant
from learncity.intake import keys, services
from learncity.intake.models import ImportJob, JobMode, JobSource, ProviderKey
from learncity.network.models import Institution, InstitutionKind
from learncity.people.models import LearnerProfile, User
from learncity.places.models import Place
from tests.network.factories import committee_make, institution_make, member_unit_make
from tests.people.factories import account_make, learner_make, root
from tests.places.factories import DACHUAN, DAZHOU, TONGCHUAN, place, street_of


def submitted(actor, institution: Institution, data: bytes, *, filename: str = "rows.csv",
              mode: str = JobMode.ALL_OR_NOTHING, source: str = JobSource.PAGE,
              provider_key: ProviderKey | None = None) -> ImportJob:
    """An upload of `data` for the institution, queued (on the test's commit its task would be enqueued)."""
    return services.job_submit(actor=actor, institution_code=institution.code, filename=filename, data=data,
                               mode=mode, source=source, provider_key=provider_key)


def uploaded(actor, institution: Institution, data: bytes, *, progress=None, **kwargs) -> ImportJob:
    """An upload submitted and run to its end here, as the worker would run it."""
    return services.job_run(submitted(actor, institution, data, **kwargs).pk, progress=progress)


def provider_key(actor, institution: Institution, *, name: str = "教务系统", days: int | None = 365
                 ) -> tuple[ProviderKey, str]:
    """A new key of the institution: (its row, the key itself, shown this once)."""
    return keys.provider_key_create(actor=actor, institution_code=institution.code, name=name, days=days)


# --- the intake tests' own world --------------------------------------------------------------------------------------


# The roles by the names the pages' access tests use (the demo city's usernames, in 达州市 here).
_DIGITS = "零一二三四五六七八九"
ROLES = ("admin", "city_admin", "district_admin", "district_admin_2", "staff", "reporter", "expert", "auditor",
         "learner")


@dataclass
class World:
    """达州市 with a school in 通川区 (the staff member's), another school there and one in 达川区; its
    administrators, staff, reporter, expert, auditor, learner and a superuser (`who`); adult residents of 通川区
    (`adults`); the school accredited for the city's community-course standard as the demo staff's school is."""
    city: Place
    district: Place       # 通川区, the staff member's
    district_2: Place     # 达川区
    school: Institution
    other_school: Institution    # in 通川区, not the staff member's
    far_school: Institution      # in 达川区
    who: dict[str, User] = field(default_factory=dict)
    adults: list[LearnerProfile] = field(default_factory=list)

    def __getitem__(self, name: str) -> User:
        return self.who[name]


def world_make(adults: int = 12) -> World:
    admin = root()
    city, district, district_2 = place(DAZHOU), place(TONGCHUAN), place(DACHUAN)
    street, street_2 = street_of(district), street_of(district_2)
    school = institution_make(admin, street, kind=InstitutionKind.COMMUNITY_SCHOOL, name="通川测试社区学校")
    other = institution_make(admin, street, kind=InstitutionKind.COMMUNITY_SCHOOL, name="通川另一社区学校")
    far = institution_make(admin, street_2, kind=InstitutionKind.COMMUNITY_SCHOOL, name="达川测试社区学校")
    # Recognition: the demo catalogue's community-course standard (CE-COURSE), accredited to the school as it is to
    # the demo staff's. Standards are the credit bank's reference data, granted here through its service.
    accreditation_grant(actor=admin, standard=Standard.objects.unscoped("test set-up").get(code="CE-COURSE"),
                        institution=school)
    unit = member_unit_make(admin, committee_make(admin, city))
    who = {
        "admin": admin,
        "city_admin": account_make(Role.CITY_ADMIN, actor=admin, place=city),
        "district_admin": account_make(Role.DISTRICT_ADMIN, actor=admin, place=district),
        "district_admin_2": account_make(Role.DISTRICT_ADMIN, actor=admin, place=district_2),
        "staff": account_make(Role.INSTITUTION_STAFF, actor=admin, institution=school),
        "reporter": account_make(Role.MEMBER_UNIT_REPORTER, actor=admin, member_unit=unit),
        "expert": account_make(Role.EXPERT_REVIEWER, actor=admin, place=city),
        "auditor": account_make(Role.AUDITOR, actor=admin, place=city),
        "learner": learner_make(street).user,
    }
    people = [learner_make(street, account=False, actor=admin, name="测试学员" + _DIGITS[i % 10],
                           birth=datetime.date(1960 + i, 1 + i % 12, 1 + i)) for i in range(adults)]
    return World(city, district, district_2, school, other, far, who, people)


def world_forget(world: World) -> None:
    """Each test's users without the scopes an earlier test cached on them."""
    for user in world.who.values():
        forget_scope(user)
