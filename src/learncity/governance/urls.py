from django.urls import path

from learncity.governance.views import assessment, consolidation, meetings, plans

app_name = "governance"
urlpatterns = [
    path("", plans.home, name="home"),
    path("committees/<int:pk>/import/", plans.plan_import, name="import"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("items/<int:pk>/tasks/new/", plans.task_new, name="task_new"),
    path("tasks/", plans.tasks, name="tasks"),
    path("tasks/<int:pk>/", plans.task_detail, name="task"),
    path("tasks/<int:pk>/move/", plans.task_move, name="task_move"),
    path("tasks/<int:pk>/milestones/", plans.milestone_new, name="milestone_new"),
    path("milestones/<int:pk>/done/", plans.milestone_done, name="milestone_done"),
    path("tasks/<int:pk>/updates/", plans.update_new, name="update_new"),
    path("updates/<int:pk>/decide/", plans.update_decide, name="update_decide"),
    path("updates/<int:pk>/evidence/<int:eid>/", plans.evidence_download, name="evidence"),
    path("rounds/<int:pk>/consolidation.<str:fmt>", consolidation.consolidation_download, name="consolidation"),
    path("committees/<int:pk>/meetings/", meetings.meeting_list, name="meetings"),
    path("committees/<int:pk>/meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/publish/", meetings.meeting_publish, name="meeting_publish"),
    path("meetings/<int:pk>/decisions/", meetings.decision_new, name="decision_new"),
    path("meetings/<int:pk>/minutes.docx", meetings.minutes_docx, name="minutes_docx"),
    path("meetings/<int:pk>/minutes.pdf", meetings.minutes_pdf, name="minutes_pdf"),
    path("decisions/<int:pk>/tasks/new/", meetings.decision_tasks_new, name="decision_tasks_new"),
    path("assessment/", assessment.assessment_home, name="assessment_home"),
    path("assessment/new/", assessment.scheme_new, name="assessment_new"),
    path("assessment/<int:pk>/", assessment.scheme_detail, name="assessment"),
    path("assessment/<int:pk>/weights/", assessment.scheme_weights, name="assessment_weights"),
    path("assessment/<int:pk>/propose/", assessment.scheme_propose, name="assessment_propose"),
    path("assessment/<int:pk>/export.xlsx", assessment.scheme_export, name="assessment_export"),
]
