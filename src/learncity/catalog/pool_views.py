"""Staff pages for the people pools: teachers (师资库), textbooks (教材库), experts (专家库) and volunteers (志愿者库)
with their service hours. Each list filters in place (HTMX swaps the rows) and carries its create form; each entry
has an edit page. Scopes and checks live in pool_selectors / pools."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.catalog import pool_selectors as selectors
from learncity.catalog import pools
from learncity.catalog import selectors as catalog_selectors
from learncity.catalog.models import ExpertKind, TeacherKind
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.forms import add_domain_errors
from learncity.core.htmx import render_page
from learncity.core.scopes import Action, Capability, scope_for

LIMIT = 300  # rows a list page shows

# --- forms (lenient: the services say what is wrong) --------------------------------------------------


def _text(label, max_length, **kwargs):
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class TeacherForm(forms.Form):
    name = _text(gettext_lazy("姓名"), 64)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=TeacherKind.choices)
    specialities = _text(gettext_lazy("专长"), 200)
    institution_codes = forms.MultipleChoiceField(label=gettext_lazy("任教机构"), required=False,
                                                  widget=forms.SelectMultiple(attrs={"size": 5}))

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_codes"].choices = [(i.code, i.name) for i in institutions]


class TextbookForm(forms.Form):
    title = _text(gettext_lazy("书名"), 200)
    authors = _text(gettext_lazy("作者"), 200)
    publisher = _text(gettext_lazy("出版社"), 100)
    isbn = _text(gettext_lazy("ISBN（10 位或 13 位）"), 17)
    topic = _text(gettext_lazy("主题"), 64)


class ExpertForm(forms.Form):
    name = _text(gettext_lazy("姓名"), 64)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=ExpertKind.choices)
    specialities = _text(gettext_lazy("专长"), 200)
    organisation = _text(gettext_lazy("单位"), 128)
    city_code = forms.ChoiceField(label=gettext_lazy("所属城市"))

    def __init__(self, *args, cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cities is None:  # editing: an expert stays in their city
            del self.fields["city_code"]
        else:
            self.fields["city_code"].choices = [(c.code, c.name) for c in cities]


class VolunteerForm(forms.Form):
    id_number = _text(gettext_lazy("身份证号码（须已登记为学习者）"), 18)
    institution_code = forms.ChoiceField(label=gettext_lazy("所属机构"))
    skills = _text(gettext_lazy("技能"), 200)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_code"].choices = [(i.code, i.name) for i in institutions]


class VolunteerEditForm(forms.Form):
    institution_code = forms.ChoiceField(label=gettext_lazy("所属机构"))
    skills = _text(gettext_lazy("技能"), 200)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_code"].choices = [(i.code, i.name) for i in institutions]


class ServiceForm(forms.Form):
    date = _text(gettext_lazy("日期"), 10, widget=forms.DateInput(attrs={"type": "date"}))
    hours = _text(gettext_lazy("时长（小时）"), 8)
    activity = _text(gettext_lazy("服务内容"), 200)
    institution_code = forms.ChoiceField(label=gettext_lazy("服务机构"))

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_code"].choices = [(i.code, i.name) for i in institutions]


# --- helpers ------------------------------------------------------------------------------------------


def _staff(request):
    if not scope_for(request.user).may(Capability.STAFF_AREA):
        raise PermissionDenied(_("师资、教材、专家和志愿者库只对工作人员开放"))


def _managed(request):
    return list(catalog_selectors.institutions_managed(request.user)[:500])


def _filters(request, *names):
    return {n: (request.GET.get(n) or "").strip() or None for n in names}


def _save(request, form, write, success, redirect_to, *, allowed: bool = True):
    """Run a service with the form's data: redirect on success, put its errors on the form otherwise. A refusal
    of access (403) or a missing object (404) goes on to its error page, as does a post by whoever has no form."""
    if request.method != "POST":
        return None
    if not allowed:
        raise PermissionDenied()
    if not form.is_valid():
        return None
    try:
        obj = write(**form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return None
    messages.success(request, success(obj))
    return redirect(*redirect_to(obj))


def _list_page(request, template: str, context: dict, rows_of, form, changeable=None):
    """A pool's list: the filtered rows (only these for an HTMX filter request), with the create form. Rows in
    `changeable` (a queryset) get an edit link."""
    errors = None
    try:
        qs = rows_of()
        rows = list(qs[:LIMIT])
        context.update(rows=rows, total=qs.count() if len(rows) == LIMIT else len(rows))
    except DomainError as exc:
        errors = exc.errors
        rows = []
        context.update(rows=rows, total=0)
    context["editable"] = (set(changeable.filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True))
                           if changeable is not None and rows else set())
    context.update(form=form, errors=errors, limit=LIMIT)
    status = 400 if errors or form.errors else 200
    return render_page(request, template, context, partial="rows", status=status)


@login_required
def pools_home(request):
    _staff(request)
    return redirect("catalog:pool_teachers")


# --- teachers -----------------------------------------------------------------------------------------


@login_required
def teachers(request):
    _staff(request)
    managed = _managed(request)
    form = TeacherForm(request.POST or None, institutions=managed,
                       initial={"institution_codes": [managed[0].code]} if len(managed) == 1 else None)
    done = _save(request, form, lambda **data: pools.teacher_create(actor=request.user, **data),
                 lambda t: _("已把「%(name)s」加入师资库") % {"name": t.name}, lambda t: ("catalog:pool_teachers",), allowed=bool(managed))
    if done:
        return done
    filters = _filters(request, "q", "kind", "institution")
    context = {"filters": filters, "kinds": TeacherKind.choices, "institutions": managed, "can_create": bool(managed),
               "tab": "teachers"}
    return _list_page(request, "catalog/pools/teachers.html", context,
                      lambda: selectors.teacher_list(actor=request.user, **filters), form,
                      changeable=selectors.teacher_list(actor=request.user, action=Action.CHANGE))


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
    done = _save(request, form, lambda **data: pools.teacher_update(actor=request.user, teacher=teacher, **data),
                 lambda t: _("已保存「%(name)s」") % {"name": t.name}, lambda t: ("catalog:pool_teachers",))
    if done:
        return done
    others = [i for i in teacher.institutions.all() if i.code not in codes]
    return render_page(request, "catalog/pools/edit.html",
                       {"form": form, "title": _("修改教师：%(name)s") % {"name": teacher.name}, "tab": "teachers",
                        "back": "catalog:pool_teachers", "others": others},
                       status=400 if form.errors else 200)


# --- textbooks ----------------------------------------------------------------------------------------


@login_required
def textbooks(request):
    _staff(request)
    can_create = catalog_selectors.institutions_managed(request.user).exists()
    form = TextbookForm(request.POST or None)
    done = _save(request, form, lambda **data: pools.textbook_create(actor=request.user, **data),
                 lambda t: _("已把「%(name)s」加入教材库") % {"name": t.title}, lambda t: ("catalog:pool_textbooks",), allowed=can_create)
    if done:
        return done
    filters = _filters(request, "q", "topic")
    context = {"filters": filters, "can_create": can_create, "tab": "textbooks"}
    return _list_page(request, "catalog/pools/textbooks.html", context,
                      lambda: selectors.textbook_list(actor=request.user, **filters), form,
                      changeable=selectors.textbook_list(actor=request.user, action=Action.CHANGE))


@login_required
def textbook_edit(request, pk: int):
    _staff(request)
    textbook = selectors.textbook_get(actor=request.user, pk=pk, action=Action.CHANGE)
    form = TextbookForm(request.POST or None, initial={f: getattr(textbook, f) for f in pools.TEXTBOOK_FIELDS})
    done = _save(request, form, lambda **data: pools.textbook_update(actor=request.user, textbook=textbook, **data),
                 lambda t: _("已保存「%(name)s」") % {"name": t.title}, lambda t: ("catalog:pool_textbooks",))
    if done:
        return done
    return render_page(request, "catalog/pools/edit.html",
                       {"form": form, "title": _("修改教材：%(name)s") % {"name": textbook.title}, "tab": "textbooks",
                        "back": "catalog:pool_textbooks"},
                       status=400 if form.errors else 200)


# --- experts ------------------------------------------------------------------------------------------


@login_required
def experts(request):
    _staff(request)
    cities = selectors.expert_cities(request.user)
    form = ExpertForm(request.POST or None, cities=cities)
    done = _save(request, form, lambda **data: pools.expert_create(actor=request.user, **data),
                 lambda e: _("已把「%(name)s」加入专家库") % {"name": e.name}, lambda e: ("catalog:pool_experts",), allowed=bool(cities))
    if done:
        return done
    filters = _filters(request, "q", "kind")
    context = {"filters": filters, "kinds": ExpertKind.choices, "can_create": bool(cities), "tab": "experts"}
    return _list_page(request, "catalog/pools/experts.html", context,
                      lambda: selectors.expert_list(actor=request.user, **filters), form,
                      changeable=selectors.expert_list(actor=request.user, action=Action.CHANGE))


@login_required
def expert_edit(request, pk: int):
    _staff(request)
    expert = selectors.expert_get(actor=request.user, pk=pk, action=Action.CHANGE)
    form = ExpertForm(request.POST or None, initial={f: getattr(expert, f) for f in pools.EXPERT_FIELDS})
    done = _save(request, form, lambda **data: pools.expert_update(actor=request.user, expert=expert, **data),
                 lambda e: _("已保存「%(name)s」") % {"name": e.name}, lambda e: ("catalog:pool_experts",))
    if done:
        return done
    return render_page(request, "catalog/pools/edit.html",
                       {"form": form, "title": _("修改专家：%(name)s") % {"name": expert.name}, "tab": "experts",
                        "back": "catalog:pool_experts"},
                       status=400 if form.errors else 200)


# --- volunteers ---------------------------------------------------------------------------------------


@login_required
def volunteers(request):
    _staff(request)
    managed = _managed(request)
    form = VolunteerForm(request.POST or None, institutions=managed)
    done = _save(request, form, lambda **data: pools.volunteer_register(actor=request.user, **data),
                 lambda v: _("已登记志愿者：%(name)s") % {"name": v.learner.name},
                 lambda v: ("catalog:pool_volunteer", v.pk), allowed=bool(managed))
    if done:
        return done
    filters = _filters(request, "q", "institution")
    context = {"filters": filters, "institutions": managed, "can_create": bool(managed), "tab": "volunteers"}
    return _list_page(request, "catalog/pools/volunteers.html", context,
                      lambda: selectors.volunteer_list(actor=request.user, **filters), form)


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
    if action == "service":
        done = _save(request, service_form,
                     lambda institution_code, **data: pools.volunteer_service_record(
                         actor=request.user, volunteer=volunteer, institution=institution_code, **data),
                     lambda s: _("已登记 %(date)s 的志愿服务 %(hours)s 小时") % {"date": s.date, "hours": s.hours},
                     lambda s: ("catalog:pool_volunteer", volunteer.pk))
    elif action == "edit":
        done = _save(request, edit_form,
                     lambda **data: pools.volunteer_update(actor=request.user, volunteer=volunteer, **data),
                     lambda v: _("已保存志愿者 %(name)s") % {"name": volunteer.learner.name},
                     lambda v: ("catalog:pool_volunteer", volunteer.pk))
    else:
        done = None
    if done:
        return done
    context = {"volunteer": volunteer, "services": list(selectors.volunteer_services(volunteer=volunteer)[:500]),
               "can_change": can_change, "service_form": service_form, "edit_form": edit_form, "tab": "volunteers"}
    return render_page(request, "catalog/pools/volunteer_detail.html", context,
                       status=400 if service_form.errors or edit_form.errors else 200)
