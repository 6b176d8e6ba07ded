"""Memory, Django side (docs/memory.md). The library half, with no models, is agents.memory.

- vectors:  chunk embeddings (background), hybrid vector + full-text search (evidence service)
- episodes: a run's steps and events as bounded context; what the run already tried
- lessons:  distil lessons when a run ends, retrieve them by topic, count their use, retire them
- profiles: each student's preferred style and level, and their writing fingerprint
- service:  SERVICE_FACTORIES "memory", what nodes read
- hooks:    what a step's commit asks of memory (embed new chunks, distil an ended run)
- jobs:     the background work the tasks call (embedding batches, re-embedding, status)
This module imports nothing, so persistence can import `hooks` without a cycle.
"""
