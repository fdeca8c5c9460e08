from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.forms import add_domain_errors, flash_domain_errors
from learncity.core.htmx import render_page
from learncity.core.scopes import Action, Capability, scope_for
from learncity.network import selectors, services
from learncity.network.forms import InstitutionForm
from learncity.network.models import DesignationKind, DesignationTier
from learncity.places import selectors as place_selectors
from learncity.places.models import Place


def _staff_only(request):
    if not scope_for(request.user).may(Capability.STAFF_AREA):
        raise PermissionDenied(_("学习网络只对工作人员开放"))


def _nodes(request, places: list[Place]) -> list[dict]:
    """Tree nodes: each place with the institutions located right at it (one query for all of them)."""
    by_place: dict[int, list] = {}
    for inst in selectors.institution_list(actor=request.user).filter(place__in=places):
        by_place.setdefault(inst.place_id, []).append(inst)
    return [{"place": p, "institutions": by_place.get(p.pk, [])} for p in places]


def place_page_part(request, place: Place, context: dict) -> None:
    """The network's part of a place's page (named by NetworkConfig.place_page_part, read by places.views): the institutions located there and
    their kinds, the place's designations with the form to add one, and each child's count of institutions."""
    selectors.institutions_counted_by_child(actor=request.user, place=place, children=context["children"])
    context.update(
        institutions=list(selectors.institution_list(actor=request.user).filter(place=place)),
        kinds=selectors.institution_counts_by_kind(actor=request.user, place=place),
        designations=list(selectors.designation_list(actor=request.user, place=place)),
        designation_kinds=DesignationKind.choices,
        designation_tiers=DesignationTier.choices,
    )


@login_required
def browser(request):
    """The network as a tree, from the user's root places down to communities; nodes open with HTMX."""
    _staff_only(request)
    root_code = request.GET.get("root")
    roots = ([place_selectors.place_get(actor=request.user, code=root_code)] if root_code
             else place_selectors.home_places(actor=request.user))
    nodes = []
    for node in _nodes(request, roots):
        root = node["place"]
        node["children"] = _nodes(request, selectors.place_children_with_counts(actor=request.user, place=root))
        root.child_count = len(node["children"])
        root.institution_count = selectors.institution_list(actor=request.user).filter(
            place__path__startswith=root.path).count()
        node["ancestors"] = place_selectors.place_ancestors(root)
        nodes.append(node)
    levels = []
    if roots:
        try:
            levels = list(selectors.network_levels(actor=request.user, city=services.city_of(roots[0])))
        except DomainError:  # a root outside any city (a province): no levels to show
            levels = []
    return render_page(request, "network/browser.html", {"nodes": nodes, "levels": levels})


@login_required
def tree_children(request, code: str):
    _staff_only(request)
    place = place_selectors.place_get(actor=request.user, code=code)
    children = _nodes(request, selectors.place_children_with_counts(actor=request.user, place=place))
    return render_page(request, "network/browser.html", {"node": {"children": children}, "lazy": True},
                       partial="children")


@login_required
def institution_detail(request, code: str):
    inst = selectors.institution_get(actor=request.user, code=code)
    scope = scope_for(request.user)
    can_change = selectors.institution_list(actor=request.user, action=Action.CHANGE).filter(pk=inst.pk).exists()
    context = {
        "inst": inst,
        "ancestors": [(a, scope.can_view_place(a)) for a in [*place_selectors.place_ancestors(inst.place), inst.place]],
        "children": list(selectors.institution_children(actor=request.user, institution=inst)[:200]),
        "staff_count": inst.staff_roles.count(),
        "can_change": can_change,
    }
    return render_page(request, "network/institution_detail.html", context)


# The service names a reference by what it is; the form by the code the user typed.
FORM_FIELDS = {"network_level": "network_level_id", "parent": "parent_code", "place": "place_code"}


