from django.contrib.auth.views import LogoutView
from django.urls import path

from learncity.core import views

app_name = "core"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("display/", views.display_toggle, name="display"),
]
