"""`manage.py check` (and every worker start) validates the model router and tool IO config, so
a typo in HW_LLM_ROUTER is a clear message before the first run, not a failed step."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from pydantic import ValidationError

from agents.llm import RouterConfigError
from journeys import adaptive


def check_adaptive_io(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    try:
        adaptive.router_config()
        adaptive.io_defaults()
    except (RouterConfigError, ValidationError) as error:
        errors.append(Error(str(error)[:2000], hint="See docs/adaptive_io.md for the format.", id="journeys.E001"))
    for name in settings.HW_TOOL_IO:
        try:
            adaptive.tool_policy(name)
        except ValidationError as error:
            errors.append(Error(f"HW_TOOL_IO[{name!r}] is invalid: {error}"[:2000], id="journeys.E002"))
    return errors
