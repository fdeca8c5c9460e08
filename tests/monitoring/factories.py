"""Factories for the monitoring tests, built on the services where the application has one: learning records
through `learning_record_create` (so recognition runs as in life), accounts and roles through `user_create` and
`role_grant`, targets through `target_set`, the records' provider and the tests' own people through the people,
network and credit bank services (`provider_make`, `officials_make`, in 达州市, which the demo city leaves empty).
Places, populations and profiles of the hand-made city of conftest.py are reference data the tests lay down
directly. Codes are ones no demo data uses (3599xx)."""

import datetime
import itertools
from decimal import Decimal

from learncity.catalog.services import learning_record_create
from learncity.core.scopes import Role
from learncity.creditbank.models import Standard
from learncity.creditbank.services import accreditation_grant
from learncity.monitoring import services
from learncity.monitoring.models import Target
from learncity.network.models import InstitutionKind
from learncity.people.models import LearnerGroup, LearnerProfile, User
from learncity.people.services import role_grant, user_create
from learncity.places.models import Place, Population, PopulationBand
from learncity.records.models import RecordKind, RecordSource
from tests.network import factories as network_factories
from tests.people import factories as people_factories
from tests.places import factories as places_factories

_seq = itertools.count(1)


def place_make(code: str, name: str, level: int, parent: Place | None) -> Place:
    """A place under `parent` (under the demo's province 350000 when None)."""
    path = f"{parent.path}{code}/" if parent else f"/350000/{code}/"
    return Place.objects.create(code=code, name=name, level=level, parent=parent or Place.objects.get(code="350000"),
                                path=path, source="manual")


def population_make(place: Place, cells: dict | None, total: int | None = None, year: int = 2025) -> Population:
    """The place's population in `year`: {(sex, band): count} (the total their sum unless given)."""
    pop = Population.objects.create(place=place, year=year, total=total if total is not None else sum(cells.values()))
    for (sex, band), n in (cells or {}).items():
        PopulationBand.objects.create(population=pop, sex=sex, age_band=band, count=n)
    return pop


def resident_make(key: str, residence: Place, birth: datetime.date, sex: str, groups=(),
                  registered: datetime.date = datetime.date(2020, 1, 1)) -> LearnerProfile:
    """A registered learner living at `residence`, in the learner groups of the codes `groups`."""
    n = next(_seq)
    p = LearnerProfile.objects.create(name=f"测试{key}", id_number_encrypted="-", id_number_hash=f"hand-{key}-{n}",
                                      id_number_masked="-", birth_date=birth, sex=sex, residence=residence,
                                      registered_on=registered)
    if groups:
        p.groups.set(LearnerGroup.objects.filter(code__in=groups))
    return p


def record_make(staff, provider, who: LearnerProfile, day: datetime.date, course_kind: str, *, hours="32",
                kind=RecordKind.COMPLETION, score=None):
    """A learning record of `provider`'s, entered by its `staff` (recognised when the provider is accredited)."""
    return learning_record_create(
        actor=staff, learner=who, provider=provider, kind=kind, title=f"手工记录 {next(_seq)}",
        hours=Decimal(hours), score=None if score is None else Decimal(score), date=day, source=RecordSource.PAGE,
        external_id=f"hand-{next(_seq)}", course_kind=course_kind)


def user_with_role(actor, role: str, place: Place) -> User:
    """A new account holding `role` over `place` (a city or district administrator, an auditor, …), granted by
    `actor` (a superuser, or a city administrator over the place)."""
    user = user_create(actor=actor, username=f"mon-{role}-{next(_seq)}", password=None)
    role_grant(actor=actor, user=user, role=role, place_code=place.code)
    return User.objects.get(pk=user.pk)


def target_make(actor, code: str, place: Place, period: str, value) -> Target:
    """A target set by `actor` as the targets page sets one."""
    return services.target_set(actor=actor, code=code, place_id=place.pk, period=period, value=value)


def officials_make() -> dict[str, User]:
    """The monitoring tests' own people, in the places factories' city (达州市, which the demo city leaves empty),
    made through the services: a superuser ("admin"), the city's administrator, 通川区's ("district_admin") and
    达川区's ("district_admin_2"), an auditor over the city and a learner living in 通川区."""
    admin = people_factories.root()
    city, tongchuan, dachuan = (places_factories.place(c) for c in (places_factories.DAZHOU,
                                                                     places_factories.TONGCHUAN,
                                                                     places_factories.DACHUAN))
    return {
        "admin": admin,
        "city_admin": people_factories.account_make(Role.CITY_ADMIN, actor=admin, place=city),
        "district_admin": people_factories.account_make(Role.DISTRICT_ADMIN, actor=admin, place=tongchuan),
        "district_admin_2": people_factories.account_make(Role.DISTRICT_ADMIN, actor=admin, place=dachuan),
        "auditor": people_factories.account_make(Role.AUDITOR, actor=admin, place=city),
        "learner": people_factories.learner_make(places_factories.street_of(tongchuan)).user,
    }


def provider_make(standards=("CE-COURSE", "ELDER-COURSE", "VT-COURSE")):
    """(staff, their community school): a school of the tests' own in 通川区 (达州市), accredited through the
    credit bank's service for the demo catalogue's `standards` as the demo's community school is."""
    admin = people_factories.root()
    school = network_factories.institution_make(admin, places_factories.street_of(places_factories.TONGCHUAN),
                                                kind=InstitutionKind.COMMUNITY_SCHOOL, name="达州测试社区学校")
    for code in standards:
        accreditation_grant(actor=admin, standard=Standard.objects.unscoped("test set-up").get(code=code),
                            institution=school)
    return people_factories.account_make(Role.INSTITUTION_STAFF, actor=admin, institution=school), school
