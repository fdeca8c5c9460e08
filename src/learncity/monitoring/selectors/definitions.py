"""The active indicators with their formulas, read in one query."""

from dataclasses import dataclass

from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.monitoring.models import (
    AREA_GROUPS,
    Indicator,
    IndicatorVersion,
    IndicatorVersionStatus,
    UnescoArea,
    area_group_of,
)
from learncity.monitoring.selectors.shapes import IndicatorInfo
from learncity.monitoring.spec import Spec, spec_load

# --- the indicators ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Def:
    indicator: Indicator
    version: int
    spec: Spec
    raw: dict
    info: IndicatorInfo


def _breakdowns(spec: Spec) -> tuple[str, ...]:
    if not spec.uses_rollups:
        return ()
    if spec.count == "persons":
        return ("sex", "age_band", "group")
    return ("sex", "age_band", "record_kind", "provider_kind")


def _definitions(actor, action: Action = Action.VIEW, *, published_only: bool = False) -> list[_Def]:
    """The active indicators with their formulas (for BROWSE, the published ones): one query."""
    qs = (IndicatorVersion.objects.restrict(actor, action).filter(status=IndicatorVersionStatus.ACTIVE)
          .select_related("indicator").order_by("indicator__order", "indicator__code"))
    if published_only:
        qs = qs.filter(indicator__published=True)
    out = []
    for version in qs:
        ind = version.indicator
        spec = spec_load(version.spec)
        group = area_group_of(ind.area)
        info = IndicatorInfo(
            code=ind.code, name=ind.name, unit=ind.unit, area=ind.area, area_label=str(UnescoArea(ind.area).label),
            area_group=group, area_group_label=str(AREA_GROUPS[group]), explanation=ind.explanation,
            published=ind.published, order=ind.order, version=version.version, is_rate=spec.is_rate,
            counts=spec.count, breakdowns=_breakdowns(spec))
        out.append(_Def(ind, version.version, spec, version.spec, info))
    return out


def _definition(actor, code: str, action: Action = Action.VIEW) -> _Def:
    for d in _definitions(actor, action):
        if d.indicator.code == code:
            return d
    raise NotFound(gettext("未找到指标「%(code)s」") % {"code": code})
