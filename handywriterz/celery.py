"""The Celery app. Configuration lives in Django settings under the CELERY_ namespace."""
import os

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    celeryd_init,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_ready,
)

from handywriterz.broker import transport_for

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handywriterz.settings")

app = Celery("handywriterz")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Celery replaces the root logger's handlers with its own at start-up, so the secret redaction
# that settings.LOGGING puts on Django's handlers is added to Celery's here (docs/security.md).
@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_celery_logs(logger, **_kwargs) -> None:
    from journeys.redaction import redact_handlers  # needs Django set up, which Celery has done by now

    redact_handlers(logger)


# Long-lived workers return the memory they freed to the OS (handywriterz/allocator.py): the
# thread and solo pools step in the worker's own process, prefork in its children.
@worker_ready.connect
@worker_process_init.connect
def trim_freed_memory(**_kwargs) -> None:
    from django.conf import settings

    from handywriterz.allocator import start_trimming

    start_trimming(settings.HW_MALLOC_TRIM_SECONDS)


# A worker must outlive a Redis restart; kombu's Redis transport can end it (handywriterz/broker.py).
@celeryd_init.connect
def survive_broker_restarts(conf, **_kwargs) -> None:
    conf.broker_transport = transport_for(conf.broker_url) or conf.broker_transport


# A worker keeps its database connection from one step to the next (handywriterz/pooling.py).
@task_prerun.connect
@task_postrun.connect
def recycle_database_connections(**_kwargs) -> None:
    from handywriterz.pooling import recycle_connections  # needs Django set up

    recycle_connections()
