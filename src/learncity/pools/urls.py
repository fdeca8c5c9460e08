from django.urls import path

from learncity.pools import views

app_name = "pools"
urlpatterns = [
    path("manage/pools/", views.pools_home, name="pools"),
    path("manage/pools/teachers/", views.teachers, name="teachers"),
    path("manage/pools/teachers/<int:pk>/", views.teacher_edit, name="teacher"),
    path("manage/pools/textbooks/", views.textbooks, name="textbooks"),
    path("manage/pools/textbooks/<int:pk>/", views.textbook_edit, name="textbook"),
    path("manage/pools/experts/", views.experts, name="experts"),
    path("manage/pools/experts/<int:pk>/", views.expert_edit, name="expert"),
    path("manage/pools/volunteers/", views.volunteers, name="volunteers"),
    path("manage/pools/volunteers/<int:pk>/", views.volunteer_detail, name="volunteer"),
]
