from django.urls import path

from learncity.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.discover, name="discover"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/enroll/", views.enroll, name="enroll"),
    path("enrollments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("me/", views.my_learning, name="my_learning"),
    path("checkin/", views.checkin, name="checkin"),
    path("venues/", views.venues, name="venues"),
    path("events/", views.events, name="events"),
    path("resources/", views.resources, name="resources"),
    path("resources/<int:pk>/", views.resource_detail, name="resource"),
    path("resources/<int:pk>/done/", views.resource_done, name="resource_done"),
    path("timetable/", views.timetable, name="timetable"),
    path("manage/", views.manage, name="manage"),
    path("manage/courses/new/", views.course_new, name="course_new"),
    path("manage/courses/<int:pk>/", views.manage_course, name="manage_course"),
    path("manage/courses/<int:pk>/state/", views.course_state, name="course_state"),
    path("manage/courses/<int:pk>/roster.xlsx", views.roster_export, name="roster_export"),
    path("manage/sessions/<int:pk>/", views.session_sheet, name="session"),
]
