"""The learner's side of the credit bank under /credits/, and the public verification page of a transcript."""

from django.urls import path

from learncity.creditbank import views_learner as views

urlpatterns = [
    path("", views.account, name="me"),
    path("open/", views.account_open, name="me_open"),
    path("transcript/", views.transcript, name="me_transcript"),
    path("transcripts/<str:token>.pdf", views.transcript_download, name="me_transcript_pdf"),
    path("transcripts/<str:token>/withdraw/", views.transcript_withdraw, name="me_transcript_withdraw"),
    path("declarations/", views.declarations, name="me_declarations"),
    path("declarations/<int:pk>/evidence/<int:eid>/", views.evidence_download, name="evidence"),
    path("conversions/", views.conversions, name="me_conversions"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
