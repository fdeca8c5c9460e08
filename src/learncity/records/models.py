"""Learning records: who learned what, where, for how long — the input of the credit bank, the dashboards and the
province's exchange. Below catalog in the layers (docs/architecture.md): catalog makes them at check-in and
completion, intake imports them by the million, and the credit bank, monitoring and (later) exchange read them.
A record points at the course, session, event or resource it came from by name ("catalog.Course"), without
importing catalog."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learncity.core.scopes import RestrictedManager, rules, scoped
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile, User


class CourseKind(models.TextChoices):
    COMMUNITY = "community", _("社区教育")
    ELDERLY = "elderly", _("老年教育")
    VOCATIONAL = "vocational", _("职业技能培训")
    PROFESSIONAL = "professional", _("专业技术人员继续教育")
    CADRE = "cadre", _("干部培训")
    ACADEMIC = "academic", _("成人学历教育")
    RURAL = "rural", _("农村实用技术")
    FAMILY = "family", _("家庭教育与亲子")
    HEALTH = "health", _("卫生健康")
    CULTURE = "culture", _("文化艺术")
    DIGITAL = "digital", _("数字技能")
    LAW = "law", _("法律与公民素养")


class RecordKind(models.TextChoices):
    ATTENDANCE = "attendance", _("课程出勤")
    COMPLETION = "completion", _("课程结业")
    EVENT = "event", _("活动参与")
    RESOURCE = "resource", _("在线学习")
    VOLUNTEERING = "volunteering", _("志愿服务")


class RecordSource(models.TextChoices):
    PAGE = "page", _("页面")
    API = "api", _("接口")
    QR = "qr", _("扫码")
    IMPORT = "import", _("导入")
    DEMO = "demo", _("演示")


# A learner reads their own records, an administrator or auditor those of the residents they oversee, an
# institution's people those it provided; only the provider's people write them (through the services).
@scoped(view=rules.own("learner__user") | rules.by_profile("learner") | rules.by_institution("provider"),
        change=rules.by_institution("provider"))
class LearningRecord(models.Model):
    """Who learned what, where, for how long: the credit bank's input. Made only by learning_record_create."""

    # The hot table of bulk intake (millions of rows a file): no foreign-key constraints in the database (each
    # would look up and key-share-lock the referenced row for every inserted row; the writers take these ids
    # from rows they read in the same transaction, and learners, institutions, courses, sessions, events and
    # resources are never deleted while records point at them: PROTECT in the ORM), and only the indexes a
    # query needs: (learner, date) for a learner's records, the unique (provider, record id) for exactly-once,
    # and partial indexes for the rare records of a course, session, event or resource (most rows have none).
    learner = models.ForeignKey(LearnerProfile, on_delete=models.PROTECT, related_name="learning_records",
                                db_index=False, db_constraint=False)
    provider = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="learning_records",
                                 db_index=False, db_constraint=False)
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    course_kind = models.CharField(max_length=16, choices=CourseKind.choices, blank=True)
    course = models.ForeignKey("catalog.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="records",
                               db_index=False, db_constraint=False)
    session = models.ForeignKey("catalog.CourseSession", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                db_index=False, db_constraint=False)
    event = models.ForeignKey("catalog.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="records",
                              db_index=False, db_constraint=False)
    resource = models.ForeignKey("catalog.Resource", null=True, blank=True, on_delete=models.PROTECT, related_name="records",
                                 db_index=False, db_constraint=False)
    title = models.CharField(max_length=200)
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    date = models.DateField()
    source = models.CharField(max_length=8, choices=RecordSource.choices)
    # The provider's own id for the record: re-sending the same record creates nothing twice.
    external_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   db_index=False, db_constraint=False)

    objects = RestrictedManager()

    class Meta:
        db_table = "catalog_learningrecord"  # where it was made, before the records app: the table stays put
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="learning_record_once_per_provider"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="learning_record_hours_not_negative"),
        ]
        indexes = [models.Index(fields=["learner", "date"])] + [
            models.Index(fields=[f], condition=Q(**{f"{f}__isnull": False}), name=f"learning_record_{f}")
            for f in ("course", "session", "event", "resource")]

    def __str__(self) -> str:
        return f"{self.learner} {self.title} {self.hours}h {self.date}"
