"""No secret in logs or stored rows (docs/security.md, "Web"): a real worker holds canary API
keys in its environment; a provider error quotes one (as real providers quote a wrong key);
the journey runs on; neither canary is in any Event, Step, Artifact or ProviderCall row, nor in
the worker's log, which does show the masked error."""
from __future__ import annotations

import logging
import sys

import pytest
from django.core import serializers

from journeys import services
from journeys.models import Artifact, Event, ProviderCall, Run, Step
from journeys.redaction import MASK, RedactSecrets, scrub, scrub_text
from tests.conftest import wait_for

CANARY_KEY = "canary-openai-key-3f9d2b7e1c5a"
CANARY_SECRET = "canary-webhook-secret-8e4c6a2f0b"
GOAL = "Write an essay on urban heat islands and public health"


@pytest.fixture
def canary_worker(workers, transactional_db):
    """The session's worker pool with only one worker: ours, with the canaries in its environment."""
    workers.stop_all()
    process = workers.start(extra_env={"OPENAI_API_KEY": CANARY_KEY, "HW_TURNITIN_WEBHOOK_SECRET": CANARY_SECRET})
    yield workers, workers.log_dir / f"worker-{workers.started}.log"
    if process.poll() is None:
        workers.stop_all()  # the `worker` fixture starts a plain one again for later tests


def stored_text(run: Run) -> str:
    rows = [
        *Event.objects.filter(run=run), *Step.objects.filter(run=run), *Artifact.objects.filter(run=run).defer("blob"),
        *ProviderCall.objects.filter(run_id=run.pk), Run.objects.get(pk=run.pk),
    ]
    return serializers.serialize("json", rows)


def test_a_canary_api_key_reaches_no_row_and_no_log(canary_worker, script, student):
    workers, log = canary_worker
    # given a provider that refuses the first section, quoting the key it was sent, then recovers
    script.push("write_section", error=401, message=f"Incorrect API key provided: {CANARY_KEY} (secret {CANARY_SECRET})")
    run = services.start_run(student, "sketch", GOAL, words=200, spec={"sections": 2})

    # when the run proceeds on the worker that holds the canaries
    wait_for(lambda: Run.objects.get(pk=run.pk).is_terminal, 120, what="the run to end")

    # then the error was recorded, masked, and no canary is stored or logged anywhere
    failed = Step.objects.filter(run=run).exclude(error="").first()
    assert failed is not None and "Incorrect API key provided" in failed.error and MASK in failed.error
    text = stored_text(run)
    assert CANARY_KEY not in text and CANARY_SECRET not in text
    logged = "".join(path.read_text(errors="replace") for path in workers.log_dir.glob("worker-*.log"))
    assert "Incorrect API key provided" in log.read_text(errors="replace"), "the error path did not log"
    assert CANARY_KEY not in logged and CANARY_SECRET not in logged


def test_secret_shapes_are_masked_wherever_they_come_from(settings):
    settings.HW_SECRET_VALUES = ["from-the-environment-1234"]
    text = (
        "key sk-proj-abcdefghijklmnopqrstuv, Bearer eyJhbGciOiJIUzI1NiJ9.payload, api_key=q1w2e3r4t5y6"
        " and from-the-environment-1234"
    )
    cleaned = scrub_text(text)
    assert cleaned == f"key {MASK}, Bearer {MASK}, api_key={MASK} and {MASK}"
    assert scrub({"a": [text], "n": 3}) == {"a": [cleaned], "n": 3}
    assert scrub_text("an essay of 1200 words on heat, with 14 sources") == "an essay of 1200 words on heat, with 14 sources"


def test_the_log_filter_masks_messages_arguments_and_tracebacks(settings):
    settings.HW_SECRET_VALUES = ["hunter2-but-longer"]
    try:
        raise RuntimeError("refused hunter2-but-longer")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", ("hunter2-but-longer",), exc_info=None)
        record.exc_info = sys.exc_info()
    assert RedactSecrets().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "hunter2-but-longer" not in formatted and f"token {MASK}" in formatted and f"refused {MASK}" in formatted
