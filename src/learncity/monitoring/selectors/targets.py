"""The targets in the actor's area, as rows for the pages and the API."""



from learncity.core.scopes import Action
from learncity.monitoring.models import (
    Target,
)
from learncity.monitoring.periods import Period
from learncity.monitoring.selectors.definitions import _definitions
from learncity.monitoring.selectors.places import _home
from learncity.monitoring.selectors.shapes import PlaceRef, TargetRow


def targets_list(*, actor, code: str | None = None, place_id: int | None = None) -> list[TargetRow]:
    home = _home(actor)
    qs = Target.objects.restrict(actor, Action.VIEW).filter(place__path__startswith=home.path)
    if code:
        qs = qs.filter(indicator__code=code)
    if place_id is not None:
        qs = qs.filter(place_id=place_id)
    return _target_rows(actor, qs)


def target_row(*, actor, target_id: int) -> TargetRow | None:
    """One target the actor sees (None when they see none by that id: the service says why, not found or not
    allowed)."""
    rows = _target_rows(actor, Target.objects.restrict(actor, Action.VIEW).filter(pk=target_id))
    return rows[0] if rows else None


def _target_rows(actor, qs) -> list[TargetRow]:
    infos = {d.indicator.code: d.info for d in _definitions(actor)}
    out = []
    for t in qs.select_related("indicator", "place", "set_by"):
        if t.indicator.code not in infos:
            continue
        period = Period(t.period_kind, t.period_start, t.period_end)
        out.append(TargetRow(t.pk, infos[t.indicator.code], PlaceRef.of(t.place), period, t.value, t.source,
                             str(t.get_source_display()),
                             (t.set_by.display_name or t.set_by.username) if t.set_by else "", t.set_at))
    return out
