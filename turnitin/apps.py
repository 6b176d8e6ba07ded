from django.apps import AppConfig


class TurnitinConfig(AppConfig):
    name = "turnitin"
    default_auto_field = "django.db.models.BigAutoField"
