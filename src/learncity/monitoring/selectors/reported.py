"""The figures units reported for an indicator (governance's accepted annual statistics feeding EMP-CE), for a
place and its subtree over a period, beside what the rollups count from records."""

from dataclasses import dataclass
from decimal import Decimal

from learncity.core.scopes import Action
from learncity.monitoring.models import ReportedFigure
from learncity.monitoring.periods import Period
from learncity.monitoring.selectors.places import _place_for


@dataclass(frozen=True)
class ReportedRow:
    reporter: str
    place_name: str
    start: object
    end: object
    numerator: Decimal
    denominator: Decimal | None


@dataclass(frozen=True)
class Reported:
    rows: list[ReportedRow]
    numerator: Decimal
    denominator: Decimal | None
    rate: Decimal | None  # numerator / denominator in %, two decimals, where every row has a denominator


def reported_figures(*, actor, code: str, period: Period, place_id: int | None = None) -> Reported:
    """The figures reported for `code` in the place's subtree for periods inside `period`, and their sums."""
    return reported_in(actor, code, _place_for(actor, place_id), period)


def reported_in(actor, code: str, place, period: Period) -> Reported:
    """`reported_figures` for a place already resolved (the indicator page's)."""
    qs = (ReportedFigure.objects.restrict(actor, Action.VIEW)
          .filter(indicator__code=code, place__path__startswith=place.path,
                  period_start__gte=period.start, period_end__lte=period.end)
          .select_related("place").order_by("period_start", "place__code", "reporter", "id"))
    rows = [ReportedRow(f.reporter, f.place.name, f.period_start, f.period_end, f.numerator, f.denominator)
            for f in qs]
    num = sum((r.numerator for r in rows), Decimal(0))
    dens = [r.denominator for r in rows]
    den = sum(dens, Decimal(0)) if rows and all(d is not None for d in dens) else None
    rate = (num * 100 / den).quantize(Decimal("0.01")) if den else None
    return Reported(rows, num, den, rate)
