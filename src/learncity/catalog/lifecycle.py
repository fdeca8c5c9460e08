"""A course's life cycle, defined once: its state, its phase today and whether it takes new learners
(`CourseQuerySet.with_phase`). Course's manager is built on this queryset (a RestrictedQuerySet)."""

import datetime

from django.db import models
from django.db.models import Case, Count, F, Max, Min, Q, Value, When
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedQuerySet


class CourseState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


class CoursePhase(models.TextChoices):
    """Where a course stands in its life cycle today; `CourseQuerySet.with_phase` is the one definition."""

    OPEN = "open", _("报名中")
    STARTING = "starting", _("即将开始")
    RUNNING = "running", _("进行中")
    ENDED = "ended", _("已结束")


STARTING_SOON_DAYS = 7  # a course whose first session is this close (or closer) is 即将开始


class EnrolmentState(models.TextChoices):
    """Whether a course takes new learners today, and if not why (`CourseQuerySet.with_phase`)."""

    OPEN = "open", _("可报名")
    NOT_PUBLISHED = "not_published", _("未发布")
    ENDED = "ended", _("已结束")
    NOT_YET = "not_yet", _("报名未开始")
    CLOSED = "closed", _("报名已截止")
    MOSTLY_PAST = "mostly_past", _("课程已过半")


class CourseQuerySet(RestrictedQuerySet):
    def with_phase(self, today: datetime.date | None = None) -> "CourseQuerySet":
        """Annotate each course with its sessions' counts and dates, its `phase` and whether it takes new
        learners (`enrolment_open`). The one definition of a course's life cycle, by its sessions' dates
        against `today` (the local date by default):

        - 已结束 (ended): the course is closed, or it has sessions and the last of them is before today;
        - 进行中 (running): its first session is today or before, and it has not ended;
        - 即将开始 (starting): its first session is within the next STARTING_SOON_DAYS days;
        - 报名中 (open): its first session is later than that, or it has no sessions (a course learnt online
          at one's own pace).

        A published course takes new learners (and its waiting list new names) unless it has ended, its
        enrolment window (`enrol_opens` to `enrol_closes`, inclusive, either optional) does not hold today, or its
        sessions have mostly passed (more than half of them are before today) and its provider has not allowed
        late enrolment (`late_enrolment`). `enrolment_state` (EnrolmentState) says which.
        """
        today = today or timezone.localdate()
        qs = self.annotate(
            session_count=Count("sessions", distinct=True),
            sessions_past=Count("sessions", filter=Q(sessions__date__lt=today), distinct=True),
            first_session_date=Min("sessions__date"),
            last_session_date=Max("sessions__date"),
        )
        ended = Q(state=CourseState.CLOSED) | Q(last_session_date__lt=today)
        return qs.annotate(
            phase=Case(
                When(ended, then=Value(CoursePhase.ENDED.value)),
                When(first_session_date__lte=today, then=Value(CoursePhase.RUNNING.value)),
                When(first_session_date__lte=today + datetime.timedelta(days=STARTING_SOON_DAYS),
                     then=Value(CoursePhase.STARTING.value)),
                default=Value(CoursePhase.OPEN.value),
                output_field=models.CharField(),
            ),
            enrolment_state=Case(
                When(~Q(state__in=(CourseState.PUBLISHED, CourseState.CLOSED)),
                     then=Value(EnrolmentState.NOT_PUBLISHED.value)),
                When(ended, then=Value(EnrolmentState.ENDED.value)),
                When(enrol_opens__gt=today, then=Value(EnrolmentState.NOT_YET.value)),
                When(enrol_closes__lt=today, then=Value(EnrolmentState.CLOSED.value)),
                When(Q(late_enrolment=False) & GreaterThan(F("sessions_past") * 2, F("session_count")),
                     then=Value(EnrolmentState.MOSTLY_PAST.value)),
                default=Value(EnrolmentState.OPEN.value),
                output_field=models.CharField(),
            ),
        ).annotate(enrolment_open=Case(When(enrolment_state=EnrolmentState.OPEN.value, then=Value(True)),
                                       default=Value(False), output_field=models.BooleanField()))

    def not_ended(self, today: datetime.date | None = None) -> "CourseQuerySet":
        return self.with_phase(today).exclude(phase=CoursePhase.ENDED.value)
