"""The public dashboard's selectors (no user: published indicators only, small cells suppressed), and how fresh
the figures are."""


from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.monitoring import rollups
from learncity.monitoring.periods import Period, period_default
from learncity.monitoring.selectors.dashboard import _drilldown
from learncity.monitoring.selectors.definitions import _definition, _definitions
from learncity.monitoring.selectors.figures import _batched, _Ctx
from learncity.monitoring.selectors.places import _cities_running
from learncity.monitoring.selectors.rows import _row
from learncity.monitoring.selectors.shapes import Drilldown, Overview, PlaceRef
from learncity.places.models import Place, PlaceLevel

# --- public -----------------------------------------------------------------------------------------------

def _public_city(city_code: str | None) -> Place:
    cities = _cities_running()
    if city_code:
        cities = [c for c in cities if c.code == city_code]
    if not cities:
        raise NotFound(gettext("未找到该城市的学习型城市看板"))
    return cities[0]


def public_overview(*, period: Period | None = None, city_code: str | None = None) -> Overview:
    city = _public_city(city_code)
    period = period or period_default()
    ctx, defs = _Ctx([city], None, Action.BROWSE), _definitions(None, Action.BROWSE)
    return Overview(PlaceRef.of(city), period,
                    _batched(ctx, lambda: [_row(ctx, d, city, period, public=True) for d in defs]))


def public_drilldown(*, code: str, place_id: int | None = None, period: Period | None = None,
                     city_code: str | None = None) -> Drilldown:
    """A published indicator for the city and its districts and streets (no communities: cells too small)."""
    city = _public_city(city_code)
    d = _definition(None, code, Action.BROWSE)
    place = city
    if place_id is not None:
        place = Place.objects.restrict(None, Action.BROWSE).filter(pk=place_id, path__startswith=city.path, level__lte=PlaceLevel.STREET).first()
        if place is None:
            raise NotFound(gettext("未找到该区划"))
    return _drilldown(None, d, place, city, period or period_default(), public=True)


def figures_freshness() -> rollups.Freshness:
    """When the rollups behind every monitoring figure were last brought up to date, and whether data has arrived
    since (the pages' "数据更新于 …" and their note). One query; it writes nothing (the refresh runs in the
    background: monitoring.tasks)."""
    return rollups.rollups_freshness()
