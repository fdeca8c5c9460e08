import pytest

from learncity.places.models import Place
from learncity.places.selectors import city_of

pytestmark = pytest.mark.django_db


def test_the_city_of_a_street_is_its_city_and_a_city_is_its_own():
    assert city_of(Place.objects.get(code="350102001")).code == "350100"  # 鼓东街道 → 福州市
    assert city_of(Place.objects.get(code="350100")).code == "350100"


def test_a_province_level_municipality_is_the_city_of_its_districts():
    district = Place.objects.filter(parent__code="500000").order_by("code").first()
    assert city_of(district).code == "500000"  # 重庆市, whose districts sit directly under it


def test_a_province_lies_in_no_city():
    assert city_of(Place.objects.get(code="350000")) is None
