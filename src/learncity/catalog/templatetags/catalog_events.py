"""How an event's dates and a venue's place are written on pages."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from learncity.places.models import PlaceLevel

register = template.Library()


@register.filter
def event_span(event) -> str:
    """The days and hours an event runs, local time: "2026-09-28 09:00–11:30" for a day, "2026-09-01 至 09-30"
    for several days of one year (with the daily hours when they are the same every day), the year twice
    when it spans two."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    hours = f"{start:%H:%M}–{end:%H:%M}"
    if start.date() == end.date():
        return f"{start:%Y-%m-%d} {hours}"
    to = gettext("至")
    last = f"{end:%m-%d}" if start.year == end.year else f"{end:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} {to} {last}" + (f" · {gettext('每天')} {hours}" if start.time() < end.time() else "")


@register.filter
def place_line(place) -> str:
    """A venue's place with the one above it (district › street, street › community); a district alone. Reads
    place.parent only: lists select_related("place__parent")."""

    if place.level >= PlaceLevel.STREET and place.parent_id:
        return f"{place.parent.name} › {place.name}"
    return place.name
