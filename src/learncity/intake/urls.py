"""The data-intake pages, under /intake/ (see views)."""

from django.urls import path

from learncity.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template_download, {"fmt": "xlsx"}, name="template_xlsx"),
    path("template.csv", views.template_download, {"fmt": "csv"}, name="template_csv"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/report.xlsx", views.job_report, name="report"),
    path("keys/", views.key_list, name="keys"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
