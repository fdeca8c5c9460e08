"""Event sign-ups and check-in (issue 15, item 4)."""



from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import (
    Event,
    EventRegistration,
    EventRegistrationStatus,
    RecordKind,
    RecordSource,
)
from learncity.catalog.services.common import _profile_of, _require_manage
from learncity.catalog.services.records import learning_record_create
from learncity.core.audit import audit_record
from learncity.core.cache import bump
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.scopes import Action

# --- event sign-ups and check-in (issue 15, item 4) ----------------------------------------------------------

def _event_over(event: Event) -> bool:
    return event.ends_at <= timezone.now()


def event_register(*, actor, event: Event) -> EventRegistration:
    """The acting resident signs up for an event. Counted under the event's lock against its capacity (0: no
    limit); an event that has ended, or is full, takes nobody; one live sign-up a learner."""
    learner = _profile_of(actor)
    with transaction.atomic():
        locked = Event.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=event.pk)
        if _event_over(locked):
            raise DomainError({"event": gettext("活动「%(title)s」已结束，不能报名") % {"title": locked.title}},
                              code="event_over")
        if EventRegistration.objects.unscoped("one live sign-up a learner: the check is over the whole event").filter(event=locked, learner=learner).exclude(
                status=EventRegistrationStatus.CANCELLED).exists():
            raise DomainError({"event": gettext("您已报名活动「%(title)s」") % {"title": locked.title}},
                              code="already_registered")
        if locked.capacity and locked.registered_count >= locked.capacity:
            raise DomainError({"event": gettext("活动「%(title)s」的 %(n)s 个名额已满") % {
                "title": locked.title, "n": locked.capacity}}, code="event_full")
        registration = EventRegistration.objects.create(event=locked, learner=learner,
                                                        status=EventRegistrationStatus.REGISTERED)
        Event.objects.unscoped("the row locked again after the caller's check").filter(pk=locked.pk).update(registered_count=F("registered_count") + 1)
        bump("catalog")
        audit_record(actor=actor, action="event_registration.create", obj=registration, event=locked.pk)
    return registration


def event_registration_cancel(*, actor, registration: EventRegistration) -> EventRegistration:
    """The learner (or the organiser's staff) cancels a sign-up that has not been attended, before the event
    ends; the seat is free again."""
    if not EventRegistration.objects.restrict(actor, Action.CHANGE).filter(pk=registration.pk).exists():
        raise PermissionDenied()
    with transaction.atomic():
        event = Event.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=registration.event_id)
        current = EventRegistration.objects.unscoped("the row locked again after the caller's check").select_for_update().get(pk=registration.pk)
        if current.status != EventRegistrationStatus.REGISTERED:
            raise DomainError({"registration": gettext("%(status)s的活动报名不能取消") % {
                "status": EventRegistrationStatus(current.status).label}}, code="not_cancellable")
        if _event_over(event):
            raise DomainError({"registration": gettext("活动「%(title)s」已结束，报名不能再取消") % {
                "title": event.title}}, code="event_over")
        current.status = EventRegistrationStatus.CANCELLED
        current.save(update_fields=["status"])
        Event.objects.unscoped("the row locked again after the caller's check").filter(pk=event.pk).update(registered_count=F("registered_count") - 1)
        bump("catalog")
        audit_record(actor=actor, action="event_registration.cancel", obj=current, event=event.pk)
    return current


def event_check_in(*, actor, event: Event, registration_ids: list[int]) -> list[EventRegistration]:
    """The organiser's staff check in residents who signed up, once the event has begun: each sign-up becomes
    attended and makes the learning record (kind event) through learning_record_create, as a course check-in
    does. All or nothing: a sign-up of another event, or cancelled, refuses the whole list. Checking in
    someone already attended changes nothing for them."""
    _require_manage(actor, event.organiser)
    if event.starts_at > timezone.now():
        raise DomainError({"event": gettext("活动「%(title)s」尚未开始，不能签到") % {"title": event.title}},
                          code="event_not_started")
    wanted = list(dict.fromkeys(registration_ids))
    if not wanted:
        raise DomainError({"registration_ids": gettext("没有要签到的报名")})
    found = {r.pk: r for r in EventRegistration.objects.restrict(actor, Action.CHANGE).select_related("learner").filter(
        event=event, pk__in=wanted).exclude(status=EventRegistrationStatus.CANCELLED)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise DomainError({"registration_ids": gettext("这些报名不属于本活动或已取消，不能签到：%(ids)s") % {
            "ids": ", ".join(str(i) for i in missing)}}, code="not_registered")
    now = timezone.now()
    day = min(timezone.localdate(), timezone.localtime(event.ends_at).date())
    with transaction.atomic():
        locked = {r.pk: r for r in EventRegistration.objects.unscoped("the row locked again after the caller's check").select_for_update().filter(pk__in=wanted)}
        for pk in wanted:
            registration = locked[pk]
            if registration.status == EventRegistrationStatus.CANCELLED:  # cancelled since it was read
                raise DomainError({"registration_ids": gettext("这些报名不属于本活动或已取消，不能签到：%(ids)s")
                                   % {"ids": pk}}, code="not_registered")
            if registration.status == EventRegistrationStatus.ATTENDED:
                continue
            registration.status, registration.attended_at = EventRegistrationStatus.ATTENDED, now
            registration.recorded_by = actor
            registration.save(update_fields=["status", "attended_at", "recorded_by"])
            learning_record_create(
                actor=actor, learner=found[pk].learner, provider=event.organiser, kind=RecordKind.EVENT,
                title=event.title, hours=event.hours, date=day, source=RecordSource.PAGE,
                external_id=f"event-{event.pk}-{found[pk].learner_id}", event=event)
        audit_record(actor=actor, action="event.check_in", obj=event, registrations=wanted)
    return [locked[pk] for pk in wanted]
