"""Events and venues as pages: lists filtered by place, kind and dates, paged; an event's or venue's page."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from learncity.catalog.models import (
    Course,
    CourseSession,
    CourseState,
    Event,
    EventKind,
    EventRegistration,
    EventRegistrationStatus,
    Venue,
)
from learncity.catalog.selectors.courses import ANYONE
from learncity.core.errors import DomainError, NotFound
from learncity.core.scopes import Action
from learncity.network.models import Committee
from learncity.places.models import Place, PlaceLevel

# --- events and venues as pages (issue 15, item 4) ---------------------------------------------------------

PAGE_SIZE = 24


def page_of(items, page, *, per_page: int = PAGE_SIZE):
    """One page of a list (a Django Page: its items, number and count). A page that is not a whole number, or
    beyond the last, is refused with what is wrong, as the `page` field's error."""
    text = "1" if page in (None, "") else str(page).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise DomainError({"page": gettext("页码「%(page)s」必须是从 1 开始的整数") % {"page": text[:20]}},
                          code="bad_page")
    paginator = Paginator(items, per_page)
    number = int(text)
    if number > paginator.num_pages:
        raise DomainError({"page": gettext("第 %(page)s 页不存在：共 %(pages)s 页") % {
            "page": number, "pages": paginator.num_pages}}, code="bad_page")
    return paginator.page(number)


def area_resolve(*, district_code: str | None = None, street_code: str | None = None) -> dict:
    """The district and street a list is filtered by, from their codes: an unknown code, or a street outside the
    district given, is refused with the field it came in. Returns {"district": Place|None, "street": Place|None,
    "path": the narrowest path or None}."""
    district = street = None
    errors = {}
    if district_code:
        district = Place.objects.restrict(ANYONE, Action.BROWSE).filter(code=district_code, level=PlaceLevel.DISTRICT).first()
        if district is None:
            errors["district"] = gettext("未知的区县代码「%(code)s」") % {"code": district_code[:20]}
    if street_code:
        street = Place.objects.restrict(ANYONE, Action.BROWSE).filter(code=street_code, level=PlaceLevel.STREET).first()
        if street is None:
            errors["street"] = gettext("未知的街道（乡镇）代码「%(code)s」") % {"code": street_code[:20]}
        elif district is not None and not street.path.startswith(district.path):
            errors["street"] = gettext("%(street)s不在%(district)s") % {"street": street.name,
                                                                          "district": district.name}
    if errors:
        raise DomainError(errors, code="unknown_place")
    narrowest = street or district
    return {"district": district, "street": street, "path": narrowest.path if narrowest else None}


def districts() -> list[tuple[str, str]]:
    """The districts (code, name) of the cities with a promotion committee: a list's district filter."""
    paths = list(Committee.objects.unscoped("the cities a public list covers: where committees sit, for anyone").filter(place__level__lte=PlaceLevel.CITY).values_list("place__path", flat=True))
    if not paths:
        return []
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return list(Place.objects.restrict(ANYONE, Action.BROWSE).filter(q, level=PlaceLevel.DISTRICT).order_by("code")
                .values_list("code", "name"))


def streets_of(*, district_code: str | None) -> list[tuple[str, str]]:
    """The streets and towns of a district (code, name), for a list's street filter."""
    if not district_code:
        return []
    return list(Place.objects.restrict(ANYONE, Action.BROWSE).filter(parent__code=district_code, level=PlaceLevel.STREET)
                .order_by("code").values_list("code", "name"))


VENUE_Q_MAX = 100  # characters of a venue search (name or address)


def venue_list_filtered(*, district_code: str | None = None, street_code: str | None = None,
                        kind: str | None = None, q: str | None = None) -> QuerySet[Venue]:
    """Venues in a district or street (its communities too), of a kind, whose name or address holds `q`;
    venues closed before today are left out."""
    area = area_resolve(district_code=district_code, street_code=street_code)
    if kind and kind not in Venue.Kind.values:
        raise DomainError({"kind": gettext("未知的场馆类型「%(kind)s」") % {"kind": kind[:20]}})
    if q and len(q) > VENUE_Q_MAX:  # a longer pattern is no name or address, and SQLite refuses it (a 500)
        raise DomainError({"q": gettext("名称或地址的搜索词太长：%(n)s 个字符，最多 %(max)s 个") % {
            "n": len(q), "max": VENUE_Q_MAX}}, code="q_too_long")
    qs = (Venue.objects.restrict(ANYONE, Action.BROWSE).select_related("place__parent", "institution")
          .exclude(closed_on__lt=timezone.localdate()))
    if area["path"]:
        qs = qs.filter(place__path__startswith=area["path"])
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(name_en__icontains=q))
    return qs.order_by("place__path", "name", "id")


