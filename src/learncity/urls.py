from django.contrib import admin
from django.urls import include, path

from learncity.api import api
from learncity.core.views import admin_password_change

urlpatterns = [
    path("", include("learncity.portal.urls")),
    path("", include("learncity.core.urls")),
    path("places/", include("learncity.places.urls")),
    path("network/", include("learncity.network.urls")),
    path("people/", include("learncity.people.urls")),
    path("learn/", include("learncity.catalog.urls")),
    path("learn/", include("learncity.pools.urls")),
    path("credits/", include("learncity.creditbank.urls")),
    path("intake/", include("learncity.intake.urls")),
    path("monitor/", include("learncity.monitoring.urls")),
    path("governance/", include("learncity.governance.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin's own password change checks the current password unthrottled: ours instead (before its URLs).
    path("django-admin/password_change/", admin_password_change),
    path("django-admin/password_change/done/", admin_password_change),
    path("django-admin/", admin.site.urls),
]
