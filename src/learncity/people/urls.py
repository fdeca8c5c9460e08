from django.urls import path

from learncity.people import views

app_name = "people"
urlpatterns = [
    path("", views.profiles, name="profiles"),
    path("me/", views.me, name="me"),
    path("me/reveal/", views.reveal, name="reveal"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/tokens/", views.token_create, name="token_create"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("users/<int:pk>/password/", views.password_reset, name="password_reset"),
    path("<int:pk>/", views.profile_detail, name="profile"),
]
