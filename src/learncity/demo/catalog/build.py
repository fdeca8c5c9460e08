"""The demo catalog build: its parts put together in one object, run in the order their draws depend on."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from learncity.catalog.models import Attendance, Course, CourseSession, Enrollment, Venue
from learncity.core.bulk import analyze_while_loading
from learncity.places.models import Place
from learncity.records.models import LearningRecord

from ..clock import TODAY
from .base import BuildBase
from .courses import Courses
from .enrolments import Enrolments
from .events import Events
from .next_term import NextTerm
from .plan import (
    COUNT_KEYS,
    COURSES_PER_RESIDENT,
    ENROLLMENTS_PER_RESIDENT,
    MAX_COURSES,
    MAX_ENROLLMENTS,
    MIN_COURSES,
    Progress,
    noop,
)
from .resources import Resources
from .venues import Venues


def build_catalog(city: Place, rng: random.Random, progress: Progress = noop, *,
                  residents_ids: list[int] | None = None, today: datetime.date | None = None,
                  built_on: datetime.date | None = None) -> dict[str, int]:
    """Build the city's demo catalog; return the rows made per table. A city that has one already is left as it
    is (all counts 0). `today` defaults to the demo's today (clock.TODAY), `residents_ids` to every resident of
    the city, `built_on` (the real date of the build, which dates the next term's courses: see next_term) to the
    local date."""
    if today is None:
        today = TODAY
    if Venue.objects.filter(place__path__startswith=city.path).exists():
        return dict.fromkeys(COUNT_KEYS, 0)
    with transaction.atomic():
        return CatalogBuild(city, rng, progress, residents_ids, today, built_on or timezone.localdate()).run()


class CatalogBuild(Venues, Courses, Enrolments, Events, Resources, NextTerm, BuildBase):
    """The whole build: every part draws from the one rng (or from one of its own), so the order of `run` is the
    order of the draws and may not change."""

    def run(self) -> dict[str, int]:
        n = len(self.all_ids)
        self.n_courses = max(MIN_COURSES, min(MAX_COURSES, round(n * COURSES_PER_RESIDENT)))
        self.target_enrollments = min(round(n * ENROLLMENTS_PER_RESIDENT), MAX_ENROLLMENTS)
        self._venues()
        self._textbooks()
        self._experts()
        self._courses()
        self._enrollments()
        self._events()
        self._resources()
        self._volunteers()
        self._next_term()
        analyze_while_loading(Course, CourseSession, Enrollment, Attendance, LearningRecord)
        return dict(self.counts)