def venue_detail(*, pk: int) -> dict:
    """A venue with what is held there: its courses still running or to come (published), and its events that
    have not ended, soonest first; a few of those past."""
    venue = Venue.objects.restrict(ANYONE, Action.BROWSE).select_related("place__parent", "institution").filter(
        pk=pk).first()
    if venue is None:
        raise NotFound(gettext("未找到该场馆"))
    now = timezone.now()
    held_here = CourseSession.objects.restrict(ANYONE, Action.BROWSE).filter(venue=venue).values("course_id")
    courses = list(Course.objects.restrict(ANYONE, Action.BROWSE).not_ended()
                   .filter(state=CourseState.PUBLISHED, pk__in=held_here)
                   .select_related("institution").order_by("first_session_date", "id")[:50])
    events = list(Event.objects.restrict(ANYONE, Action.BROWSE).filter(venue=venue, ends_at__gt=now).select_related("organiser")
                  .order_by("starts_at", "id")[:50])
    past = list(Event.objects.restrict(ANYONE, Action.BROWSE).filter(venue=venue, ends_at__lte=now).select_related("organiser")
                .order_by("-starts_at", "-id")[:10])
    return {"venue": venue, "courses": courses, "events": events, "past_events": past}


def event_list_filtered(*, date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                        district_code: str | None = None, street_code: str | None = None,
                        kind: str | None = None) -> QuerySet[Event]:
    """Events that take place, at least partly, between two dates (inclusive, local): an event is in a period
    when it starts before the period ends and ends after it begins, so a September list holds the exhibition of
    08-20 to 09-30 and not the one that ended on 08-03. Filtered by the venue's district or street and by kind.
    The dates come parsed and within EVENT_DATES (catalog.inputs.EventFilters)."""
    if date_from and date_to and date_to < date_from:
        raise DomainError({"date_to": gettext("结束日期 %(to)s 早于开始日期 %(frm)s") % {"to": date_to,
                                                                                    "frm": date_from}})
    if kind and kind not in EventKind.values:
        raise DomainError({"kind": gettext("未知的活动类型「%(kind)s」") % {"kind": kind[:20]}})
    area = area_resolve(district_code=district_code, street_code=street_code)
    qs = Event.objects.restrict(ANYONE, Action.BROWSE)
    if date_from:
        qs = qs.filter(ends_at__gt=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(starts_at__lt=_local_midnight(date_to + datetime.timedelta(days=1)))
    if area["path"]:
        qs = qs.filter(venue__place__path__startswith=area["path"])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("venue__place__parent", "organiser").order_by("starts_at", "id")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def event_get(*, pk: int) -> Event:
    event = (Event.objects.restrict(ANYONE, Action.BROWSE).select_related("venue__place__parent", "organiser")
             .filter(pk=pk).first())
    if event is None:
        raise NotFound(gettext("未找到该活动"))
    return event


def event_registration_of(*, actor, event: Event):
    """The acting user's live sign-up for the event (registered or attended), or None."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return (EventRegistration.objects.restrict(actor, Action.VIEW).filter(event=event, learner__user=actor)
            .exclude(status=EventRegistrationStatus.CANCELLED).first())


def event_can_manage(*, actor, event: Event) -> bool:
    return Event.objects.restrict(actor, Action.CHANGE).filter(pk=event.pk).exists()


def event_roster(*, actor, event: Event) -> list:
    """The event's live sign-ups (registered and attended) for the organiser's staff, in order of arrival."""
    if not event_can_manage(actor=actor, event=event):
        raise NotFound(gettext("未找到该活动，或您无权管理"))
    return list(EventRegistration.objects.restrict(actor, Action.VIEW).filter(event=event)
                .exclude(status=EventRegistrationStatus.CANCELLED)
                .select_related("learner__residence").order_by("id"))


def my_event_registration_get(*, actor, pk: int):
    registration = (EventRegistration.objects.restrict(actor, Action.VIEW).select_related("event__organiser", "learner")
                    .filter(pk=pk, learner__user=actor).first())
    if registration is None:
        raise NotFound(gettext("未找到该活动报名"))
    return registration
