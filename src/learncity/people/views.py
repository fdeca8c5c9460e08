from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.htmx import render_page
from learncity.core.scopes import ROLE_LABELS, ROLE_TARGETS, Action, scope_for
from learncity.core.signin import SigninLocked
from learncity.network import selectors as network_selectors
from learncity.people import selectors, services
from learncity.places import selectors as place_selectors

# The new-account form's pickers: places down to streets, institutions by name; a short list, still posting the code.
PICKER_LIMIT = 300


@login_required
def profiles(request):
    scope = scope_for(request.user)
    if not (scope.everything or scope.view.people_paths):
        # Only roles with residents in their scope (admins, auditors) have a list; the rest would get an empty one.
        raise PermissionDenied()
    q = request.GET.get("q", "").strip()
    qs = selectors.profile_list(actor=request.user, q=q or None, place_code=request.GET.get("place") or None)
    page = Paginator(qs.prefetch_related("groups"), 50).get_page(request.GET.get("page"))
    return render_page(request, "people/profiles.html", {"page": page, "q": q}, partial="results")


@login_required
def profile_detail(request, pk: int):
    profile = selectors.profile_get(actor=request.user, pk=pk)
    return render_page(request, "people/profile_detail.html", {"profile": profile})


@login_required
def me(request):
    profile = selectors.profile_of(request.user)
    tokens = list(selectors.api_token_list(actor=request.user))
    return render_page(request, "people/me.html", {"profile": profile, "tokens": tokens,
                                                   "new_token": request.session.pop("new_token", None)})


@login_required
@require_POST
def reveal(request):
    """The owner's full ID number, for this response only; the view is written to the audit trail."""
    profile = selectors.profile_of(request.user)
    if profile is None:
        raise NotFound(_("您还没有学习者档案"))
    number = services.learner_profile_reveal(actor=request.user, profile=profile)
    return render_page(request, "people/me.html", {"profile": profile, "revealed": number}, partial="idnumber")


@login_required
@require_POST
def token_create(request):
    try:
        _row, token = services.api_token_create(actor=request.user, name=request.POST.get("name", ""),
                                                days=request.POST.get("days") or 365)
    except (DomainError, PermissionDenied) as exc:  # refused here, said on the page it came from
        messages.error(request, str(exc))
    else:
        request.session["new_token"] = token
    return redirect("people:me")


@login_required
@require_POST
def token_revoke(request, pk: int):
    row = selectors.api_token_list(actor=request.user).filter(pk=pk).first()
    if row is None:
        raise NotFound()
    services.api_token_revoke(actor=request.user, token=row)
    messages.success(request, _("已吊销令牌「%(name)s」") % {"name": row.name})
    return redirect("people:me")


@login_required
def accounts(request):
    """The back office's accounts: who holds which role where, inside the actor's scope; new accounts; revoking."""
    scope = scope_for(request.user)
    if not (scope.everything or scope.change.people_paths):
        raise PermissionDenied()
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            ra = services.account_create(
                actor=request.user, username=values.get("username", ""), password=values.get("password", ""),
                display_name=values.get("display_name", ""), role=values.get("role", ""),
                place_code=values.get("place_code") or None, institution_code=values.get("institution_code") or None,
                member_unit_id=values.get("member_unit_id") or None,
            )
        except DomainError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已创建账号「%(user)s」") % {"user": ra.user.username})
            return redirect("people:accounts")
    rows = selectors.role_assignment_list(actor=request.user).exclude(role="learner")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    # Only the roles this administrator may grant (the scope's own rule) that have a target: the learner role comes
    # with a profile. The pickers offered are those of the targets these roles are granted over.
    roles = [(role, ROLE_LABELS[role]) for role in scope.roles_grantable() if ROLE_TARGETS[role] is not None]
    targets = {ROLE_TARGETS[role] for role, _label in roles}
    places = (place_selectors.place_list(actor=request.user, action=Action.CHANGE).filter(level__lte=4)
              .only("code", "name")[:PICKER_LIMIT] if "place" in targets else [])
    institutions = (network_selectors.institution_list(actor=request.user, action=Action.CHANGE)
                    .select_related(None).only("code", "name").order_by("name")[:PICKER_LIMIT]
                    if "institution" in targets else [])
    return render_page(request, "people/accounts.html",
                       {"page": page, "errors": errors, "values": values, "roles": roles,
                        "places": places, "institutions": institutions,
                        "reset": request.session.pop("password_reset", None)},
                       status=400 if errors else 200)


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "yes"


@login_required
@require_http_methods(["GET", "POST"])
def role_revoke(request, pk: int):
    """Revoking a role asks first: GET shows what will happen, a POST revokes only with confirm=yes; one without
    it changes nothing and says so."""
    assignment = (selectors.role_assignment_list(actor=request.user)
                  .select_related("user", "place", "institution", "member_unit").filter(pk=pk).first())
    if assignment is None:
        raise NotFound()
    if not services.role_revocable(actor=request.user, assignment=assignment):
        raise PermissionDenied()
    if request.method == "POST" and _confirmed(request):
        services.role_revoke(actor=request.user, assignment=assignment)
        messages.success(request, _("已撤销 %(user)s 的角色") % {"user": assignment.user.username})
        return redirect("people:accounts")
    where = assignment.place or assignment.institution or assignment.member_unit
    names = {"user": assignment.user.username, "role": assignment.get_role_display()}
    if where is not None:
        question = _("撤销 %(user)s 的「%(role)s」角色（%(where)s）？") % {**names, "where": where.name}
    else:
        question = _("撤销 %(user)s 的「%(role)s」角色？") % names
    unconfirmed = request.method == "POST"
    return render_page(request, "people/confirm.html",
                       {"title": _("撤销角色"), "question": question, "action": request.path,
                        "button": _("撤销"), "unconfirmed": unconfirmed},
                       status=400 if unconfirmed else 200)


@login_required
def password_change(request):
    """One's own new password, given the current one; the session stays signed in, the others end."""
    errors, locked = {}, None
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    if request.method == "POST":
        try:
            user = services.password_change(actor=request.user, request=request,
                                            current_password=request.POST.get("current_password", ""),
                                            new_password=request.POST.get("new_password", ""))
        except SigninLocked as exc:
            locked = exc
        except DomainError as exc:
            errors = exc.errors
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改"))
            return redirect(target or "people:me")
    response = render_page(request, "people/password_change.html",
                           {"errors": errors, "locked": locked.message if locked else "", "next": target},
                           status=429 if locked else 400 if errors else 200)
    if locked:
        response["Retry-After"] = str(locked.retry_after)
    return response


@login_required
def password_reset(request, pk: int):
    """An administrator resets the password of staff in their scope: typed, or a temporary one shown once on the
    accounts page."""
    target = selectors.account_user_get(actor=request.user, pk=pk)
    if not services.password_resettable(actor=request.user, user=target):
        raise PermissionDenied(_("您无权重置该用户的密码"))
    errors = {}
    if request.method == "POST" and not _confirmed(request):
        errors = {"confirm": [_("未勾选确认，密码没有重置 (not confirmed: the password was not reset)")]}
    elif request.method == "POST":
        try:
            user, temporary = services.password_reset(actor=request.user, user=target,
                                                      new_password=request.POST.get("new_password", ""))
        except DomainError as exc:
            errors = exc.errors
        else:
            request.session["password_reset"] = {"username": user.username, "password": temporary}
            return redirect("people:accounts")
    return render_page(request, "people/password_reset.html", {"target": target, "errors": errors},
                       status=400 if errors else 200)
