"""What the home page lists for monitoring: the statistics reports an administrator owes."""

import datetime

from django.utils import timezone

from learncity.core.scopes import Capability, scope_for
from learncity.monitoring.periods import period_of
from learncity.monitoring.selectors.places import _home
from learncity.monitoring.selectors.shapes import PlaceRef

# --- the home page (issue 15, item 1) -------------------------------------------------------------------------

# A statistics report is due this many days after its period ends (the quarterly report by the 15th of the
# month after the quarter; the annual statistics by the end of January). The home page lists a report from a
# month before its period ends until its deadline.
REPORT_DUE_DAYS = {"quarterly": 15, "annual": 31}
REPORT_NOTICE_DAYS = 31


def home_reports_due(*, actor, today: datetime.date | None = None) -> list[dict]:
    """The statistics reports a city or district administrator owes for their place, soonest deadline first:
    each with its kind, period, deadline and days left. Empty for everyone else. One query."""
    if not scope_for(actor).may(Capability.SET_TARGETS):  # those who set targets owe the reports
        return []
    today = today or timezone.localdate()
    place = PlaceRef.of(_home(actor))
    due = []
    for kind, grain in (("quarterly", "quarter"), ("annual", "year")):
        current = period_of(grain, today)
        for period in (current.previous(), current):
            deadline = period.end + datetime.timedelta(days=REPORT_DUE_DAYS[kind])
            if period.end - datetime.timedelta(days=REPORT_NOTICE_DAYS) <= today <= deadline:
                due.append({"kind": kind, "period": period, "deadline": deadline, "days_left": (deadline - today).days,
                            "place": place})
    return sorted(due, key=lambda r: (r["deadline"], r["kind"]))
