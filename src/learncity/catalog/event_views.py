"""Events and venues as pages (issue 15, item 4): the event list by date range with district/street filters and
paging, an event's page with sign-up, cancel and the organiser's check-in, the venue list and a venue's page
with the courses and events held there. Thin: the selectors read, the services write."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.catalog import selectors, services
from learncity.catalog.inputs import EVENT_DATES, EventCheckInInput, EventFilters
from learncity.catalog.models import Course, EventKind, Venue
from learncity.core.cache import fragment
from learncity.core.errors import DomainError
from learncity.core.forms import flash_domain_errors
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.core.page_cache import cacheable_query, public_page, shared_render, with_token
from learncity.core.scopes import Action
from learncity.core.templatetags.display import display

EVENT_DAYS = 31  # the event list's default span: from today, a month


def _filters(params) -> dict:
    return {k: (params.get(k) or "").strip() or None for k in ("district", "street", "kind", "q")}


def cached_page(request, template: str, make, *, title=None):
    """A signed-in visitor's page whose content holds nothing of theirs (a list, a venue): the content (the
    template's `page` partial) rendered once and cached as HTML by path, query, language, display mode and (as every fragment) day
    until the next catalog bump; the page around it (their name, their menu) rendered for them. `make()` returns
    (context, status); `title(context)` the page's title when it depends on the content. Anonymous visitors get
    the whole page from public_page; HTMX partials and query strings too large to be a key are not cached."""
    query = None
    if request.user.is_authenticated and not getattr(request, "htmx", False):
        try:
            query = cacheable_query(request.META.get("QUERY_STRING", ""))
        except ValueError:  # more parameters than a key takes
            query = None
    if query is None:
        context, status = make()
        return render_page(request, template, context, partial="results", status=status)

    def build():
        context, status = make()
        return status, title(context) if title else "", shared_render(f"{template}#page", context, request)

    status, page_title, html = fragment(
        ("catalog-page", request.path, tuple(query), get_language() or "", bool(getattr(request, "large_text", False))),
        ("catalog",), build)  # (fragment keys carry the day themselves)
    return with_token(request, render(request, template, {"page_html": mark_safe(html), "page_title": page_title},
                                      status=status))  # (the HTML rendered in build, for everyone)


def _listing(request, template: str, rows, context: dict):
    """A filtered, paged list's context and status; a bad filter or page is a 400 that says which and why, with
    the form."""
    errors = context.pop("errors", {})
    page = None
    if not errors:
        try:
            page = selectors.page_of(rows(), request.GET.get("page"))
        except DomainError as exc:
            errors = exc.errors
    query = request.GET.copy()
    query.pop("page", None)
    context.update(page=page, errors=errors, query=query.urlencode(), districts=selectors.districts(),
                   streets=selectors.streets_of(district_code=context["filters"]["district"]) if not errors.get(
                       "district") else [])
    return context, 400 if errors else 200


@public_page(depends=("catalog",))
def events(request):
    """Events taking place, at least partly, between two dates (a month from today unless chosen)."""
    return cached_page(request, "catalog/events.html", lambda: _events(request))


def _events(request):
    errors: dict = {}
    filters = _filters(request.GET)
    date_from = date_to = None
    try:
        dates = parse(EventFilters, {"date_from": request.GET.get("from"), "date_to": request.GET.get("to")},
                      aliases={"date_from": "from", "date_to": "to"})
    except DomainError as exc:
        errors = exc.errors
    else:
        date_from = dates.date_from or timezone.localdate()
        date_to = dates.date_to or min(date_from + datetime.timedelta(days=EVENT_DAYS - 1), EVENT_DATES[1])

    def rows():
        return selectors.event_list_filtered(date_from=date_from, date_to=date_to, district_code=filters["district"],
                                             street_code=filters["street"], kind=filters["kind"])

    if not errors:
        try:
            rows().exists()  # the filters' own errors (unknown district, dates reversed) before paging
        except DomainError as exc:
            errors = exc.errors
    span = (date_to - date_from).days + 1 if date_from and date_to else EVENT_DAYS
    return _listing(request, "catalog/events.html", rows, {
        "filters": filters, "date_from": date_from, "date_to": date_to, "errors": errors,
        "kinds": EventKind.choices, "now": timezone.now(),
        "prev": (date_from - datetime.timedelta(days=span)) if date_from else None,
        "next": (date_from + datetime.timedelta(days=span)) if date_from else None, "span": span})


@public_page(depends=("catalog",))
def venues(request):
    return cached_page(request, "catalog/venues.html", lambda: _venues(request))


def _venues(request):
    filters = _filters(request.GET)
    errors: dict = {}

    def rows():
        return selectors.venue_list_filtered(district_code=filters["district"], street_code=filters["street"],
                                             kind=filters["kind"], q=filters["q"])

    try:
        rows().exists()
    except DomainError as exc:
        errors = exc.errors
    return _listing(request, "catalog/venues.html", rows, {"filters": filters, "errors": errors,
                                                          "kinds": Venue.Kind.choices})


@public_page(depends=("catalog",))
def venue_detail(request, pk: int):
    return cached_page(request, "catalog/venue_detail.html", lambda: (_venue_rows(selectors.venue_detail(pk=pk)), 200),
                       title=lambda context: display(context["venue"], "name"))


def _venue_rows(detail: dict) -> dict:
    """The venue's page from its selector, its courses as plain cards (course_cards: the selector's models carry
    no phase and would be read again for the card's labels)."""
    ids = [c.pk for c in detail["courses"]]
    cards = {c.pk: c for c in selectors.course_cards(Course.objects.restrict(selectors.ANYONE, Action.BROWSE)
                                                     .with_phase().filter(pk__in=ids))}
    return {**detail, "courses": [cards[pk] for pk in ids if pk in cards]}


