from django.contrib import admin
from django.urls import include, path

from turnitin.urls import api_urlpatterns as turnitin_api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("turnitin/", include("turnitin.urls")),
    path("api/v2/turnitin/", include((turnitin_api, "turnitin_api"))),
]
