"""The evaluation harness: task files (taskfile), the runner on the real engine (harness), the
`eval` command, stored results with trends (models, admin) and the nightly suite (tasks)."""
