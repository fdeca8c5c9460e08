from django.urls import path

from learncity.governance.views import plans

app_name = "governance"
urlpatterns = [
    path("", plans.home, name="home"),
    path("committees/<int:pk>/import/", plans.plan_import, name="import"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("items/<int:pk>/tasks/new/", plans.task_new, name="task_new"),
    path("tasks/", plans.tasks, name="tasks"),
    path("tasks/<int:pk>/", plans.task_detail, name="task"),
    path("tasks/<int:pk>/move/", plans.task_move, name="task_move"),
    path("tasks/<int:pk>/updates/", plans.update_new, name="update_new"),
    path("updates/<int:pk>/decide/", plans.update_decide, name="update_decide"),
    path("updates/<int:pk>/evidence/<int:eid>/", plans.evidence_download, name="evidence"),
]
