"""The service hall (首页): it gathers every app (catalog, credit bank, intake, monitoring), so it lives at the top of
the house, above them all (docs/architecture.md)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.catalog import selectors as catalog_selectors
from learncity.core.cache import NAMES, fragment, versions
from learncity.core.htmx import render_page
from learncity.core.page_cache import public_page
from learncity.core.scopes import Capability, scope_for
from learncity.creditbank import selectors as credit_selectors
from learncity.governance.selectors import home_inspections, home_tasks
from learncity.intake.selectors import home_jobs_to_fix
from learncity.monitoring.selectors import home_reports_due
from learncity.people.selectors import profile_of
from learncity.places.selectors import home_area, home_places


@public_page(depends=("catalog", "monitoring"))
def home(request):
    """The service hall (首页): search first, the services as big tiles; then what the visitor's roles give
    them — staff and officials their to-dos with counts, limited to their scope; a resident what is near home
    and for their groups, their next sessions, sign-ups and credits; everyone the city's learning life (this
    week's events, courses taking learners, venues), and those not shown their own a few live figures.

    Anonymous visitors get the whole page from the cache (its live figures come from the catalog and the
    rollups); signed-in visitors get the parts that are not theirs from fragments (the city's learning life, the
    figures, what is near a home and for a set of groups) and only their own parts (to-dos, their learning, their
    credits) are read on each request."""
    today = timezone.localdate()
    day = today.isoformat()
    user = request.user
    if user.is_authenticated:
        versions(*NAMES)  # every fragment below keyed by them: one query for all
    profile = profile_of(user)  # first: the scope below finds it on the user
    scope = scope_for(user)
    staff = scope.may(Capability.STAFF_AREA)
    context = {"profile": profile, "today": today, "week_end": today + datetime.timedelta(days=6),
               "places": home_places(actor=user) if staff else [],
               "todos": _home_todos(user, scope, today) if staff else None,
               "city": fragment(("home-city", day), ("catalog",), lambda: catalog_selectors.home_city(today=today))}
    if profile is not None:
        residence = profile.residence
        area = fragment(("home-area", residence.pk), ("catalog",), lambda: home_area(residence))
        groups = tuple(sorted(g.pk for g in profile.groups.all()))
        near = fragment(("home-near", residence.path, area["street_path"], area["district_path"], groups, day),
                        ("catalog",),
                        lambda: catalog_selectors.home_resident(profile=profile, street_path=area["street_path"],
                                                                district_path=area["district_path"], today=today))
        context.update(area=area, near=near, mine=catalog_selectors.home_my_learning(actor=user, today=today),
                       credits=credit_selectors.home_credits(actor=user))
    else:
        context["figures"] = fragment(("home-figures", day), ("catalog", "monitoring"),
                                      lambda: catalog_selectors.home_figures(today=today))
    return render_page(request, "portal/home.html", context)


def _home_todos(user, scope, today) -> list[dict]:
    """A staff member's or official's to-dos, each with its count and where to act: sessions to mark
    (attendance), declarations to review (credit bank), conversions to decide, uploads to fix (intake) and
    statistics reports due (monitoring), the committee's tasks of their units and, for its office, the updates to
    review and the late tasks, their units' returns due or sent back, and an inspector's visits (governance), only
    those their roles have, each counted within their scope."""
    todos = []
    manages = scope.everything or bool(scope.change.institution_ids or scope.change.place_paths)
    if manages:
        marks = catalog_selectors.home_sessions_to_mark(actor=user, today=today)
        todos.append({"key": "sessions", "label": _("待登记出勤的课次"), "count": marks["count"],
                      "url": reverse("catalog:manage"), "items": marks["items"],
                      "note": _("近 %(days)s 天已上课、尚未登记出勤") % {"days": marks["days"]}})
    reviews = credit_selectors.home_declarations_to_review(actor=user)
    if reviews is not None:
        todos.append({"key": "declarations", "label": _("待评审的学分申报"), "count": reviews["count"],
                      "url": reverse("creditbank:review"), "oldest": reviews["oldest"]})
    if manages:
        todos.append({"key": "conversions", "label": _("待处理的学分转换申请"),
                      "count": credit_selectors.home_conversions_to_decide(actor=user), "url": reverse("creditbank:inbox")})
        jobs = home_jobs_to_fix(actor=user)
        todos.append({"key": "jobs", "label": _("需处理的数据报送"), "count": jobs["count"],
                      "url": reverse("intake:jobs"), "items": jobs["items"],
                      "note": _("近 %(days)s 天处理失败、未接收或有错误行的上传") % {"days": jobs["days"]}})
    if scope.may(Capability.SET_TARGETS):  # the administrators, who set the targets, owe the reports
        reports = home_reports_due(actor=user, today=today)
        for r in reports:
            r["year"] = r["period"].start.year
            r["quarter"] = (r["period"].start.month - 1) // 3 + 1
            r["url"] = (f"{reverse('monitoring:reports')}?kind={r['kind']}&period={r['period'].key}"
                        f"&place={r['place'].id}")
        todos.append({"key": "reports", "label": _("待报送的统计报表"), "count": len(reports),
                      "url": reverse("monitoring:reports"), "reports": reports})
    if scope.may(Capability.REPORT_PROGRESS):  # the member units' reporters and the offices: the committee's tasks
        tasks = home_tasks(actor=user, today=today)
        todos.append({"key": "tasks", "label": _("我的工作任务"), "count": tasks["count"],
                      "url": f"{reverse('governance:tasks')}?mine=1", "tasks": tasks,
                      "office": scope.may(Capability.GOVERN)})
        todos.append({"key": "returns", "label": _("待填报的报表"),
                      "count": tasks["returns_due"] + tasks["returns_returned"],
                      "url": reverse("governance:reports"), "returned": tasks["returns_returned"]})
    if scope.may(Capability.INSPECT):  # an inspector: the visits they are sent on
        visits = home_inspections(actor=user)
        todos.append({"key": "inspections", "label": _("待完成的督导评估"), "count": visits["count"],
                      "url": reverse("governance:inspections"), "visits": visits["items"]})
    return todos
