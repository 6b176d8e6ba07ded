"""Portal routes (namespace "portal"). Every name here needs a rule in journeys.access.RULES."""
from django.contrib.auth import views as auth_views
from django.urls import path

from journeys.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/new/", views.run_new, name="run-new"),
    path("runs/<id:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<id:run_id>/panels/", views.run_panels_fragment, name="run-panels"),
    path("runs/<id:run_id>/pause/", views.run_pause, name="run-pause"),
    path("runs/<id:run_id>/resume/", views.run_resume, name="run-resume"),
    path("runs/<id:run_id>/abort/", views.run_abort, name="run-abort"),
    path("runs/<id:run_id>/answer/", views.run_answer, name="run-answer"),
    path("runs/<id:run_id>/files/<path:name>", views.run_download, name="run-download"),
]
