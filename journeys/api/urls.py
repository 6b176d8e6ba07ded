"""/api/ routes (namespace "api"). Every name here needs a rule in journeys.access.RULES."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from journeys.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v2/auth/token", views.ObtainToken.as_view(), name="token"),
    path("v2/runs", views.RunListCreate.as_view(), name="run-list"),
    path("v2/runs/<id:run_id>", views.RunDetail.as_view(), name="run-detail"),
    path("v2/runs/<id:run_id>/events", views.RunEvents.as_view(), name="run-events"),
    path("v2/runs/<id:run_id>/pause", views.RunPause.as_view(), name="run-pause"),
    path("v2/runs/<id:run_id>/resume", views.RunResume.as_view(), name="run-resume"),
    path("v2/runs/<id:run_id>/abort", views.RunAbort.as_view(), name="run-abort"),
    path("v2/runs/<id:run_id>/answer", views.RunAnswer.as_view(), name="run-answer"),
    path("v2/runs/<id:run_id>/artifacts", views.RunArtifacts.as_view(), name="run-artifacts"),
    path("v2/runs/<id:run_id>/artifacts/<path:name>", views.RunArtifactDownload.as_view(), name="run-artifact-download"),
]
