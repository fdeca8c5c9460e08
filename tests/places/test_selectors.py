import pytest

from learncity.places.models import Place
from learncity.places.selectors import city_of
from tests.places.factories import DAZHOU, TONGCHUAN, place, street_of

pytestmark = pytest.mark.django_db


def test_the_city_of_a_street_is_its_city_and_a_city_is_its_own():
    assert city_of(street_of(TONGCHUAN)).code == DAZHOU  # a street of 通川区 → 达州市
    assert city_of(place(DAZHOU)).code == DAZHOU


def test_a_province_level_municipality_is_the_city_of_its_districts():
    district = Place.objects.filter(parent__code="500000").order_by("code").first()
    assert city_of(district).code == "500000"  # 重庆市, whose districts sit directly under it


def test_a_province_lies_in_no_city():
    assert city_of(Place.objects.get(code="510000")) is None  # 四川省
