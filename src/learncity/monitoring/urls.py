"""Monitoring pages under /monitor/ (see views)."""

from django.urls import path

from learncity.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("i/<str:code>/", views.indicator, name="indicator"),
    path("i/<str:code>/series/", views.indicator_series, name="series"),
    path("i/<str:code>/breakdown/", views.indicator_breakdown, name="breakdown"),
    path("i/<str:code>/reported/", views.indicator_reported, name="reported"),
    path("export/<str:what>.<str:fmt>", views.export, name="export"),
    path("reports/", views.reports_page, name="reports"),
    path("targets/", views.targets, name="targets"),
    path("targets/template.xlsx", views.targets_template, name="targets_template"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("public/", views.public, name="public"),
    path("public/i/<str:code>/", views.public_indicator, name="public_indicator"),
]
