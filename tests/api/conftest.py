"""Fixtures for the API tests: the demo city's objects on each side of the 鼓楼区 / 台江区 line, and (made on
first use) courses of the learning platform there."""

import datetime
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.test import TestCase

from learncity.catalog.models import CourseState
from learncity.catalog.services import enrollment_create, event_register
from tests.api.support import GULOU, TAIJIANG
from tests.catalog.factories import course_make, event_make, resource_make, venue_make


class CatalogTargets:
    """Courses of the learning platform on each side of the line (term 2031春), each made on first use through
    the services, so that a case pays only for what it is about."""

    def __init__(self, t: "Targets"):
        self.t = t
        self.admin = t.users["city_admin"]
        self._venues: dict = {}

    def _venue(self, inst):
        if inst.pk not in self._venues:
            self._venues[inst.pk] = venue_make(inst)
        return self._venues[inst.pk]

    def _course(self, inst, title, state, *, session_date=None):
        return course_make(self.admin, inst, title=title, state=state, venue=self._venue(inst),
                           session_date=session_date)

    def _event(self, inst, title):
        """Under way (begun an hour ago, for two days): open to sign-ups, cancels and check-in alike."""
        return event_make(inst, venue=self._venue(inst), title=title, starts_in=-datetime.timedelta(hours=1),
                          lasts=datetime.timedelta(days=2))

    def _register(self, event, profile):
        """A resident with no account signed up (the sign-up service is the resident's own, so it is made here
        as that service makes it: a live registration counted on the event)."""
        from django.db.models import F

        from learncity.catalog.models import Event, EventRegistration, EventRegistrationStatus

        registration = EventRegistration.objects.create(event=event, learner=profile,
                                                        status=EventRegistrationStatus.REGISTERED)
        Event.objects.filter(pk=event.pk).update(registered_count=F("registered_count") + 1)
        return registration

    def _enroll(self, course, profile):
        return enrollment_create(actor=self.admin, course=course, learner=profile)

    @cached_property
    def published(self):
        """The staff's school's, titled 矩阵蹴鞠课 and indexed for search (as the services do on commit)."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self._course(self.t.staff_inst, "矩阵蹴鞠课", CourseState.PUBLISHED)

    @cached_property
    def published_other(self):
        return self._course(self.t.gulou_inst_other, "矩阵他校课", CourseState.PUBLISHED)

    @cached_property
    def published_taijiang(self):
        return self._course(self.t.taijiang_inst, "矩阵台江课", CourseState.PUBLISHED)

    @cached_property
    def open_course(self):
        """Published, of the staff's school, nobody enrolled."""
        return self._course(self.t.staff_inst, "矩阵空课", CourseState.PUBLISHED)

    @cached_property
    def draft_gulou(self):
        """A draft of the staff's school titled 矩阵蹴鞠草稿, indexed as the services do: drafts are not searchable."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self._course(self.t.staff_inst, "矩阵蹴鞠草稿", CourseState.DRAFT, session_date=LATER)

    @cached_property
    def draft_gulou_other(self):
        return self._course(self.t.gulou_inst_other, "矩阵他校草稿", CourseState.DRAFT, session_date=LATER)

    @cached_property
    def draft_taijiang(self):
        return self._course(self.t.taijiang_inst, "矩阵台江草稿", CourseState.DRAFT, session_date=LATER)

    @cached_property
    def own_enrollment(self):
        """`learner` in `published`, enrolled by themself."""
        return enrollment_create(actor=self.t.users["learner"], course=self.published)

    @cached_property
    def gulou_enrollment(self):
        return self._enroll(self.published, self.t.gulou_profile)

    @cached_property
    def other_enrollment(self):
        return self._enroll(self.published_other, self.t.gulou_profile)

    @cached_property
    def taijiang_enrollment(self):
        return self._enroll(self.published_taijiang, self.t.taijiang_profile)

    @cached_property
    def event(self):
        """An event organised by the staff's school, in 鼓楼区."""
        return self._event(self.t.staff_inst, "矩阵讲堂")

    @cached_property
    def event_other(self):
        return self._event(self.t.gulou_inst_other, "矩阵他校讲堂")

    @cached_property
    def event_taijiang(self):
        return self._event(self.t.taijiang_inst, "矩阵台江讲堂")

    @cached_property
    def own_event_registration(self):
        """`learner` signed up for `event` by themself."""
        return event_register(actor=self.t.users["learner"], event=self.event)

    @cached_property
    def event_registration(self):
        return self._register(self.event, self.t.gulou_profile)

    @cached_property
    def event_registration_other(self):
        return self._register(self.event_other, self.t.gulou_profile)

    @cached_property
    def event_registration_taijiang(self):
        return self._register(self.event_taijiang, self.t.taijiang_profile)

    @cached_property
    def resource(self):
        """A published half-hour resource of the staff's school."""
        return resource_make(self.t.staff_inst, minutes=30, title="矩阵微课")


LATER = datetime.date(2031, 5, 1)


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
    users: dict

    @cached_property
    def catalog(self) -> CatalogTargets:
        return CatalogTargets(self)

    @cached_property
    def credits(self):
        from tests.api.credit_targets import CreditTargets

        return CreditTargets(self)

    @cached_property
    def governance(self):
        from tests.api.governance_targets import GovernanceTargets

        return GovernanceTargets(self)


@pytest.fixture
def targets(users) -> Targets:
    return targets_build(users)


def targets_build(users) -> Targets:
    """The objects on each side of the 鼓楼区 / 台江区 line (the API matrix's fixture; the page matrix builds its
    module-wide world with it too)."""
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
        users=users,
    )
