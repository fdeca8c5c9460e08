"""Events and venues in the API (issue 15, item 4): lists by date overlap and place, an event's and a venue's
detail (public, as their pages are), sign-up, cancel and the organiser's check-in through the same selectors
and services as the pages."""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from learncity.catalog import selectors, services
from learncity.catalog.inputs import EventCheckInInput, EventFilters

router = Router(tags=["events and venues"])


class VenueOut(Schema):
    id: int
    name: str
    name_en: str
    kind: str
    place_code: str = Field(..., alias="place.code")
    place_name: str = Field(..., alias="place.name")
    address: str
    opening_hours: str
    free_open_days: str
    accessibility: str
    transit_note: str
    capacity: int


class EventOut(Schema):
    id: int
    title: str
    title_en: str
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    venue_id: int
    venue_name: str = Field(..., alias="venue.name")
    organiser_code: str = Field(..., alias="organiser.code")
    organiser_name: str = Field(..., alias="organiser.name")
    capacity: int  # 0: no limit
    registered_count: int
    seats_left: int | None  # null when there is no limit
    hours: Decimal
    is_free: bool

    @staticmethod
    def resolve_seats_left(obj):
        return max(obj.capacity - obj.registered_count, 0) if obj.capacity else None


class EventDetailOut(EventOut):
    description: str
    venue: VenueOut


class CourseBrief(Schema):
    id: int
    code: str
    title: str
    phase: str


class VenueDetailOut(VenueOut):
    upcoming_events: list[EventOut]  # those that have not ended, soonest first
    current_courses: list[CourseBrief]  # published courses with a session here that have not ended


class EventRegistrationOut(Schema):
    id: int
    event_id: int
    learner_name: str
    status: str
    attended_at: datetime.datetime | None

    @staticmethod
    def resolve_learner_name(obj):
        return obj.learner.name


@router.get("/events", response=list[EventOut], auth=None)
@paginate
def event_list(request, filters: Query[EventFilters]):
    """Events that take place at least partly between the two dates (inclusive)."""
    return selectors.event_list_filtered(date_from=filters.date_from, date_to=filters.date_to,
                                         district_code=filters.district, street_code=filters.street,
                                         kind=filters.kind)


@router.get("/events/{pk}", response=EventDetailOut, auth=None)
def event_get(request, pk: int):
    return selectors.event_get(pk=pk)


@router.get("/events/{pk}/registrations", response=list[EventRegistrationOut])
def event_roster(request, pk: int):
    return selectors.event_roster(actor=request.auth, event=selectors.event_get(pk=pk))


@router.post("/events/{pk}/registrations", response={201: EventRegistrationOut})
def event_register(request, pk: int):
    return services.event_register(actor=request.auth, event=selectors.event_get(pk=pk))


@router.delete("/event-registrations/{pk}", response=EventRegistrationOut)
def event_registration_cancel(request, pk: int):
    registration = selectors.my_event_registration_get(actor=request.auth, pk=pk)
    return services.event_registration_cancel(actor=request.auth, registration=registration)


@router.post("/events/{pk}/check-in", response=list[EventRegistrationOut])
def event_check_in(request, pk: int, payload: EventCheckInInput):
    event = selectors.event_get(pk=pk)
    selectors.event_roster(actor=request.auth, event=event)  # 404 for whoever does not run the event
    return services.event_check_in(actor=request.auth, event=event, registration_ids=payload.registration_ids)


@router.get("/venues", response=list[VenueOut], auth=None)
@paginate
def venue_list(request, district: str | None = None, street: str | None = None, kind: str | None = None,
               q: str | None = None):
    return selectors.venue_list_filtered(district_code=district, street_code=street, kind=kind, q=q)


@router.get("/venues/{pk}", response=VenueDetailOut, auth=None)
def venue_get(request, pk: int):
    detail = selectors.venue_detail(pk=pk)
    venue = detail["venue"]
    venue.upcoming_events, venue.current_courses = detail["events"], detail["courses"]
    return venue
