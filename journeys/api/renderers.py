"""Lets DRF's content negotiation accept `Accept: text/event-stream` for the events endpoint; the
view then answers with a streaming response itself, so this renderer never renders data."""
from __future__ import annotations

import json

from rest_framework.renderers import BaseRenderer


class EventStreamRenderer(BaseRenderer):
    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        # Only errors (401, 404 ...) reach here: send them as one SSE "error" event.
        return f"event: error\ndata: {json.dumps(data, default=str)}\n\n".encode()
