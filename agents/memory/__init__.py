"""Memory for the agents, as a library (no Django models, no Celery): docs/memory.md.

- episodic: `episode_context(older, recent, max_chars)` — a run's own history as bounded prompt
  context; `full_log(steps)` — the unbounded version, for comparison.
- lessons / distil: `distil_rules(digest)` — lessons from a finished run by deterministic rules;
  `distil(digest, llm, timeline)` — the same, phrased by a model (skill `distil_lessons`).
- apply: `research_hints`, `plan_advice`, `lesson_event`, `lesson_use_record` — acting on lessons
  and saying so in the run's events.
- profile: `fingerprint(text)`, `combine`, `guidance(fp, level)` — a student's writing fingerprint
  and the instructions that make the Writer follow it.
- embedder: `embedder_for(model)` — the offline model or a litellm embedding model, 384 dims.

The Django side (models, background tasks, the "memory" service nodes read) is journeys.memory.
"""
