from django.urls import path

from learncity.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.home, name="home"),
    path("committees/<int:pk>/import/", views.plan_import, name="import"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("items/<int:pk>/tasks/new/", views.task_new, name="task_new"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/move/", views.task_move, name="task_move"),
    path("tasks/<int:pk>/updates/", views.update_new, name="update_new"),
    path("updates/<int:pk>/decide/", views.update_decide, name="update_decide"),
    path("updates/<int:pk>/evidence/<int:eid>/", views.evidence_download, name="evidence"),
]
