"""Run generated or patched tool code in a separate, limited process. See docs/tools.md for
exactly what is isolated and what is not."""
from tools.sandbox.launcher import SandboxLimits, SandboxReport, SandboxUnavailable, namespaces_available, run_code

__all__ = ["SandboxLimits", "SandboxReport", "SandboxUnavailable", "namespaces_available", "run_code"]
