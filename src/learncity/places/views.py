import functools
from collections.abc import Callable

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from learncity.core import uploads
from learncity.core.errors import DomainError, FileRejected, PermissionDenied
from learncity.core.forms import flash_domain_errors
from learncity.core.htmx import render_page
from learncity.core.scopes import Action, scope_for
from learncity.places import selectors, services
from learncity.places.models import AGE_BAND_CODES, Place, PlaceLevel

# What the apps above places add to a place's page (the network: the institutions located there, their kinds, the
# place's designations and each child's count of institutions): functions (request, place, context) that add to the
# context, named by those apps' AppConfig (`place_page_part`, a dotted path) so places imports none of them.


@functools.cache
def place_page_parts() -> list[Callable[[HttpRequest, Place, dict], None]]:
    return [import_string(c.place_page_part) for c in apps.get_app_configs() if hasattr(c, "place_page_part")]


@login_required
def detail(request, code: str):
    place = selectors.place_get(actor=request.user, code=code)
    scope = scope_for(request.user)
    population = selectors.population_latest(actor=request.user, place=place)
    grid = None
    if population is not None:
        cells = {(b.sex, b.age_band): b.count for b in population.bands.all()}
        if cells:
            grid = [(band, cells.get(("M", band), 0), cells.get(("F", band), 0)) for band in AGE_BAND_CODES]
    context = {
        "place": place,
        "ancestors": [(a, scope.can_view_place(a)) for a in selectors.place_ancestors(place)],
        "children": selectors.place_children(actor=request.user, place=place),
        "population": population,
        "grid": grid,
        "children_sum": (selectors.population_children_sum(actor=request.user, place=place, year=population.year)
                         if population else None),
        "can_change": scope.can_change_place(place.path),
        "is_street": place.level == PlaceLevel.STREET,
        "is_district": place.level == PlaceLevel.DISTRICT,
        "bands": AGE_BAND_CODES,
    }
    for part in place_page_parts():
        part(request, place, context)
    return render_page(request, "places/detail.html", context)


@login_required
def population_edit(request, code: str):
    place = selectors.place_get(actor=request.user, code=code, action=Action.CHANGE)
    errors = {}
    if request.method == "POST":
        def number(name):
            raw = (request.POST.get(name) or "").strip()
            if raw == "":
                return None
            try:
                return int(raw)
            except ValueError:
                errors.setdefault(name, []).append(_("「%(v)s」不是整数") % {"v": raw})
                return None

        year, total = number("year"), number("total")
        bands = {}
        for sex in ("M", "F"):
            for band in AGE_BAND_CODES:
                n = number(f"{sex}:{band}")
                if n is not None:
                    bands[(sex, band)] = n
        if bands and len(bands) != 2 * len(AGE_BAND_CODES):
            errors.setdefault("bands", []).append(_("分性别年龄段要么全部填写，要么都不填"))
        if not errors:
            try:
                services.population_set(actor=request.user, place_code=place.code, year=year,
                                        total=total if total is not None else "", bands=bands)
            except DomainError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("已保存 %(place)s %(year)s 年人口") % {"place": place.name, "year": year})
                return redirect("places:detail", code=place.code)
    population = selectors.population_latest(actor=request.user, place=place, action=Action.CHANGE)
    values = {k: v for k, v in request.POST.items()} if request.method == "POST" else {}
    if not values and population is not None:
        values = {"year": population.year, "total": population.total}
        values.update({f"{b.sex}:{b.age_band}": b.count for b in population.bands.all()})
    rows = [(band, f"M:{band}", values.get(f"M:{band}", ""), f"F:{band}", values.get(f"F:{band}", ""))
            for band in AGE_BAND_CODES]
    return render_page(request, "places/population_form.html",
                       {"place": place, "values": values, "rows": rows, "errors": errors},
                       status=400 if errors else 200)


@login_required
def imports(request):
    """Population and community spreadsheets: all rows or none, every error named with its row and column."""
    scope = scope_for(request.user)
    if not (scope.everything or scope.change.place_paths):
        raise PermissionDenied()
    result = rejected = None
    kind = request.POST.get("kind", "population")
    if request.method == "POST":
        try:
            upload = uploads.request_files(request).get("file")
            if upload is None:
                raise FileRejected(_("请选择要上传的文件"))
            service = services.communities_import if kind == "communities" else services.population_import
            result = service(actor=request.user, data=uploads.upload_read(upload), filename=upload.name)
        except FileRejected as exc:
            rejected = exc
    return render_page(request, "places/imports.html", {"result": result, "rejected": rejected, "kind": kind},
                       status=400 if rejected else 200)


@login_required
def community_create(request, code: str):
    parent = selectors.place_get(actor=request.user, code=code, action=Action.CHANGE)
    if request.method != "POST":
        return redirect("places:detail", code=parent.code)
    try:
        place = services.community_create(actor=request.user, parent_code=parent.code,
                                          code=request.POST.get("code", ""), name=request.POST.get("name", ""))
    except DomainError as exc:
        flash_domain_errors(request, exc)
        return redirect("places:detail", code=parent.code)
    messages.success(request, _("已添加「%(name)s」") % {"name": place.name})
    return redirect("places:detail", code=place.code)
