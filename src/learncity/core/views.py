
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.core.htmx import render_page
from learncity.core.middleware import DisplayPreferencesMiddleware
from learncity.core.signin import SigninLocked, signin_locked_until


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


def signin_locked(request, original_response=None, credentials=None):
    """axes' lock-out answer (AXES_LOCKOUT_CALLABLE): the sign-in page again, or the admin's, saying until when
    (429, with Retry-After). A view that answered the lock itself (429: a password change, the API) keeps its
    answer."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    locked = SigninLocked(signin_locked_until(request, credentials))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    if request.path.startswith(reverse("admin:index")):
        context = {**admin.site.each_context(request), "title": _("登录已暂时锁定"), "message": locked.message,
                   "login_url": request.get_full_path()}
        response = render(request, "core/signin_locked_admin.html", context, status=429)
    else:
        context = {"form": AuthenticationForm(request, initial={"username": username}), "locked": locked.message,
                   "next": request.POST.get("next", request.GET.get("next", ""))}
        response = render_page(request, "core/login.html", context, status=429)
    response["Retry-After"] = str(locked.retry_after)
    return response


def admin_password_change(request):
    """In place of the Django admin's own password change (and its "done" page), whose check of the current
    password is not throttled: the site's page, whose check is (a wrong current password counts as a failed sign-in),
    and back to the admin after. Nothing posted here is read."""
    from django.utils.http import urlencode

    return HttpResponseRedirect(f"{reverse('people:password_change')}?{urlencode({'next': reverse('admin:index')})}")


@require_POST
def display_toggle(request):
    """Switch large-text mode on or off; back to where the user was."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    on = request.POST.get("large") == "1"
    response.set_cookie(DisplayPreferencesMiddleware.COOKIE, "1" if on else "0", max_age=365 * 86400,
                        samesite="Lax", httponly=True)
    return response


def handler404(request, exception=None):
    return render_page(request, "404.html", {"message": str(exception) if exception else ""}, status=404)


def handler403(request, exception=None):
    return render_page(request, "403.html", {"message": str(exception) if exception else ""}, status=403)
