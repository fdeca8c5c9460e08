from django.urls import path

from learncity.catalog import event_views, views

app_name = "catalog"
urlpatterns = [
    path("", views.discover, name="discover"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/enroll/", views.enroll, name="enroll"),
    path("enrollments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("me/", views.my_learning, name="my_learning"),
    path("checkin/", views.checkin, name="checkin"),
    path("venues/", event_views.venues, name="venues"),
    path("venues/<int:pk>/", event_views.venue_detail, name="venue"),
    path("events/", event_views.events, name="events"),
    path("events/<int:pk>/", event_views.event_detail, name="event"),
    path("events/<int:pk>/register/", event_views.event_register, name="event_register"),
    path("events/<int:pk>/check-in/", event_views.event_check_in, name="event_check_in"),
    path("event-registrations/<int:pk>/cancel/", event_views.event_cancel, name="event_cancel"),
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
