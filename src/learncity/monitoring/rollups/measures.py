"""The measures the indicators count (one per selection of events), their event streams and watermarks."""


from django.db.models import (
    Max,
    Min,
)

from learncity.creditbank.models import LedgerEntry, Outcome
from learncity.monitoring.inputs import spec_validate
from learncity.monitoring.models import (
    IndicatorVersion,
    IndicatorVersionStatus,
    Measure,
    Watermark,
)
from learncity.monitoring.rollups.closure import _closure_current
from learncity.monitoring.rollups.residents import _residents_behind
from learncity.monitoring.spec import Spec
from learncity.pools.models import VolunteerService
from learncity.records.models import LearningRecord

STREAM_MODELS = {"record": LearningRecord, "outcome": Outcome, "reversal": LedgerEntry, "service": VolunteerService}
# Read the reversal maximum before the outcome one: a reversal committed before it was read has its outcome
# committed before too, so the outcome stream never lags behind the reversals that cancel it.
STREAM_ORDER = ("reversal", "outcome", "record", "service")


def streams_of(selection: dict) -> tuple[str, ...]:
    source = selection["source"]
    if source == "records":
        return ("outcome", "reversal") if selection.get("recognised") else ("record",)
    if source == "outcomes":
        return ("outcome", "reversal")
    if source == "volunteering":
        return ("service",)
    raise ValueError(f"not a rollup source: {source}")


# --- measures -------------------------------------------------------------------------------------------

def active_specs() -> list[tuple[str, Spec]]:
    out = []
    for code, spec in IndicatorVersion.objects.filter(status=IndicatorVersionStatus.ACTIVE).values_list(
            "indicator__code", "spec"):
        out.append((code, spec_validate(spec)))
    return out


def measure_for(spec: Spec, *, create: bool = True) -> Measure | None:
    key = spec.selection_key()
    found = Measure.objects.filter(key=key).first()
    if found is None and create:
        found, _ = Measure.objects.get_or_create(key=key, defaults={"selection": spec.selection()})
    return found


def measures_sync() -> list[Measure]:
    """A measure (with its watermarks at 0) for every active indicator version that counts events."""
    for _, spec in active_specs():
        if spec.uses_rollups:
            m = measure_for(spec)
            for stream in streams_of(m.selection):
                Watermark.objects.get_or_create(measure=m, stream=stream)
    return list(Measure.objects.order_by("pk"))


def _stream_maxima() -> dict[str, int]:
    return {s: STREAM_MODELS[s].objects.aggregate(m=Max("pk"))["m"] or 0 for s in STREAM_ORDER}


def rollups_behind() -> bool:
    """Cheap: whether any measure's watermark is behind its stream, or an active indicator has no measure yet."""
    needed = {spec.selection_key() for _, spec in active_specs() if spec.uses_rollups}
    have = dict(Measure.objects.filter(key__in=needed).values_list("key", "pk"))
    if set(have) != needed or not _closure_current():
        return True
    if _residents_behind():
        return True
    maxima = _stream_maxima()
    lows = Watermark.objects.filter(measure_id__in=have.values()).values("stream").annotate(low=Min("last_id"))
    return any(row["low"] < maxima[row["stream"]] for row in lows)

