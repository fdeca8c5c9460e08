from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from learncity.core.htmx import render_page
from learncity.core.middleware import DisplayPreferencesMiddleware
from learncity.core.scopes import scope_for
from learncity.people.selectors import profile_of
from learncity.places.selectors import home_places


def home(request):
    scope = scope_for(request.user)
    context = {"profile": profile_of(request.user), "places": home_places(actor=request.user) if scope.is_staff_like else []}
    return render_page(request, "core/home.html", context)


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


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
