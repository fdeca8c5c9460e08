from django.urls import path

from learncity.network import views

app_name = "network"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("tree/<str:code>/", views.tree_children, name="tree_children"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<str:code>/", views.institution_detail, name="institution"),
    path("institutions/<str:code>/edit/", views.institution_edit, name="institution_edit"),
    path("designations/<str:code>/", views.designation_add, name="designation_add"),
    path("committees/", views.committees, name="committees"),
    path("committees/<int:pk>/", views.committee_detail, name="committee"),
    path("committees/<int:pk>/members/", views.member_unit_add, name="member_unit_add"),
    path("member-units/<int:pk>/", views.member_unit_edit, name="member_unit_edit"),
]
