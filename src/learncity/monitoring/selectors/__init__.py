"""Every read of monitoring: indicator values from the rollups (and the reference tables), targets, status and
trend, scoped to the acting user (`Model.objects.restrict(actor, action)`: the places, targets and populations
they reach). The public dashboard's selectors take no user: published indicators only (Action.BROWSE), small
cells suppressed.

One module per part: shapes.py (the answers' dataclasses), definitions.py (the active indicators), figures.py
(values, read a page at a time), rows.py (actual against target, status, trend), places.py (the actor's places),
dashboard.py (overview, drill-down, breakdown, series), statistics.py (what the reports read), targets.py,
public.py (the public dashboard), todos.py (the home page's reports due).
"""

from learncity.monitoring.selectors import shapes
from learncity.monitoring.selectors.dashboard import (
    IndicatorPage,
    indicator_breakdown,
    indicator_drilldown,
    indicator_get,
    indicator_list,
    indicator_page,
    indicator_series,
    monitoring_overview,
)
from learncity.monitoring.selectors.places import monitoring_home_place, monitoring_place, monitoring_places
from learncity.monitoring.selectors.public import figures_freshness, public_drilldown, public_overview
from learncity.monitoring.selectors.reported import Reported, ReportedRow, reported_figures
from learncity.monitoring.selectors.rows import NO_TARGET, comparable_previous
from learncity.monitoring.selectors.shapes import *  # noqa: F403  (every shape, as shapes.__all__ names them)
from learncity.monitoring.selectors.statistics import (
    indicators_breakdown,
    indicators_by_children,
    indicators_series,
    learning_organisations_by,
)
from learncity.monitoring.selectors.targets import target_row, targets_list
from learncity.monitoring.selectors.todos import REPORT_DUE_DAYS, REPORT_NOTICE_DAYS, home_reports_due

__all__ = [
    *shapes.__all__,
    "NO_TARGET",
    "Reported",
    "ReportedRow",
    "reported_figures",
    "REPORT_DUE_DAYS",
    "REPORT_NOTICE_DAYS",
    "IndicatorPage",
    "comparable_previous",
    "figures_freshness",
    "home_reports_due",
    "indicator_breakdown",
    "indicator_drilldown",
    "indicator_get",
    "indicator_list",
    "indicator_page",
    "indicator_series",
    "indicators_breakdown",
    "indicators_by_children",
    "indicators_series",
    "learning_organisations_by",
    "monitoring_home_place",
    "monitoring_overview",
    "monitoring_place",
    "monitoring_places",
    "public_drilldown",
    "public_overview",
    "target_row",
    "targets_list",
]
