from django.apps import AppConfig
from django.core import checks


class JourneysConfig(AppConfig):
    name = "journeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from journeys.checks import check_adaptive_io  # models must be loaded before it imports

        checks.register(check_adaptive_io)
