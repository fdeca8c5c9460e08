"""Learning records: made only by `learning_record_create` (pages, API, QR check-in, imports), once per
provider's record id."""


import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import (
    Course,
    CourseKind,
    CourseSession,
    Event,
    LearningRecord,
    RecordKind,
    RecordSource,
    Resource,
)
from learncity.catalog.services.common import MAX_HOURS, _decimal, _profile_of
from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound
from learncity.core.followups import follow_up
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile

# --- learning records ---------------------------------------------------------------------------------

def learning_record_create(*, actor, learner: LearnerProfile, provider: Institution, kind: str, title: str, hours,
                           date: datetime.date, source: str, external_id: str, score=None, course_kind: str = "",
                           course: Course | None = None, session: CourseSession | None = None,
                           event: Event | None = None, resource: Resource | None = None) -> LearningRecord:
    """The one way a learning record is made (pages, API, QR check-in, imports). Re-sending the provider's
    same record id returns the existing record and creates nothing twice."""
    errors = {}
    if kind not in RecordKind.values:
        errors["kind"] = gettext("未知的学习记录类型「%(kind)s」") % {"kind": kind}
    if source not in RecordSource.values:
        errors["source"] = gettext("未知的来源「%(source)s」") % {"source": source}
    if course_kind and course_kind not in CourseKind.values:
        errors["course_kind"] = gettext("未知的课程类别「%(course_kind)s」") % {"course_kind": course_kind}
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 64:
        errors["external_id"] = gettext("记录编号不能为空，且不超过 64 个字符")
    if not isinstance(date, datetime.date):
        errors["date"] = gettext("「%(date)s」不是日期") % {"date": date}
    elif date > timezone.localdate():
        errors["date"] = gettext("学习日期 %(date)s 在未来") % {"date": date}
    elif date < learner.birth_date:
        errors["date"] = gettext("学习日期 %(date)s 早于学习者的出生日期") % {"date": date}
    try:
        hours = _decimal(hours, "hours", minimum=Decimal("0"), maximum=MAX_HOURS)
        score = None if score in (None, "") else _decimal(score, "score", minimum=Decimal("0"), maximum=Decimal("100"))
    except DomainError as exc:
        errors.update({k: " ".join(v) for k, v in exc.errors.items()})
    if errors:
        raise DomainError(errors)
    existing = LearningRecord.objects.filter(provider=provider, external_id=external_id).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = LearningRecord.objects.create(
                    learner=learner, provider=provider, kind=kind, course_kind=course_kind, course=course,
                    session=session, event=event, resource=resource, title=title[:200], hours=hours, score=score,
                    date=date, source=source, external_id=external_id,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
        except IntegrityError:  # the same record sent twice at once: the other request made it
            existing = LearningRecord.objects.filter(provider=provider, external_id=external_id).first()
            if existing is None:
                raise
            return existing
        audit_record(actor=actor, action="learning_record.create", obj=record, kind=kind, hours=str(hours))
        # The credit bank's input: the learner's account opens at the first record, and a record from a provider
        # accredited for a matching standard is recognised at once (the credit bank answers, core/followups.py).
        follow_up("learning_recorded", actor=actor, record=record)
    return record


def resource_view_complete(*, actor, resource: Resource, watched_seconds: int) -> LearningRecord:
    """Viewing a resource to the end (90% or more of its length) is recorded as learning, once per learner."""
    learner = _profile_of(actor)
    if not resource.published:
        raise NotFound(gettext("未找到该资源"))
    if not isinstance(watched_seconds, int) or watched_seconds < 0:
        raise DomainError({"watched_seconds": gettext("观看时长必须是非负整数（秒）")})
    if watched_seconds < resource.duration_minutes * 60 * 0.9:
        raise DomainError({"watched_seconds": gettext("尚未看完：已看 %(v)s 分钟，共 %(duration_minutes)s 分钟") % {"v": watched_seconds // 60, "duration_minutes": resource.duration_minutes}})
    return learning_record_create(
        actor=actor, learner=learner, provider=resource.provider, kind=RecordKind.RESOURCE, title=resource.title,
        hours=(Decimal(resource.duration_minutes) / 60).quantize(Decimal("0.1")), date=timezone.localdate(),
        source=RecordSource.PAGE, external_id=f"resource-{resource.pk}-{learner.pk}", resource=resource,
        course_kind=resource.course_kind)
