"""The project's middleware: display preferences, refusals as pages, the chosen language, a required password change."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from learncity.core.api_contract import error_body
from learncity.core.errors import NotFound, PermissionDenied, Refusal
from learncity.core.htmx import render_page


class DisplayPreferencesMiddleware:
    """Large-text, high-contrast mode for elderly users: a cookie, so it holds across pages and sign-ins."""

    COOKIE = "lc_large"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.large_text = request.COOKIES.get(self.COOKIE) == "1"
        return self.get_response(request)


class DomainErrorMiddleware:
    """Pages: a refused operation shows a page that says why (404 / 403 / 400), never a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/") or not isinstance(exception, Refusal):
            return None
        if isinstance(exception, NotFound):
            return render_page(request, "404.html", {"message": exception.message}, status=404)
        if isinstance(exception, PermissionDenied):
            return render_page(request, "403.html", {"message": exception.message}, status=403)
        return render_page(request, "400.html", {"errors": exception.errors}, status=400)


class LanguageMiddleware:
    """Chinese first: the interface is in Chinese unless the user chose another language (the language
    cookie set by /i18n/setlang/). The browser's Accept-Language does not switch it silently."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.headers.get("Vary", "")
        if "Cookie" not in patch:
            response.headers["Vary"] = (patch + ", Cookie").strip(", ")
        translation.deactivate()
        return response


class PasswordChangeRequiredMiddleware:
    """After an administrator reset someone's password, their session leads only to the password change until they
    have chosen their own: pages redirect to it, and the API called with the session answers 403
    (`password_change_required`) but for the password change itself (and signing out, a page). A request with a
    bearer token is not the session's (a token is not a password: the reset revoked the old ones, and no new one is
    made until the password is changed, see `api_token_create`)."""

    ALLOWED = ("/logout/", "/i18n/", "/static/")
    API = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):

            if request.path.startswith(self.API):
                if (not request.headers.get("Authorization", "").startswith("Bearer ")
                        and request.path != reverse("api:password_change")):
                    return self._api_refusal()
            else:
                target = reverse("people:password_change")
                if not request.path.startswith((target, *self.ALLOWED)):

                    return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _api_refusal():
        detail = _("管理员重置了您的密码，请先修改密码（POST /api/people/me/password）再使用接口。")
        return JsonResponse(error_body("password_change_required", detail), status=403)
