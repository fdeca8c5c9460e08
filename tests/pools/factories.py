"""The pools' factories: residents who volunteer, made through the services, in the tests' own 达州 world
(tests/portal/world.py; people in its 通川区 by default)."""

import datetime

from learncity.network.models import Institution
from learncity.people.models import LearnerProfile
from learncity.people.services import learner_profile_create
from learncity.places.models import Place
from learncity.pools.models import Volunteer
from learncity.pools.services import volunteer_register
from tests.people.factories import id_number_free
from tests.places.factories import street_of
from tests.portal.world import World

BIRTH = datetime.date(1990, 5, 17)


def resident(world: World, district: Place | None = None, *, birth: datetime.date = BIRTH,
             name: str = "测试志愿者") -> tuple[LearnerProfile, str]:
    """A resident of the first street of `district` (the world's 通川区 by default), registered by the world's city
    admin without an account, and their ID number."""
    district = district or world.district
    number = id_number_free(district.code, birth)
    profile = learner_profile_create(actor=world.city_admin, name=name, id_number=number,
                                     residence_code=street_of(district).code)
    return profile, number


def volunteer_at(world: World, institution: Institution, district: Place | None = None) -> Volunteer:
    """A resident of `district` (通川区 by default) registered by the city admin as a volunteer of `institution`."""
    _, number = resident(world, district)
    return volunteer_register(actor=world.city_admin, institution_code=institution.code, id_number=number)
