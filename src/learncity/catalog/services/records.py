"""Learning records: made only by `learning_record_create` (pages, API, QR check-in, imports), once per
provider's record id."""


import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.inputs import RecordInput, ResourceDoneInput
from learncity.catalog.models import (
    Course,
    CourseSession,
    Event,
    LearningRecord,
    RecordKind,
    RecordSource,
    Resource,
)
from learncity.catalog.services.common import _profile_of
from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound
from learncity.core.followups import follow_up
from learncity.core.inputs import parse
from learncity.network.models import Institution
from learncity.people.models import LearnerProfile

# --- learning records ---------------------------------------------------------------------------------

def learning_record_create(*, actor, learner: LearnerProfile, provider: Institution, kind: str, title: str, hours,
                           date: datetime.date, source: str, external_id: str, score=None, course_kind: str = "",
                           course: Course | None = None, session: CourseSession | None = None,
                           event: Event | None = None, resource: Resource | None = None) -> LearningRecord:
    """The one way a learning record is made (pages, API, QR check-in, imports). Re-sending the provider's
    same record id returns the existing record and creates nothing twice. What the record states is checked by
    `RecordInput` (catalog/inputs.py), whoever calls; the date against today and the learner's birth here."""
    data = parse(RecordInput, {"kind": kind, "source": source, "course_kind": course_kind or None,
                               "external_id": external_id, "hours": hours, "score": score, "date": date})
    kind, source, external_id, hours, score, date = (data.kind, data.source, data.external_id, data.hours,
                                                     data.score, data.date)
    if date > timezone.localdate():
        raise DomainError({"date": gettext("学习日期 %(date)s 在未来") % {"date": date}})
    if date < learner.birth_date:
        raise DomainError({"date": gettext("学习日期 %(date)s 早于学习者的出生日期") % {"date": date}})
    existing = LearningRecord.objects.unscoped("a provider's record id is unique over the whole table").filter(provider=provider, external_id=external_id).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = LearningRecord.objects.create(
                    learner=learner, provider=provider, kind=kind, course_kind=data.course_kind or "", course=course,
                    session=session, event=event, resource=resource, title=title[:200], hours=hours, score=score,
                    date=date, source=source, external_id=external_id,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
        except IntegrityError:  # the same record sent twice at once: the other request made it
            existing = LearningRecord.objects.unscoped("a provider's record id is unique over the whole table").filter(provider=provider, external_id=external_id).first()
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
    watched_seconds = parse(ResourceDoneInput, {"watched_seconds": watched_seconds}).watched_seconds
    if watched_seconds < resource.duration_minutes * 60 * 0.9:
        raise DomainError({"watched_seconds": gettext("尚未看完：已看 %(v)s 分钟，共 %(duration_minutes)s 分钟") % {"v": watched_seconds // 60, "duration_minutes": resource.duration_minutes}})
    return learning_record_create(
        actor=actor, learner=learner, provider=resource.provider, kind=RecordKind.RESOURCE, title=resource.title,
        hours=(Decimal(resource.duration_minutes) / 60).quantize(Decimal("0.1")), date=timezone.localdate(),
        source=RecordSource.PAGE, external_id=f"resource-{resource.pk}-{learner.pk}", resource=resource,
        course_kind=resource.course_kind)
