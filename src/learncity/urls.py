from django.contrib import admin
from django.urls import include, path

from learncity.api import api

urlpatterns = [
    path("", include("learncity.core.urls")),
    path("places/", include("learncity.places.urls")),
    path("network/", include("learncity.network.urls")),
    path("people/", include("learncity.people.urls")),
    path("learn/", include("learncity.catalog.urls")),
    path("credits/", include("learncity.creditbank.urls")),
    path("intake/", include("learncity.intake.urls")),
    path("monitor/", include("learncity.monitoring.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
