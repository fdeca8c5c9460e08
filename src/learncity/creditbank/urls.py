"""Credit-bank pages under /credits/: the learner's side (urls_learner) and the reviewers', institutions' and
administrators' side (urls_staff), plus the public transcript verification page."""

from learncity.creditbank import urls_learner, urls_staff

app_name = "creditbank"
urlpatterns = urls_learner.urlpatterns + urls_staff.urlpatterns
