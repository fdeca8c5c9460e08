"""The pools' factories: residents who volunteer, made through the services (people in 福州市 鼓楼区 by default;
the institutions are the catalog's: tests/catalog/factories.py)."""

import datetime

from learncity.network.models import Institution
from learncity.people.models import LearnerProfile
from learncity.people.services import learner_profile_create
from learncity.places.models import Place, PlaceLevel
from learncity.pools.models import Volunteer
from learncity.pools.services import volunteer_register
from tests.api.support import fresh_id_number
from tests.catalog.factories import GULOU

BIRTH = datetime.date(1990, 5, 17)


def resident(users, district: str = GULOU, *, birth: datetime.date = BIRTH,
             name: str = "测试志愿者") -> tuple[LearnerProfile, str]:
    """A registered resident of `district` (without an account) and their ID number."""
    number = fresh_id_number(district, birth)
    street = Place.objects.filter(parent__code=district, level=PlaceLevel.STREET).order_by("code")[0]
    profile = learner_profile_create(actor=users["city_admin"], name=name, id_number=number,
                                     residence_code=street.code)
    return profile, number


def volunteer_at(users, institution: Institution, district: str = GULOU) -> Volunteer:
    """A resident of `district` registered by the city admin as a volunteer of `institution`."""
    _, number = resident(users, district)
    return volunteer_register(actor=users["city_admin"], institution_code=institution.code, id_number=number)
