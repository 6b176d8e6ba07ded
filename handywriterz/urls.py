from django.contrib import admin
from django.urls import include, path, register_converter

from journeys.converters import IdConverter

# Registered before the URL modules below are imported: they use "<id:...>".
register_converter(IdConverter, "id")

from turnitin.urls import api_urlpatterns as turnitin_api  # noqa: E402 - needs the converter above

# The portal provides sign-up, log-in and log-out under accounts/ (journeys/portal/urls.py).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("turnitin/", include("turnitin.urls")),
    path("api/v2/turnitin/", include((turnitin_api, "turnitin_api"))),
    path("api/", include("journeys.api.urls")),
    path("", include("journeys.portal.urls")),
]

# An error outside any view (a middleware reading the session while PostgreSQL is down) answers
# 503 + Retry-After when the database is the cause (handywriterz/middleware.py), else Django's 500.
handler500 = "handywriterz.middleware.server_error"