@login_required
def institution_create(request):
    scope = scope_for(request.user)
    if not (scope.everything or scope.change.place_paths):
        # Read-only roles (auditors, experts, reporters) and institution staff create no institutions.
        raise PermissionDenied()
    place = None
    code = request.POST.get("place_code") or request.GET.get("place")
    if code:
        place = place_selectors.place_list(actor=request.user, action=Action.BROWSE).filter(code=code).first()
    form = InstitutionForm(request.POST or None, initial={"place_code": code or ""},
                           levels=selectors.network_levels_above(actor=request.user, place=place))
    if request.method == "POST" and form.is_valid():
        try:
            inst = services.institution_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc, aliases=FORM_FIELDS)
        else:
            messages.success(request, _("已创建机构「%(name)s」") % {"name": inst.name})
            return redirect("network:institution", code=inst.code)
    return render_page(request, "network/institution_form.html", {"form": form, "inst": None},
                       status=400 if form.errors else 200)


@login_required
def institution_edit(request, code: str):
    inst = selectors.institution_get(actor=request.user, code=code, action=Action.CHANGE)
    initial = {"code": inst.code, "name": inst.name, "kind": inst.kind, "place_code": inst.place.code,
               "network_level_id": inst.network_level_id, "parent_code": inst.parent.code if inst.parent else "",
               "address": inst.address, "phone": inst.phone, "description": inst.description,
               "is_active": inst.is_active}
    form = InstitutionForm(request.POST or None, initial=initial, editing=True,
                           levels=selectors.network_levels_above(actor=request.user, place=inst.place))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        data["parent_code"] = data["parent_code"] or None
        try:
            services.institution_update(actor=request.user, institution=inst, **data)
        except DomainError as exc:
            add_domain_errors(form, exc, aliases=FORM_FIELDS)
        else:
            messages.success(request, _("已保存"))
            return redirect("network:institution", code=inst.code)
    return render_page(request, "network/institution_form.html", {"form": form, "inst": inst},
                       status=400 if form.errors else 200)


@login_required
def committees(request):
    _staff_only(request)
    items = list(selectors.committee_list(actor=request.user).order_by("place__code"))
    return render_page(request, "network/committees.html", {"committees": items})


@login_required
def committee_detail(request, pk: int):
    committee = selectors.committee_get(actor=request.user, pk=pk)
    units = list(selectors.member_unit_list(actor=request.user, committee=committee))
    editable = set(selectors.member_unit_list(actor=request.user, action=Action.CHANGE, committee=committee)
                   .values_list("pk", flat=True))
    for u in units:
        u.editable = u.pk in editable
    designations = list(selectors.designation_list(actor=request.user, place=committee.place))
    return render_page(request, "network/committee_detail.html",
                       {"committee": committee, "units": units, "designations": designations,
                        "can_add": scope_for(request.user).can_change_place(committee.place.path)})


@login_required
def member_unit_add(request, pk: int):
    committee = selectors.committee_get(actor=request.user, pk=pk)
    if request.method == "POST":
        try:
            unit = services.member_unit_create(actor=request.user, committee=committee,
                                               name=request.POST.get("name", ""),
                                               responsibility=request.POST.get("responsibility", ""))
        except DomainError as exc:
            flash_domain_errors(request, exc)
        else:
            messages.success(request, _("已添加成员单位「%(name)s」") % {"name": unit.name})
    return redirect("network:committee", pk=committee.pk)


@login_required
def member_unit_edit(request, pk: int):
    """Inline (HTMX) edit of what a member unit answers for: by its reporter or the committee's admins."""
    unit = selectors.member_unit_list(actor=request.user, action=Action.CHANGE).filter(pk=pk).first()
    if unit is None:  # a unit one may read but not change is refused; one outside one's scope is not found
        if selectors.member_unit_list(actor=request.user).filter(pk=pk).exists():
            raise PermissionDenied()
        raise NotFound()
    if request.method == "POST":
        unit = services.member_unit_update(actor=request.user, member_unit=unit,
                                           responsibility=request.POST.get("responsibility", ""))
        unit.editable = True
        return render_page(request, "network/committee_detail.html", {"u": unit}, partial="unitrow")
    return render_page(request, "network/committee_detail.html", {"u": unit}, partial="unitform")


@login_required
def designation_add(request, code: str):
    """Record a demonstration or experimental zone designation of a place (from its place page)."""
    if request.method == "POST":
        try:
            services.designation_create(actor=request.user, place_code=code, kind=request.POST.get("kind", ""),
                                        tier=request.POST.get("tier", ""), year=request.POST.get("year", ""))
        except DomainError as exc:
            flash_domain_errors(request, exc)
        else:
            messages.success(request, _("已添加称号"))
    return redirect("places:detail", code=code)
