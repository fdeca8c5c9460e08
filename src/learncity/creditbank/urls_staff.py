"""The reviewers', institutions' and administrators' pages of the credit bank (views_staff)."""

from django.urls import path

from learncity.creditbank import views_staff as views

urlpatterns = [
    path("staff/", views.staff_home, name="staff"),
    path("review/", views.review, name="review"),
    path("review/<int:pk>/", views.review_decide, name="review_decide"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_decide, name="inbox_decide"),
    path("standards/", views.standards, name="standards"),
    path("standards/new/", views.standard_new, name="standard_new"),
    path("standards/<str:code>/", views.standard_detail, name="standard"),
    path("standards/<str:code>/revise/", views.standard_revise, name="standard_revise"),
    path("standards/<str:code>/withdraw/", views.standard_withdraw, name="standard_withdraw"),
    path("standards/<str:code>/accredit/", views.standard_accredit, name="standard_accredit"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<str:code>/submit/", views.rule_act, {"action": "submit"}, name="rule_submit"),
    path("rules/<str:code>/review/", views.rule_act, {"action": "review"}, name="rule_review"),
    path("rules/<str:code>/abolish/", views.rule_act, {"action": "abolish"}, name="rule_abolish"),
    path("accounts/bulk/", views.accounts_bulk, name="accounts_bulk"),
    path("policy/", views.policy, name="policy"),
]
