from django.urls import path

from learncity.places import views

app_name = "places"
urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/population/", views.population_edit, name="population_edit"),
    path("<str:code>/communities/", views.community_create, name="community_create"),
]
