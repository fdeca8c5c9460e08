"""What an accepted return sends on: a form's `feeds` ({"indicator": "EMP-CE", "numerator": "staff_trained_total",
"denominator": "staff_total"}) record the unit's figures in monitoring for the unit's place and the round's period
(monitoring.services.reported_figure_record), where the indicator's page shows them beside the rollups' counts.
A field is a number field's key or a table cell's path ("by_industry.manufacturing.staff"). Called by the
reports' accept service in its transaction, so the figure is recorded with the acceptance or not at all.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.governance.models import ReportReturn, ReturnState


def _number(data: dict, path: str) -> Decimal | None:
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DomainError({path: gettext("「%(path)s」不是数字：%(value)s") % {"path": path, "value": value}}) from None


def return_accepted(report_return: ReportReturn, *, actor) -> list:
    """Record the accepted return's figures for each of its form's feeds; the figures recorded (none when the
    form feeds nothing or the unit left a feed's numerator empty)."""
    from learncity.monitoring.services import reported_figure_record

    if report_return.state != ReturnState.ACCEPTED:
        raise DomainError({"state": gettext("只有已采纳的报表才能计入监测数据")})
    rnd = report_return.round
    unit = report_return.unit
    place = unit.committee.place if report_return.member_unit_id else unit.place
    recorded = []
    for feed in rnd.form.schema.get("feeds", []):
        numerator = _number(report_return.data, feed["numerator"])
        if numerator is None:
            continue
        denominator = _number(report_return.data, feed["denominator"]) if feed.get("denominator") else None
        if denominator == 0:  # a unit with no one to count: its numerator stands, a rate of it does not
            denominator = None
        recorded.append(reported_figure_record(
            actor=actor, code=feed["indicator"], place=place, start=rnd.period_start, end=rnd.period_end,
            numerator=numerator, denominator=denominator, source=f"governance.return:{report_return.pk}",
            reporter=str(unit)))
    return recorded
