
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.catalog import search as engine
from learncity.catalog import selectors, services
from learncity.catalog import timetable as guide
from learncity.catalog.event_views import act_and_return, cached_page
from learncity.catalog.forms import CourseForm, SessionForm
from learncity.catalog.inputs import (
    AttendanceInput,
    CompletionEntry,
    CourseInput,
    ResourceDoneInput,
    SearchFilters,
    SessionInput,
)
from learncity.catalog.models import CourseKind, CourseState, Mode, Venue
from learncity.core import documents
from learncity.core.cache import fragment
from learncity.core.errors import DomainError, NotFound, PermissionDenied, ValidationError
from learncity.core.forms import add_domain_errors
from learncity.core.htmx import render_page
from learncity.core.inputs import parse
from learncity.core.page_cache import public_page
from learncity.core.scopes import Action, Capability, scope_for
from learncity.people.models import LearnerGroup
from learncity.places.selectors import district_path_of

# --- citizens -----------------------------------------------------------------------------------------
# Anonymous visitors get these pages whole from the cache (public_page); signed-in ones get the parts that are
# not theirs from it (fragment) and their own (their enrolment) read apart. Both drop at the next "catalog" bump:
# the services bump it in the transaction that changes a course, a session, an enrolment count, an event, a
# registration or a venue.

CATALOG = ("catalog",)


def _language() -> str:
    return get_language() or ""


def _filter_choices() -> dict:
    """The search form's districts and groups: the same for everyone, cached."""
    def build():
        return {"districts": selectors.districts(), "groups": list(LearnerGroup.objects.values_list("code", "name"))}

    return fragment(("learn-filters",), CATALOG, build)


@public_page(depends=CATALOG)
def discover(request):
    """Find courses, resources, events and venues: full-text search (Chinese, pinyin initials) with filters;
    without a query, a signed-in learner sees courses in their district and for their groups first. A search's
    page is the same for everyone: signed-in visitors get its content from the cache too (cached_page)."""
    if _searching(request.GET):  # without a search the page shows the learner's own picks: not shared
        return cached_page(request, "catalog/discover.html", lambda: _discover(request))
    context, status = _discover(request)
    return render_page(request, "catalog/discover.html", context, partial="results", status=status)


def _searching(params) -> bool:
    """Whether the page is a search's (the same for everyone) rather than the picks (a learner's own)."""
    return bool(params.get("q", "").strip()
                or any(params.get(k) for k in ("district", "kind", "mode", "group", "near", "date_from", "date_to"))
                or "1" in (params.get("free"), params.get("ended")) or params.getlist("type"))


def _discover(request):
    params = request.GET
    q = params.get("q", "").strip()
    filters = {k: params.get(k) or None for k in ("district", "kind", "mode", "group", "near")}
    free = params.get("free") == "1"
    ended = params.get("ended") == "1"
    types = params.getlist("type") or None
    results = error = None
    searching = _searching(params)
    if searching:
        try:
            page = min(max(int(params.get("page", "1") or 1), 1), 100_000)  # a page past any offset the DB takes
        except ValueError:
            page = 1
        try:
            dates = parse(SearchFilters, params)
            results = engine.search(
                q=q, types=types, district_code=filters["district"], kind=filters["kind"], mode=filters["mode"],
                group=filters["group"], free_only=free, near_code=filters["near"], include_ended=ended,
                date_from=dates.date_from, date_to=dates.date_to, limit=20, offset=(page - 1) * 20)
        except DomainError as exc:
            error = exc.errors
    if results is not None:  # each course found says where it stands: open, starting, running or ended
        phases = selectors.course_phases(ids=[d.object_id for d, _ in results.items if d.object_type == "course"])
        for doc, _score in results.items:
            doc.phase, doc.enrolling = (phases.get(doc.object_id, (None, None)) if doc.object_type == "course"
                                        else (None, None))
        if (get_language() or "").startswith("en"):  # English pages show the English titles there are
            english = selectors.english_titles(found=[(d.object_type, d.object_id) for d, _ in results.items])
            for doc, _score in results.items:
                doc.shown_title = english.get((doc.object_type, doc.object_id))
    ended_url = None
    if results is not None and results.ended_total and not ended:  # ended courses also match: one tap shows them
        shown = params.copy()
        shown["ended"] = "1"
        shown.pop("page", None)
        ended_url = "?" + shown.urlencode()
    context = {
        "q": q, "params": params, "results": results, "errors": error, "types": types or [], "ended_url": ended_url,
        "corrections": [(typo, ", ".join(words)) for typo, words in results.corrections.items()]
        if results is not None else [],
        "picks": None if searching else _picks(request.user),
        **_filter_choices(), "kinds": CourseKind.choices, "modes": Mode.choices,
        "type_choices": [("course", _("课程")), ("resource", _("数字资源")), ("event", _("活动")), ("venue", _("场馆"))],
    }
    return context, 400 if error else 200


