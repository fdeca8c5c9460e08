"""Rollups: incremental and exact, with a watermark per measure and event stream; and the full recompute.

Events. Every measure (a selection of learning records, credit-bank outcomes or volunteer services) is fed by
append-only streams, each read past its watermark (the last id processed):
- `record`   LearningRecord rows (+1 each);
- `outcome`  Outcome rows (+1: a record recognised, or an outcome for the `outcomes` source);
- `reversal` LedgerEntry rows with reason "reversal" pointing at an outcome (−1 at the outcome's date);
- `service`  VolunteerService rows (+1, with their hours).
LearningRecord, Outcome, LedgerEntry and VolunteerService are never updated or deleted by the application (the
ledger's triggers refuse it; intake reports "changed" rows and never overwrites them; a recognition is corrected
by a reversal entry), so the streams are complete.

Cells. An event lands in the month of its own date (a late-arriving record lands in its month, not today's), in
the learner's place of residence and every ancestor of it (via the `PlaceAncestor` closure), under the learner's
sex and age band at 1 January of the event's year.
- `TimeCell` (measure, year, month, place, sex, age band, record kind, provider kind) → person-times, hours:
  additive, updated with INSERT … ON CONFLICT DO UPDATE.
- `PersonYear` (measure, learner, year) → a count per month and the 12-bit mask of months with a count > 0.
- `PersonCell` (measure, year, place, sex, age band, group mask, mask) → persons. Distinct persons in a period P
  inside the year are SUM(persons) WHERE mask & P ≠ 0 (of groups G: and gmask & G ≠ 0) — exact for any month,
  quarter, year or whole-month range. An update takes the affected person-years' old masks out of the cells and
  puts the new ones in. A person-year's group mask is its learner's groups' bits (`GroupBit`) when first counted.
- `ResidentCell` (place, sex, age base, group mask, month registered) → registered learners, for the `residents`
  denominators: a period counts those registered by its end (`registered_on`, else the day the profile was
  created), so a registration in December 2026 leaves 2025's rates as they were; `ResidentState` keeps each
  profile as counted, and a refresh re-counts the profiles added or changed (their `updated_at`) since its
  watermark.

Every step is one set-based SQL statement over the batch; a refresh runs in one transaction under the
watermarks' row locks, so concurrent refreshes queue instead of counting twice. `rollups_recompute(year)`
works a year's rollups out anew from the raw rows with the same statements — the profiles into the resident
states once, the year's learning records with their learner's side into one temporary table read by every
records measure — into temporary tables, and reconciles them with the rollups there: rows that differ or should
not be there are deleted, missing ones inserted, so a recompute that finds the rollups right writes nothing.

Known limits: a learner who moves or changes groups keeps their earlier events under the old place and groups
until a recompute (the resident cells follow at once, and count a resident where they live now, in the groups
they are in now, for every period since they registered: the profile keeps no history of moves); on
PostgreSQL a transaction that commits a lower id after a refresh has passed a higher one is missed until a
recompute (run `learncity monitoring recompute` nightly, or `learncity monitoring verify`).

One module per part: measures.py (measures, streams, watermarks), residents.py (group bits, resident cells),
closure.py (the place closure), events.py (the streams' events), apply.py (folding a batch in), refresh.py
(refresh, recompute, freshness, snapshot), read.py (reading the cells); tables.py holds what their statements
share, and sql/ the SQL that differs by database (one protocol, chosen once).
"""

from learncity.monitoring.rollups.closure import closure_sync
from learncity.monitoring.rollups.events import EVENT_COLUMNS, DatePart
from learncity.monitoring.rollups.measures import (
    STREAM_MODELS,
    STREAM_ORDER,
    active_specs,
    measure_for,
    measures_sync,
    rollups_behind,
    streams_of,
)
from learncity.monitoring.rollups.read import (
    PersonsAsk,
    ResidentsAsk,
    TimesAsk,
    lookups,
    mask_of,
    persons_by,
    persons_by_groups,
    persons_count,
    persons_counts,
    persons_many,
    residents_counts,
    residents_many,
    selection_json,
    times_many,
    times_sum,
    times_sums,
)
from learncity.monitoring.rollups.refresh import (
    Freshness,
    rollups_freshness,
    rollups_recompute,
    rollups_refresh,
    rollups_snapshot,
)
from learncity.monitoring.rollups.residents import MAX_GROUP_BITS, group_bits_sync, group_mask, month_key

__all__ = [
    "EVENT_COLUMNS",
    "MAX_GROUP_BITS",
    "STREAM_MODELS",
    "STREAM_ORDER",
    "DatePart",
    "Freshness",
    "PersonsAsk",
    "ResidentsAsk",
    "TimesAsk",
    "active_specs",
    "closure_sync",
    "group_bits_sync",
    "group_mask",
    "lookups",
    "mask_of",
    "measure_for",
    "measures_sync",
    "month_key",
    "persons_by",
    "persons_by_groups",
    "persons_count",
    "persons_counts",
    "persons_many",
    "residents_counts",
    "residents_many",
    "rollups_behind",
    "rollups_freshness",
    "rollups_recompute",
    "rollups_refresh",
    "rollups_snapshot",
    "selection_json",
    "streams_of",
    "times_many",
    "times_sum",
    "times_sums",
]
