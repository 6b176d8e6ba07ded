from django.contrib import admin
from django.urls import include, path, register_converter

from journeys.converters import IdConverter

# Registered before the includes below import their URL modules, which use "<id:...>".
register_converter(IdConverter, "id")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("journeys.api.urls")),
    path("", include("journeys.portal.urls")),
]