def _picks(user) -> dict:
    """The courses shown without a search: the latest for anyone, those of a learner's district and groups for a
    signed-in learner; cached by district, groups and language (the cards carry translated labels)."""
    district_path, groups = selectors.discover_area(actor=user)
    return fragment(("learn-picks", district_path, groups, _language()), CATALOG,
                    lambda: selectors.discover(district_path=district_path, groups=groups))


@public_page(depends=CATALOG)
def course_detail(request, pk: int):
    """The course from its prepared row (cached, the same for everyone); the visitor's own enrolment and whether
    they manage it read apart. A draft is shown only to those who manage or may see its institution."""
    course = fragment(("course-page", pk, _language()), CATALOG, lambda: selectors.course_page(pk=pk))
    if course is None or not selectors.course_visible(actor=request.user, course=course):
        raise NotFound(_("未找到该课程"))
    context = {"course": course, "enrollment": selectors.enrollment_of(actor=request.user, course=course),
               "can_manage": selectors.course_can_manage(actor=request.user, course_id=course.pk)}
    return render_page(request, "catalog/course_detail.html", context)


@login_required
@require_POST
def enroll(request, pk: int):
    course = selectors.course_get(actor=request.user, pk=pk)

    def enrolled(enrollment) -> str:
        if enrollment.status == "waitlisted":
            return _("课程已满，您已进入候补名单第 %(n)s 位") % {"n": selectors.queue_rank(enrollment)}
        return _("报名成功")

    return act_and_return(request, lambda: services.enrollment_create(actor=request.user, course=course),
                          enrolled, "catalog:course", course.pk)


@login_required
@require_POST
def cancel(request, pk: int):
    enrollment = selectors.my_enrollment_get(actor=request.user, pk=pk)
    return act_and_return(request, lambda: services.enrollment_cancel(actor=request.user, enrollment=enrollment),
                          _("已取消报名"), "catalog:course", enrollment.course_id)


@login_required
def my_learning(request):
    return render_page(request, "catalog/my_learning.html", selectors.my_learning(actor=request.user))


@login_required
def checkin(request):
    """The page a session's QR code opens: the signed-in learner confirms, and is checked in."""
    token = request.POST.get("t") or request.GET.get("t", "")
    attendance = error = None
    if request.method == "POST":
        try:
            attendance = services.attendance_check_in_qr(actor=request.user, token=token)
        except DomainError as exc:
            error = " ".join(m for ms in exc.errors.values() for m in ms)
    return render_page(request, "catalog/checkin.html", {"token": token, "attendance": attendance, "error": error},
                       status=400 if error else 200)


def resources(request):
    return render_page(request, "catalog/resources.html",
                       {"resources": selectors.resource_list(topic=request.GET.get("topic") or None)[:200]})


def resource_detail(request, pk: int):
    resource = selectors.resource_get(pk=pk)
    return render_page(request, "catalog/resource_detail.html", {"resource": resource})


@login_required
@require_POST
def resource_done(request, pk: int):
    resource = selectors.resource_get(pk=pk)

    def done():
        seconds = parse(ResourceDoneInput, {"watched_seconds": request.POST.get("watched_seconds", "0")})
        return services.resource_view_complete(actor=request.user, resource=resource,
                                               watched_seconds=seconds.watched_seconds)

    return act_and_return(request, done, lambda record: _("已记录学习 %(h)s 学时") % {"h": record.hours},
                          "catalog:resource", resource.pk)


