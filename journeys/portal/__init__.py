"""The student portal: server-rendered pages over journeys.services (views thin, forms validate)."""
