"""Fixtures for the API tests: the demo city's objects on each side of the 鼓楼区 / 台江区 line."""

from dataclasses import dataclass

import pytest

from tests.api.support import GULOU, TAIJIANG


@dataclass(frozen=True)
class Targets:
    city: object
    gulou: object  # 鼓楼区, the district of `district_admin`
    taijiang: object  # 台江区, the district of `district_admin_2`
    staff_inst: object  # 鼓东街道社区学校, the institution of `staff`
    gulou_street: object  # the staff institution's street, in 鼓楼区
    taijiang_street: object
    gulou_community: object
    taijiang_community: object
    gulou_inst_other: object  # an institution in 鼓楼区 that is not the staff's
    taijiang_inst: object
    city_committee: object
    gulou_committee: object
    taijiang_committee: object
    reporter_unit: object  # the member unit of `reporter`, on the city's committee
    gulou_unit: object
    taijiang_unit: object
    learner_profile: object  # the profile of `learner`, a resident of 鼓楼区
    gulou_profile: object  # another resident of 鼓楼区, with no account
    taijiang_profile: object
    other_token: object  # a token of `admin`: nobody else's to see or revoke


@pytest.fixture
def targets(users) -> Targets:
    from learncity.network.models import Committee, Institution, MemberUnit
    from learncity.people.models import LearnerProfile
    from learncity.people.services import api_token_create
    from learncity.places.models import Place, PlaceLevel

    city = Place.objects.get(code="350100")
    gulou, taijiang = Place.objects.get(code=GULOU), Place.objects.get(code=TAIJIANG)
    staff_inst = users["staff"].role_assignments.get().institution
    learner_profile = LearnerProfile.objects.get(user=users["learner"])
    assert learner_profile.residence.path.startswith(gulou.path)
    assert staff_inst.place.path.startswith(gulou.path)

    def community_in(district):
        return Place.objects.filter(path__startswith=district.path, level=PlaceLevel.COMMUNITY).order_by("code")[0]

    def unit_of(committee):
        return MemberUnit.objects.filter(committee=committee).order_by("pk")[0]

    gulou_committee = Committee.objects.get(place=gulou)
    taijiang_committee = Committee.objects.get(place=taijiang)
    api_token_create(actor=users["admin"], name="admin's own")
    return Targets(
        city=city,
        gulou=gulou,
        taijiang=taijiang,
        staff_inst=staff_inst,
        gulou_street=staff_inst.place,
        taijiang_street=Place.objects.filter(parent=taijiang, level=PlaceLevel.STREET).order_by("code")[0],
        gulou_community=community_in(gulou),
        taijiang_community=community_in(taijiang),
        gulou_inst_other=Institution.objects.filter(place__path__startswith=gulou.path)
        .exclude(pk=staff_inst.pk).order_by("code")[0],
        taijiang_inst=Institution.objects.filter(place__path__startswith=taijiang.path).order_by("code")[0],
        city_committee=Committee.objects.get(place=city),
        gulou_committee=gulou_committee,
        taijiang_committee=taijiang_committee,
        reporter_unit=users["reporter"].role_assignments.get().member_unit,
        gulou_unit=unit_of(gulou_committee),
        taijiang_unit=unit_of(taijiang_committee),
        learner_profile=learner_profile,
        gulou_profile=LearnerProfile.objects.filter(residence__path__startswith=gulou.path, user__isnull=True)
        .order_by("pk")[0],
        taijiang_profile=LearnerProfile.objects.filter(residence__path__startswith=taijiang.path).order_by("pk")[0],
        other_token=users["admin"].api_tokens.get(name="admin's own"),
    )
