"""The demo city's learning catalog: venues; the teacher, textbook, expert and volunteer pools; four terms of
courses over two years with their weekly sessions; events; digital resources; and the residents' enrollments,
attendance and learning records. All generated (source "demo", codes prefixed "DEMO").

Deterministic for a city, seed and set of residents. Set-based: rows are made in Python and written per table with
core.bulk (COPY on PostgreSQL), so 20,000 residents take seconds. Call it inside the demo build, after the
institutions, committees and residents exist.

Invariants the catalog's services enforce, and so this builder keeps:
- no two sessions in the same venue and room overlap (each course holds one weekly slot of a room for its term);
- Course.enrolled_count = the course's live enrollments (enrolled + completed) <= capacity; waitlist 1..n;
- one learning record per completion, event attended, resource fully viewed and volunteer service entry
  (external_id `volunteer-service-<id>`, as pools.services.volunteer_service_record makes it), external_id unique
  per provider;
- one learning record per attendance, the record a check-in makes (catalog.services._attend: kind attendance, the
  course's kind and title, the session's date and hours, external_id `attendance-<id>`, at the course's
  institution), written set-based here rather than by 300,000 calls of the service.

One module per part: `plan` (what to make and how much), `base` (the build's state and shared helpers), `venues`,
`courses` (with the textbook, expert and teacher pools), `enrolments`, `events`, `resources` (with the volunteers),
`next_term`, and `build`, which puts them together.
"""

from .build import CatalogBuild, build_catalog
from .plan import (
    COUNT_KEYS,
    NEXT_TERM_LEAD,
    NEXT_TERM_MIN,
    NEXT_TERM_OPENED,
    NEXT_TERM_POPULAR,
    NEXT_TERM_SHARE,
    TERMS,
    WEEKS,
    isbn13,
    next_term,
    second_saturday,
    term_weeks,
    third_saturday,
)

__all__ = ["COUNT_KEYS", "NEXT_TERM_LEAD", "NEXT_TERM_MIN", "NEXT_TERM_OPENED", "NEXT_TERM_POPULAR",
           "NEXT_TERM_SHARE", "TERMS", "WEEKS", "CatalogBuild", "build_catalog", "isbn13", "next_term",
           "second_saturday", "term_weeks", "third_saturday"]
