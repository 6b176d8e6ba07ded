"""URLs of the checker workbench (/turnitin/) and of the Turnitin API (/api/v2/turnitin/)."""

from django.urls import path

from turnitin import api, views

app_name = "turnitin"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("claim/", views.claim, name="claim"),
    path("jobs/<int:cycle_id>/", views.job, name="job"),
    path("jobs/<int:cycle_id>/draft.docx", views.download_draft, name="draft"),
    path("jobs/<int:cycle_id>/report/", views.upload_report, name="upload"),
    path("jobs/<int:cycle_id>/release/", views.release, name="release"),
]

api_urlpatterns = [
    path("<int:run_id>/report", api.ReportWebhook.as_view(), name="webhook"),
    path("<int:run_id>/status", api.CycleStatusView.as_view(), name="status"),
]
