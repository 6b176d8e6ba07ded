"""The nightly evaluation suite as a django-celery-beat PeriodicTask (03:30 UTC), so operators
see, retime or disable it in the admin (Periodic tasks) without a deploy."""
import json

from django.db import migrations
from django.utils import timezone

NAME = "evaluation: nightly suite"
TASK = "evaluation.tasks.run_eval_suite_task"


def create_nightly(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK, "crontab": schedule, "kwargs": json.dumps({"trigger": "nightly"}), "enabled": True,
            "description": "Runs evaluation/tasks on the real engine with faults injected; results under Evaluation.",
        },
    )  # fmt: skip
    # The database scheduler reloads its schedule when this row's time changes.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_nightly(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_nightly, remove_nightly)]