@public_page(depends=("catalog",))
def event_detail(request, pk: int):
    event = selectors.event_get(pk=pk)
    can_manage = selectors.event_can_manage(actor=request.user, event=event)
    now = timezone.now()
    return render_page(request, "catalog/event_detail.html", {
        "event": event, "registration": selectors.event_registration_of(actor=request.user, event=event),
        "can_manage": can_manage, "roster": selectors.event_roster(actor=request.user, event=event) if can_manage else [],
        "over": event.ends_at <= now, "started": event.starts_at <= now,
        "seats_left": max(event.capacity - event.registered_count, 0) if event.capacity else None})


def act_and_return(request, act, success, to: str, pk: int):
    """A POST that runs one service and goes back to the page it came from (`to`, `pk`): the service's refusal
    shown there, or `success` (a message, or a function of what the service returned that makes one)."""
    try:
        result = act()
    except DomainError as exc:
        flash_domain_errors(request, exc)
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(to, pk=pk)


@login_required
@require_POST
def event_register(request, pk: int):
    event = selectors.event_get(pk=pk)
    return act_and_return(request, lambda: services.event_register(actor=request.user, event=event),
                          _("报名成功"), "catalog:event", event.pk)


@login_required
@require_POST
def event_cancel(request, pk: int):
    registration = selectors.my_event_registration_get(actor=request.user, pk=pk)
    return act_and_return(
        request, lambda: services.event_registration_cancel(actor=request.user, registration=registration),
        _("已取消报名"), "catalog:event", registration.event_id)


@login_required
@require_POST
def event_check_in(request, pk: int):
    event = selectors.event_get(pk=pk)
    selectors.event_roster(actor=request.user, event=event)  # 404 for whoever does not run the event

    def check_in():
        ids = parse(EventCheckInInput, {"registration_ids": request.POST.getlist("present")}).registration_ids
        return services.event_check_in(actor=request.user, event=event, registration_ids=ids)

    return act_and_return(request, check_in, lambda done: _("已签到 %(n)s 人") % {"n": len(done)},
                          "catalog:event", event.pk)
