"""The learning platform: courses and their sessions (taught by the pools' teachers, with their textbooks: see
learncity.pools), digital resources, venues and events, enrollments, attendance, and the learning records every
attendance and completion becomes."""

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.catalog.lifecycle import (  # noqa: F401 (the names every caller imports from models)
    STARTING_SOON_DAYS,
    CoursePhase,
    CourseQuerySet,
    CourseState,
    EnrolmentState,
)
from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.network.models import Institution
from learncity.people.models import LearnerGroup, LearnerProfile, User
from learncity.places.models import Place
from learncity.records.models import (  # noqa: F401 (records live in their own app, below catalog; named here too)
    CourseKind,
    LearningRecord,
    RecordKind,
    RecordSource,
)

PUBLIC_STATES = (CourseState.PUBLISHED, CourseState.CLOSED)  # anyone reads these courses (a learner's past too)


class Mode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")
    BLENDED = "blended", _("线上线下结合")


@scoped(browse=rules.public(state__in=PUBLIC_STATES), view=rules.by_institution("institution"),
        change=rules.by_institution("institution"))
class Course(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="courses",
                                    verbose_name=_("开课机构"))
    code = models.CharField(_("课程代码"), max_length=40, unique=True)
    title = models.CharField(_("课程名称"), max_length=128)
    # The English title, where the provider gives one: shown in English and found by English searches.
    title_en = models.CharField(_("英文名称"), max_length=160, blank=True, db_default="")
    # Free keywords the provider adds (comma-separated), Chinese or English: searched like the title.
    tags = models.CharField(_("标签"), max_length=200, blank=True, db_default="")
    description = models.TextField(_("简介"), blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=CourseKind.choices, db_index=True)
    mode = models.CharField(_("方式"), max_length=8, choices=Mode.choices, default=Mode.OFFLINE)
    target_groups = models.ManyToManyField(LearnerGroup, blank=True, related_name="courses",
                                           verbose_name=_("面向群体"))
    level = models.CharField(_("层次"), max_length=32, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    fee = models.DecimalField(_("费用（元）"), max_digits=9, decimal_places=2, default=Decimal("0"))
    capacity = models.PositiveIntegerField(_("名额"))
    state = models.CharField(_("状态"), max_length=10, choices=CourseState.choices, default=CourseState.DRAFT,
                             db_index=True)
    featured = models.BooleanField(_("精品课程"), default=False)
    term = models.CharField(_("学期"), max_length=16, db_index=True)  # e.g. 2026春, 2026秋
    teachers = models.ManyToManyField("pools.Teacher", blank=True, related_name="courses", verbose_name=_("教师"))
    textbooks = models.ManyToManyField("pools.Textbook", blank=True, related_name="courses", verbose_name=_("教材"))
    # The credit bank's outcome standard this course leads to (its code); linked by the credit-bank issue.
    outcome_standard_code = models.CharField(_("认证标准代码"), max_length=40, blank=True)
    # Enrolment window (both optional, inclusive): before `enrol_opens` and after `enrol_closes` the course
    # takes no new learners. `late_enrolment` is the provider's say-so that learners may still join a course
    # whose sessions have mostly passed.
    enrol_opens = models.DateField(_("报名开始"), null=True, blank=True)
    enrol_closes = models.DateField(_("报名截止"), null=True, blank=True)
    late_enrolment = models.BooleanField(_("允许开课后报名"), default=False, db_default=False)
    enrolled_count = models.PositiveIntegerField(default=0)  # active enrollments, kept under the course lock
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="course_fee_not_negative"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
            models.CheckConstraint(condition=Q(enrolled_count__lte=models.F("capacity")),
                                   name="course_not_overbooked"),
            models.CheckConstraint(condition=Q(enrol_opens__isnull=True) | Q(enrol_closes__isnull=True)
                                   | Q(enrol_closes__gte=models.F("enrol_opens")),
                                   name="course_enrolment_window_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return self.fee == 0

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.enrolled_count, 0)

    def life_cycle(self, today: datetime.date | None = None) -> dict:
        """This course's phase and whether it takes new learners, as `CourseQuerySet.with_phase` defines them
        (read from the annotation when the course came from it)."""
        row = self if hasattr(self, "phase") and today is None else (
            Course.objects.with_phase(today).filter(pk=self.pk).first())
        return {"phase": CoursePhase(row.phase), "enrolment_open": bool(row.enrolment_open),
                "enrolment_state": EnrolmentState(row.enrolment_state), "enrol_opens": row.enrol_opens,
                "enrol_closes": row.enrol_closes, "session_count": row.session_count,
                "sessions_past": row.sessions_past}


@scoped(browse=rules.public(), view=rules.public(), change=rules.by_place("place"))
class Venue(models.Model):
    class Kind(models.TextChoices):
        LIBRARY = "library", _("图书馆")
        MUSEUM = "museum", _("博物馆")
        CULTURAL_CENTRE = "cultural_centre", _("文化馆")
        CULTURAL_STATION = "cultural_station", _("文化站")
        SCIENCE_MUSEUM = "science_museum", _("科技馆")
        GYMNASIUM = "gymnasium", _("体育馆")
        WORKERS_PALACE = "workers_palace", _("工人文化宫")
        YOUTH_PALACE = "youth_palace", _("青少年宫")
        ELDERLY_CENTRE = "elderly_centre", _("老年活动中心")
        SCHOOL = "school", _("开放学校")
        CLASSROOM = "classroom", _("教学点")

    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True, db_default="")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="venues", verbose_name=_("所在区划"))
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="venues")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    free_open_days = models.CharField(_("免费开放日"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("容量"), default=0)
    accessibility = models.CharField(_("无障碍说明"), max_length=200, blank=True)
    # How to get there without a map: bus and metro lines, the nearest stop, the entrance to use.
    transit_note = models.CharField(_("交通指引"), max_length=200, blank=True, db_default="")
    # The dates the venue opened and closed (both optional): reference counts for a period honour them.
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)
    closed_on = models.DateField(_("停用日期"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["place__code", "id"]
        constraints = [models.CheckConstraint(condition=Q(opened_on__isnull=True) | Q(closed_on__isnull=True)
                                              | Q(closed_on__gte=models.F("opened_on")),
                                              name="venue_closes_after_opening")]

    def __str__(self) -> str:
        return self.name


@scoped(browse=rules.public(course__state__in=PUBLIC_STATES), view=rules.by_institution("course__institution"),
        change=rules.by_institution("course__institution"))
class CourseSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("日期"))
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    room = models.CharField(_("教室"), max_length=64, blank=True)
    online_url = models.URLField(_("线上地址"), blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["date", "start", "id"]
        indexes = [models.Index(fields=["venue", "room", "date"])]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.course} {self.date} {self.start:%H:%M}"


class EventKind(models.TextChoices):
    LECTURE = "lecture", _("市民讲堂")
    LEARNING_WEEK = "learning_week", _("全民终身学习活动周")
    ACTIVITY_DAY = "activity_day", _("9·28 终身教育活动日")
    READING = "reading", _("读书月")
    EXHIBITION = "exhibition", _("展览")
    OPEN_DAY = "open_day", _("场馆开放日")


@scoped(browse=rules.public(), view=rules.public(), change=rules.by_institution("organiser"))
class Event(models.Model):
    title = models.CharField(_("名称"), max_length=128)
    title_en = models.CharField(_("英文名称"), max_length=160, blank=True, db_default="")
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    description = models.TextField(_("简介"), blank=True)
    organiser = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="events")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="events")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("名额"), default=0)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=Decimal("2"))
    is_free = models.BooleanField(_("免费"), default=True)
    # Live sign-ups (registered or attended), kept under the event's lock; capacity 0 means no sign-up limit.
    registered_count = models.PositiveIntegerField(default=0, db_default=0)

    objects = RestrictedManager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity=0) | Q(registered_count__lte=models.F("capacity")),
                                   name="event_not_overbooked"),
        ]

    def __str__(self) -> str:
        return self.title


class EventRegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已参加")


@scoped(view=rules.own("learner__user") | rules.by_institution("event__organiser"),
        change=rules.own("learner__user") | rules.by_institution("event__organiser"))
class EventRegistration(models.Model):
    """A resident's sign-up for an event; checking in at the event marks it attended and makes the learning
    record (kind event)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    learner = models.ForeignKey(LearnerProfile, on_delete=models.PROTECT, related_name="event_registrations")
    status = models.CharField(max_length=12, choices=EventRegistrationStatus.choices, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "learner"], condition=~Q(status="cancelled"),
                                    name="event_registration_one_live_per_learner"),
        ]
        indexes = [models.Index(fields=["learner", "status"]), models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.event} ({self.status})"


class ResourceKind(models.TextChoices):
    VIDEO = "video", _("视频")
    DOCUMENT = "document", _("文档")
    LINK = "link", _("链接")
    AUDIO = "audio", _("音频")


@scoped(browse=rules.public(published=True), view=rules.public(published=True) | rules.by_institution("provider"),
        change=rules.by_institution("provider"))
class Resource(models.Model):
    """A digital learning resource (数字化学习资源库)."""

    title = models.CharField(_("名称"), max_length=128)
    title_en = models.CharField(_("英文名称"), max_length=160, blank=True, db_default="")
    kind = models.CharField(_("类型"), max_length=10, choices=ResourceKind.choices)
    topic = models.CharField(_("主题"), max_length=64)
    course_kind = models.CharField(_("类别"), max_length=16, choices=CourseKind.choices)
    description = models.TextField(_("简介"), blank=True)
    url = models.URLField(_("地址"))
    duration_minutes = models.PositiveIntegerField(_("时长（分钟）"))
    provider = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="resources")
    published = models.BooleanField(default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    COMPLETED = "completed", _("已结业")


@scoped(view=rules.own("learner__user") | rules.by_institution("course__institution"),
        change=rules.own("learner__user") | rules.by_institution("course__institution"))
class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    learner = models.ForeignKey(LearnerProfile, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=12, choices=EnrollmentStatus.choices, db_index=True)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            # One live enrollment of a learner in a course (cancelled ones stay as history).
            models.UniqueConstraint(fields=["course", "learner"], condition=~Q(status="cancelled"),
                                    name="enrollment_one_live_per_learner"),
        ]
        indexes = [models.Index(fields=["learner", "status"]), models.Index(fields=["course", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course} ({self.status})"


@scoped(view=rules.own("enrollment__learner__user") | rules.by_institution("session__course__institution"),
        change=rules.by_institution("session__course__institution"))
class Attendance(models.Model):
    class Method(models.TextChoices):
        STAFF = "staff", _("工作人员签到")
        QR = "qr", _("扫码签到")

    session = models.ForeignKey(CourseSession, on_delete=models.PROTECT, related_name="attendances")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="attendances")
    method = models.CharField(max_length=8, choices=Method.choices)
    at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "enrollment"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrollment} @ {self.session}"


@scoped(browse=rules.public(), view=rules.public())
class SearchDocument(models.Model):
    """One searchable thing (course, resource, event, venue) with the fields the filters need, denormalized."""

    class Type(models.TextChoices):
        COURSE = "course", _("课程")
        RESOURCE = "resource", _("数字资源")
        EVENT = "event", _("活动")
        VENUE = "venue", _("场馆")

    object_type = models.CharField(max_length=10, choices=Type.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    place_path = models.CharField(max_length=96, db_index=True)  # where it happens (or its provider's place)
    kind = models.CharField(max_length=20, blank=True)
    mode = models.CharField(max_length=8, blank=True)
    groups = models.CharField(max_length=200, blank=True)  # ",elderly,women," — target groups, for filtering
    is_free = models.BooleanField(default=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    featured = models.BooleanField(default=False)

    objects = RestrictedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["object_type", "object_id"], name="search_document_once")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.title}"


@scoped(browse=rules.public(), view=rules.public())
class SearchTerm(models.Model):
    """The inverted index: a term (a CJK bigram, a jieba word, a latin word or a pinyin-initials key) of a
    document, with its weight. Portable: the same SQL ranks the same way on SQLite and PostgreSQL."""

    term = models.CharField(max_length=32)
    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="terms")
    weight = models.PositiveSmallIntegerField()

    objects = RestrictedManager()

    class Meta:
        indexes = [models.Index(fields=["term", "document"], name="search_term_lookup")]

    def __str__(self) -> str:
        return f"{self.term} → {self.document_id} ({self.weight})"
