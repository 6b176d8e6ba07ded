"""The HTTP API (/api/v2): thin DRF views over journeys.services and journeys.live."""
