"""Staff pages for the people pools: teachers (师资库), textbooks (教材库), experts (专家库) and volunteers (志愿者库)
with their service hours. Each list filters in place (HTMX swaps the rows) and carries its create form; each entry
has an edit page. The forms only draw the fields: what is posted is parsed by the pools' input schemas (the API's
bodies), inside the services, whose errors land on the form's fields."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.forms import add_domain_errors
from learncity.core.htmx import render_page
from learncity.core.scopes import Action, Capability, scope_for
from learncity.pools import selectors, services
from learncity.pools.models import ExpertKind, TeacherKind

LIMIT = 300  # rows a list page shows

# --- forms: they draw the fields; the services parse what is posted ------------------------------------


def _text(label, **kwargs):
    return forms.CharField(label=label, required=False, **kwargs)


def _choice(label, choices=(), *, many: bool = False, offered_only: bool = False):
    """A select. `offered_only`: a value the page did not offer (an institution or a city outside the actor's
    scope) is the form's error, as a select's; otherwise the value goes as posted to the input schema, which says
    what is wrong with it."""
    field = (forms.MultipleChoiceField(label=label, required=False, widget=forms.SelectMultiple(attrs={"size": 5}))
             if many else forms.ChoiceField(label=label, required=False))
    if not offered_only:
        field.valid_value = lambda value: True
    field.choices = choices
    return field


class PoolForm(forms.Form):
    """`institutions` fill the fields named in `INSTITUTION_FIELDS`; `cities` the city's (left out when editing)."""

    INSTITUTION_FIELDS = ("institution_codes", "institution_code")

    def __init__(self, *args, institutions=(), cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.INSTITUTION_FIELDS:
            if name in self.fields:
                self.fields[name].choices = [(i.code, i.name) for i in institutions]
        if "city_code" in self.fields:
            if cities is None:  # editing: an expert stays in their city
                del self.fields["city_code"]
            else:
                self.fields["city_code"].choices = [(c.code, c.name) for c in cities]


class TeacherForm(PoolForm):
    name = _text(gettext_lazy("姓名"))
    kind = _choice(gettext_lazy("类别"), TeacherKind.choices)
    specialities = _text(gettext_lazy("专长"))
    institution_codes = _choice(gettext_lazy("任教机构"), many=True, offered_only=True)


class TextbookForm(PoolForm):
    title = _text(gettext_lazy("书名"))
    authors = _text(gettext_lazy("作者"))
    publisher = _text(gettext_lazy("出版社"))
    isbn = _text(gettext_lazy("ISBN（10 位或 13 位）"))
    topic = _text(gettext_lazy("主题"))


class ExpertForm(PoolForm):
    name = _text(gettext_lazy("姓名"))
    kind = _choice(gettext_lazy("类别"), ExpertKind.choices)
    specialities = _text(gettext_lazy("专长"))
    organisation = _text(gettext_lazy("单位"))
    city_code = _choice(gettext_lazy("所属城市"), offered_only=True)


class VolunteerForm(PoolForm):
    id_number = _text(gettext_lazy("身份证号码（须已登记为学习者）"))
    institution_code = _choice(gettext_lazy("所属机构"), offered_only=True)
    skills = _text(gettext_lazy("技能"))


class VolunteerEditForm(PoolForm):
    institution_code = _choice(gettext_lazy("所属机构"), offered_only=True)
    skills = _text(gettext_lazy("技能"))


class ServiceForm(PoolForm):
    date = _text(gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = _text(gettext_lazy("时长（小时）"))
    activity = _text(gettext_lazy("服务内容"))
    institution_code = _choice(gettext_lazy("服务机构"), offered_only=True)


# --- helpers ------------------------------------------------------------------------------------------


def _staff(request):
    if not scope_for(request.user).may(Capability.STAFF_AREA):
        raise PermissionDenied(_("师资、教材、专家和志愿者库只对工作人员开放"))


def _managed(request):
    return list(selectors.institutions_managed(request.user)[:500])


def _filters(request, *names):
    return {n: (request.GET.get(n) or "").strip() or None for n in names}


def _save(request, form, write, success, redirect_to, *, allowed: bool = True):
    """Run a service with what the form posted (the service parses it): redirect on success, put its errors on
    the form otherwise. A refusal of access (403) or a missing object (404) goes on to its error page, as does a
    post by whoever has no form."""
    if request.method != "POST":
        return None
    if not allowed:
        raise PermissionDenied()
    if not form.is_valid():  # only a choice the page did not offer
        return None
    try:
        obj = write(**{name: form.cleaned_data[name] for name in form.fields if name in request.POST})
    except DomainError as exc:
        add_domain_errors(form, exc)
        return None
    messages.success(request, success(obj))
    return redirect(*redirect_to(obj))


def _list_page(request, context: dict, listed, filters: dict, form, *, can_create: bool, editable: bool = True):
    """A pool's list (pools/list.html with the pool's table): the rows `listed` (a selector) gives for the filters
    (only these for an HTMX filter request), with the create form. Rows the actor may change get an edit link."""
    errors = None
    try:
        qs = listed(actor=request.user, **filters)
        rows = list(qs[:LIMIT])
        context.update(rows=rows, total=qs.count() if len(rows) == LIMIT else len(rows))
    except DomainError as exc:
        errors = exc.errors
        rows = []
        context.update(rows=rows, total=0)
    changeable = listed(actor=request.user, action=Action.CHANGE) if editable and rows else None
    context["editable"] = (set(changeable.filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True))
                           if changeable is not None else set())
    context.update(form=form, errors=errors, limit=LIMIT, can_create=can_create,
                   table=f"pools/_{context['tab']}_table.html")
    status = 400 if errors or form.errors else 200
    return render_page(request, "pools/list.html", context, partial="rows", status=status)


def _pool(tab: str, heading: str, search: str, filters: dict, *choices, create: tuple = ()) -> dict:
    """A list page's context: its tab and heading, the filters (a search box, then `choices`: (name, label,
    options)) as they stand, and the create form's heading, note and button."""
    fields = [("q", search, None), *choices]
    heading_create, button, note = (*create, "")[:3] if create else ("", "", "")
    return {"tab": tab, "heading": heading, "filters": filters, "create_heading": heading_create,
            "create_button": button, "create_note": note,
            "filter_fields": [(name, label, options, filters.get(name)) for name, label, options in fields]}


def _edit_page(request, form, title: str, tab: str, **context):
    return render_page(request, "pools/edit.html",
                       {"form": form, "title": title, "tab": tab, "back": f"pools:{tab}", **context},
                       status=400 if form.errors else 200)


@login_required
def pools_home(request):
    _staff(request)
    return redirect("pools:teachers")


# --- teachers -----------------------------------------------------------------------------------------


@login_required
def teachers(request):
    _staff(request)
    managed = _managed(request)
    form = TeacherForm(request.POST or None, institutions=managed,
                       initial={"institution_codes": [managed[0].code]} if len(managed) == 1 else None)
    done = _save(request, form, lambda **data: services.teacher_create(actor=request.user, **data),
                 lambda t: _("已把「%(name)s」加入师资库") % {"name": t.name}, lambda t: ("pools:teachers",),
                 allowed=bool(managed))
    if done:
        return done
    filters = _filters(request, "q", "kind", "institution")
    context = _pool("teachers", _("师资库"), _("搜索（姓名、专长）"), filters, ("kind", _("类别"), TeacherKind.choices),
                    ("institution", _("任教机构"), [(i.code, i.name) for i in managed]),
                    create=(_("添加教师"), _("添加")))
    return _list_page(request, context, selectors.teacher_list, filters, form, can_create=bool(managed))


@login_required
def teacher_edit(request, pk: int):
    _staff(request)
    teacher = selectors.teacher_get(actor=request.user, pk=pk, action=Action.CHANGE)
    managed = _managed(request)
    codes = {i.code for i in managed}
    mine = [i.code for i in teacher.institutions.all() if i.code in codes]
    form = TeacherForm(request.POST or None, institutions=managed,
                       initial={"name": teacher.name, "kind": teacher.kind, "specialities": teacher.specialities,
                                "institution_codes": mine})
    done = _save(request, form,
                 lambda **data: services.teacher_update(actor=request.user, teacher=teacher,
                                                        **{"institution_codes": [], **data}),
                 lambda t: _("已保存「%(name)s」") % {"name": t.name}, lambda t: ("pools:teachers",))
    return done or _edit_page(request, form, _("修改教师：%(name)s") % {"name": teacher.name}, "teachers",
                              others=[i for i in teacher.institutions.all() if i.code not in codes])


# --- textbooks ----------------------------------------------------------------------------------------


@login_required
def textbooks(request):
    _staff(request)
    can_create = selectors.institutions_managed(request.user).exists()
    form = TextbookForm(request.POST or None)
    done = _save(request, form, lambda **data: services.textbook_create(actor=request.user, **data),
                 lambda t: _("已把「%(name)s」加入教材库") % {"name": t.title}, lambda t: ("pools:textbooks",),
                 allowed=can_create)
    if done:
        return done
    filters = _filters(request, "q", "topic")
    context = _pool("textbooks", _("教材库"), _("搜索（书名、作者、ISBN）"), filters, ("topic", _("主题"), None),
                    create=(_("添加教材"), _("添加")))
    return _list_page(request, context, selectors.textbook_list, filters, form, can_create=can_create)


@login_required
def textbook_edit(request, pk: int):
    _staff(request)
    textbook = selectors.textbook_get(actor=request.user, pk=pk, action=Action.CHANGE)
    form = TextbookForm(request.POST or None, initial={f: getattr(textbook, f) for f in services.TEXTBOOK_FIELDS})
    done = _save(request, form,
                 lambda **data: services.textbook_update(actor=request.user, textbook=textbook, **data),
                 lambda t: _("已保存「%(name)s」") % {"name": t.title}, lambda t: ("pools:textbooks",))
    return done or _edit_page(request, form, _("修改教材：%(name)s") % {"name": textbook.title}, "textbooks")


# --- experts ------------------------------------------------------------------------------------------


@login_required
def experts(request):
    _staff(request)
    cities = selectors.expert_cities(request.user)
    form = ExpertForm(request.POST or None, cities=cities)
    done = _save(request, form, lambda **data: services.expert_create(actor=request.user, **data),
                 lambda e: _("已把「%(name)s」加入专家库") % {"name": e.name}, lambda e: ("pools:experts",),
                 allowed=bool(cities))
    if done:
        return done
    filters = _filters(request, "q", "kind")
    context = _pool("experts", _("专家库"), _("搜索（姓名、专长、单位）"), filters, ("kind", _("类别"), ExpertKind.choices),
                    create=(_("添加专家"), _("添加")))
    return _list_page(request, context, selectors.expert_list, filters, form, can_create=bool(cities))


@login_required
def expert_edit(request, pk: int):
    _staff(request)
    expert = selectors.expert_get(actor=request.user, pk=pk, action=Action.CHANGE)
    form = ExpertForm(request.POST or None, initial={f: getattr(expert, f) for f in services.EXPERT_FIELDS})
    done = _save(request, form, lambda **data: services.expert_update(actor=request.user, expert=expert, **data),
                 lambda e: _("已保存「%(name)s」") % {"name": e.name}, lambda e: ("pools:experts",))
    return done or _edit_page(request, form, _("修改专家：%(name)s") % {"name": expert.name}, "experts")


# --- volunteers ---------------------------------------------------------------------------------------


@login_required
def volunteers(request):
    _staff(request)
    managed = _managed(request)
    form = VolunteerForm(request.POST or None, institutions=managed)
    done = _save(request, form, lambda **data: services.volunteer_register(actor=request.user, **data),
                 lambda v: _("已登记志愿者：%(name)s") % {"name": v.learner.name},
                 lambda v: ("pools:volunteer", v.pk), allowed=bool(managed))
    if done:
        return done
    filters = _filters(request, "q", "institution")
    context = _pool("volunteers", _("志愿者库"), _("搜索（姓名、技能或完整身份证号码）"), filters,
                    ("institution", _("所属机构"), [(i.code, i.name) for i in managed]),
                    create=(_("登记志愿者"), _("登记"), _("志愿者须先登记为学习者；凭身份证号码查找，不显示其他居民的信息。")))
    return _list_page(request, context, selectors.volunteer_list, filters, form, can_create=bool(managed),
                      editable=False)


@login_required
def volunteer_detail(request, pk: int):
    """A volunteer, their service hours, and (for those who manage them) forms to record hours and to edit."""
    _staff(request)
    volunteer = selectors.volunteer_get(actor=request.user, pk=pk)
    can_change = selectors.volunteer_list(actor=request.user, action=Action.CHANGE).filter(pk=pk).exists()
    managed = _managed(request) if can_change else []
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not can_change:
        raise PermissionDenied()
    own = volunteer.institution.code if volunteer.institution_id else None
    service_form = ServiceForm(request.POST if action == "service" else None, institutions=managed,
                               initial={"institution_code": own})
    edit_form = VolunteerEditForm(request.POST if action == "edit" else None, institutions=managed,
                                  initial={"institution_code": own, "skills": volunteer.skills})
    done = None
    if action == "service":
        done = _save(request, service_form,
                     lambda **data: services.volunteer_service_record(actor=request.user, volunteer=volunteer,
                                                                      **data),
                     lambda s: _("已登记 %(date)s 的志愿服务 %(hours)s 小时") % {"date": s.date, "hours": s.hours},
                     lambda s: ("pools:volunteer", volunteer.pk))
    elif action == "edit":
        done = _save(request, edit_form,
                     lambda **data: services.volunteer_update(actor=request.user, volunteer=volunteer, **data),
                     lambda v: _("已保存志愿者 %(name)s") % {"name": volunteer.learner.name},
                     lambda v: ("pools:volunteer", volunteer.pk))
    if done:
        return done
    context = {"volunteer": volunteer, "services": list(selectors.volunteer_services(volunteer=volunteer)[:500]),
               "can_change": can_change, "service_form": service_form, "edit_form": edit_form, "tab": "volunteers"}
    return render_page(request, "pools/volunteer_detail.html", context,
                       status=400 if service_form.errors or edit_form.errors else 200)