# --- institution staff --------------------------------------------------------------------------------

def _staff(request):
    if not scope_for(request.user).may(Capability.STAFF_AREA):
        raise PermissionDenied(_("课程管理只对机构工作人员开放"))


@login_required
def manage(request):
    _staff(request)
    term = request.GET.get("term") or None
    courses = selectors.course_list_managed(actor=request.user, action=Action.VIEW, term=term)
    terms = sorted(set(selectors.course_list_managed(actor=request.user, action=Action.VIEW)
                       .values_list("term", flat=True)), reverse=True)
    page = selectors.page_of(courses, request.GET.get("page"), per_page=50)  # a bad page number: a 400 saying so
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(request, "catalog/manage.html", {"courses": page, "page": page, "query": query.urlencode(),
                                                        "terms": terms, "term": term,
                                                        "can_create": selectors.institutions_managed(
                                                            request.user).exists()})


@login_required
def course_new(request):
    _staff(request)
    managed = selectors.institutions_managed(request.user)
    if not managed.exists():  # a reader of the back office (an auditor, a reviewer) runs no institution to offer
        raise PermissionDenied()
    institutions = managed[:500]
    form = CourseForm(request.POST or None, institutions=institutions)
    if request.method == "POST":
        try:
            data = parse(CourseInput, request.POST)
            _offered(form, "institution_code", data.institution_code)
            course = services.course_create(actor=request.user, data=data)
        except DomainError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, _("已创建课程「%(t)s」，请安排上课时间后发布") % {"t": course.title})
            return redirect("catalog:manage_course", pk=course.pk)
    return render_page(request, "catalog/course_form.html", {"form": form}, status=400 if form.errors else 200)


def _offered(form, field: str, value) -> None:
    """A choice the page offered (the institutions one runs, the venues of the course's district), or the form's
    own refusal of it on its field."""
    if value is not None and str(value) not in {str(v) for v, _label in form.fields[field].choices}:
        raise ValidationError("invalid_choice", field,
                              str(form.fields[field].error_messages["invalid_choice"] % {"value": value}))


def _show_refusal(form, exc: DomainError) -> None:
    """The schema's and the service's messages on the form's fields, and only those (the form holds the widgets
    and labels; the rules are the input schema's)."""
    form.errors.clear()
    add_domain_errors(form, exc)


def _course_with_roster(request, pk: int):
    """A course's management page shows its roster: those who manage it, and those who may read people
    (auditors); not expert reviewers, who see no personal data."""
    course = selectors.course_managed_get(actor=request.user, pk=pk, action=Action.VIEW)
    scope = scope_for(request.user)
    if not (scope.everything or scope.view.people_paths
            or selectors.course_list_managed(actor=request.user).filter(pk=pk).exists()):
        raise NotFound(_("未找到该课程，或您无权管理"))
    return course


