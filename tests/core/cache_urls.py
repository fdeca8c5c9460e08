"""Views for tests/core/test_cache.py: a public page that counts its renders, and its variants."""

from django.contrib import messages
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import csrf_protect

from learncity.core.page_cache import public_page

RENDERS = {"count": 0}
PAGE = engines["django"].from_string(
    '<body hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'><p id="n">{{ n }}</p><p id="q">{{ q }}</p>'
    '<p id="lang">{{ LANGUAGE_CODE }}</p><form method="post" action="/post/">{% csrf_token %}</form>'
    "{% for m in messages %}<p class=msg>{{ m }}</p>{% endfor %}</body>")


def _render(request, **extra):
    RENDERS["count"] += 1
    return HttpResponse(PAGE.render({"n": RENDERS["count"], "q": request.GET.get("q", ""), **extra}, request))


@public_page(depends=("catalog",))
def page(request):
    return _render(request)


@public_page(depends=("catalog",))
def sets_cookie(request):
    response = _render(request)
    response.set_cookie("seen", "1")
    return response


@public_page(depends=("catalog",))
def not_found(request):
    RENDERS["count"] += 1
    return HttpResponse("missing", status=404)


@public_page(depends=("catalog",))
def flashes(request):
    messages.info(request, "saved")
    return _render(request)


@csrf_protect
def post(request):
    return HttpResponse("posted")


urlpatterns = [
    path("page/", page),
    path("cookie/", sets_cookie),
    path("missing/", not_found),
    path("flash/", flashes),
    path("post/", post),
    path("", include("learncity.urls")),  # the error pages' links (400.html) resolve as in the app
]