@login_required
def manage_course(request, pk: int):
    course = _course_with_roster(request, pk)
    can_change = selectors.course_list_managed(actor=request.user).filter(pk=pk).exists()
    area = district_path_of(course.institution.place) or course.institution.place.path
    venues = list(Venue.objects.restrict(request.user, Action.VIEW).filter(place__path__startswith=area).select_related("place")
                  .order_by("place__path", "name", "id")[:3000])
    form = SessionForm(request.POST or None, venues=venues)
    if request.method == "POST" and can_change:
        try:
            data = parse(SessionInput, request.POST)
            _offered(form, "venue_id", data.venue_id)
            services.session_add(actor=request.user, course=course, data=data)
        except DomainError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, _("已添加上课时间"))
            return redirect("catalog:manage_course", pk=course.pk)
    context = {"course": course, "sessions": list(course.sessions.select_related("venue")), "venues": venues,
               "roster": selectors.roster(course=course), "form": form, "can_change": can_change}
    return render_page(request, "catalog/manage_course.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def course_state(request, pk: int):
    course = selectors.course_managed_get(actor=request.user, pk=pk)
    return act_and_return(
        request, lambda: services.course_set_state(actor=request.user, course=course, state=request.POST.get("state", "")),
        lambda changed: _("课程状态：%(s)s") % {"s": CourseState(changed.state).label}, "catalog:manage_course", course.pk)


@login_required
def roster_export(request, pk: int):
    course = _course_with_roster(request, pk)
    wb = documents.workbook()
    ws = wb.active
    ws.title = _("花名册")
    ws.append([course.title, course.term, course.institution.name])
    ws.append([_("序号"), _("姓名"), _("身份证号码"), _("居住地"), _("状态"), _("候补位次"), _("结业学时"), _("成绩")])
    for i, e in enumerate(selectors.roster(course=course), start=1):
        ws.append([i, e.learner.name, e.learner.id_number_masked, e.learner.residence.name,
                   str(e.get_status_display()), e.waitlist_position, e.completed_hours, e.score])
    ws.freeze_panes = "A3"
    response = HttpResponse(documents.workbook_bytes(wb),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, _("花名册-%(code)s.xlsx") % {"code": course.code})
    return response


def _completions(post, session) -> list[CompletionEntry]:
    """The sheet's ticked learners, each with the hours and score typed in their row, parsed; a wrong row named
    by its learner."""
    ids = parse(AttendanceInput, {"enrollment_ids": post.getlist("complete")},
                aliases={"enrollment_ids": "complete"}).enrollment_ids
    names = {e.pk: e.learner.name for e, _attended in selectors.attendance_sheet(session=session)}
    entries, errors = [], {}
    for x in ids:
        try:
            entries.append(parse(CompletionEntry, {"enrollment_id": x, "hours": post.get(f"hours_{x}", ""),
                                                   "score": post.get(f"score_{x}", "")}))
        except DomainError as exc:
            errors[f"enrollment_{x}"] = [services.completion_error(names.get(x, str(x)), exc)]
    if errors:
        raise DomainError(errors)
    return entries


@login_required
def session_sheet(request, pk: int):
    """One screen for a session: the QR code to check in by, the attendance sheet, and completion entry."""
    session = selectors.session_managed_get(actor=request.user, pk=pk)
    errors = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attendance":
                ids = parse(AttendanceInput, {"enrollment_ids": request.POST.getlist("present")}).enrollment_ids
                services.attendance_mark(actor=request.user, session=session, enrollment_ids=ids)
                messages.success(request, _("已签到 %(n)s 人") % {"n": len(ids)})
            elif action == "complete":
                entries = _completions(request.POST, session)
                services.completion_mark(actor=request.user, course=session.course, entries=entries)
                messages.success(request, _("已结业 %(n)s 人") % {"n": len(entries)})
            return redirect("catalog:session", pk=session.pk)
        except DomainError as exc:
            errors = exc.errors
    token = services.session_qr_token(actor=request.user, session=session)
    url = request.build_absolute_uri(f"/learn/checkin/?t={token}")
    qr_svg = segno.make(url, error="m").svg_inline(scale=4)
    context = {"session": session, "sheet": selectors.attendance_sheet(session=session), "errors": errors,
               "checkin_url": url, "qr_svg": qr_svg, "token": token,
               "max_age": int(services.QR_MAX_AGE.total_seconds() // 60)}
    return render_page(request, "catalog/session_sheet.html", context, status=400 if errors else 200)


@login_required
def timetable(request):
    """The district's community-education timetable guide for a term, as PDF or xlsx."""
    district, term, fmt = request.GET.get("district", ""), request.GET.get("term", ""), request.GET.get("format")
    context = {"districts": selectors.districts(), "district": district, "term": term, "errors": None}
    if district and term and fmt in ("pdf", "xlsx"):
        try:
            data = guide.timetable_rows(district_code=district, term=term)
        except DomainError as exc:
            context["errors"] = exc.errors
        else:
            if fmt == "pdf":
                body, ctype = guide.timetable_pdf(data), "application/pdf"
            else:
                body, ctype = guide.timetable_xlsx(data), ("application/vnd.openxmlformats-officedocument."
                                                           "spreadsheetml.sheet")
            response = HttpResponse(body, content_type=ctype)
            response["Content-Disposition"] = content_disposition_header(True, _("课表指南-%(district)s-%(term)s.%(format)s") % {
                "district": district, "term": term, "format": fmt})
            return response
    return render_page(request, "catalog/timetable.html", context, status=400 if context["errors"] else 200)
