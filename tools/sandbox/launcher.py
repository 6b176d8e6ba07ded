"""The worker's side of the sandbox: start the supervisor, forward declared hosts, enforce the
wall clock, and turn what came back into a SandboxReport that says which limit fired."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools.sandbox.forwarder import HostForwarder

HERE = Path(__file__).resolve().parent
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/scratch"}


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed call. Memory is address space (RLIMIT_AS), so it includes the
    interpreter itself (~60 MB)."""

    cpu_seconds: int = 5
    wall_seconds: float = 20.0
    memory_mb: int = 512
    file_mb: int = 16
    scratch_mb: int = 64
    processes: int = 16
    open_files: int = 64
    isolation: str = "auto"  # auto | namespaces | rlimits
    uid_base: int = 200_000
    # Hosts ("host" or "host:port") an ingested API tool may call although they are not public
    # (tools.netguard); from settings only.
    allowed_hosts: tuple[str, ...] = ()


@dataclass
class SandboxReport:
    """What happened. `ok` with `result`, or not ok with `limit` (which rule stopped the code:
    cpu, wall_clock, memory, file_size, scratch_space, processes, network, filesystem,
    result_size) or an ordinary `error`. `isolation` says which protections were in force."""

    ok: bool
    result: Any = None
    error: str = ""
    error_type: str = ""
    limit: str = ""
    trace: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""
    duration: float = 0.0
    cpu_seconds: float = 0.0
    isolation: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxUnavailable(RuntimeError):
    pass


def namespaces_available() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def host_key(host: str) -> tuple[str, int]:
    """'host:port' or a URL -> (host, port); a bare host means port 443."""
    parts = urllib.parse.urlsplit(host if "://" in host else f"//{host}")
    default = 80 if parts.scheme == "http" else 443
    if not parts.hostname:
        raise ValueError(f"not a host: {host!r}")
    return parts.hostname, parts.port or default


def run_code(code: str, arguments: dict[str, Any], *, hosts: list[str] | tuple[str, ...] = (),
             limits: SandboxLimits = SandboxLimits(), entry: str = "run",
             headers: dict[str, str] | None = None) -> SandboxReport:
    """Run `entry(arguments, http)` from `code` in a fresh sandbox process and report; `headers`
    go on every request the code makes (the step's Idempotency-Key)."""
    namespaced = limits.isolation != "rlimits" and namespaces_available()
    if limits.isolation == "namespaces" and not namespaced:
        raise SandboxUnavailable("namespaces were required but need root and util-linux `unshare`")
    workdir = tempfile.mkdtemp(prefix="hw-sandbox-")
    forwarders: list[HostForwarder] = []
    try:
        os.chmod(workdir, 0o755)
        net_dir, root_dir, scratch_dir = (os.path.join(workdir, name) for name in ("net", "root", "scratch"))
        for path in (net_dir, root_dir, scratch_dir):
            os.mkdir(path, 0o755)
        sockets = {}
        for index, declared in enumerate(hosts):
            host, port = host_key(declared)
            name = f"h{index}.sock"
            forwarders.append(HostForwarder(host, port, os.path.join(net_dir, name)).start())
            sockets[f"{host}:{port}"] = name
        request = {
            "code": code, "arguments": arguments, "entry": entry, "limits": asdict(limits), "namespaced": namespaced,
            "sockets": sockets, "headers": dict(headers or {}),
            "net_dir": net_dir, "root_dir": root_dir, "scratch_dir": scratch_dir,
            "uid": limits.uid_base + random.randrange(50_000), "runtime_path": str(HERE / "runtime.py"),
            "stdlib_paths": stdlib_paths(),
        }
        return launch(request, limits, namespaced)
    finally:
        for forwarder in forwarders:
            forwarder.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def stdlib_paths() -> list[str]:
    base = Path(sys.base_prefix) / "lib"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [str(base / version), str(base / f"python{sys.version_info.major}{sys.version_info.minor}.zip")]


def command_for(namespaced: bool) -> list[str]:
    python = [str(Path(sys.base_prefix) / "bin" / "python3"), "-I", "-S", str(HERE / "supervisor.py")]
    if not namespaced:
        return python
    return ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", "--propagation", "private", "--", *python]


def launch(request: dict[str, Any], limits: SandboxLimits, namespaced: bool) -> SandboxReport:
    isolation = {
        "mode": "namespaces" if namespaced else "rlimits",
        "network": "own network namespace, loopback down; declared hosts via forwarders" if namespaced
        else "socket guard only (bypassable)",
        "filesystem": "chroot to a tmpfs with read-only /usr and stdlib" if namespaced else "cwd in a temp dir only",
        "user": request["uid"] if namespaced else os.getuid(),
        "environment": sorted(CLEAN_ENV),
        "declared_hosts": sorted(request["sockets"]),
    }
    started = time.monotonic()
    process = subprocess.Popen(command_for(namespaced), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=CLEAN_ENV, cwd=request["scratch_dir"], start_new_session=True)
    try:
        stdout, stderr = process.communicate(json.dumps(request).encode(), timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)
        return SandboxReport(ok=False, limit="wall_clock", error=f"wall-clock limit of {limits.wall_seconds:g} s reached",
                             error_type="Timeout", duration=time.monotonic() - started, isolation=isolation)
    duration = time.monotonic() - started
    try:
        report = json.loads(stdout[-8_000_000:])
    except ValueError:
        return SandboxReport(ok=False, error=f"sandbox supervisor failed (exit {process.returncode}): "
                             f"{stderr.decode(errors='replace')[-1500:]}", error_type="SandboxError",
                             duration=duration, isolation=isolation)
    return interpret(report, limits, duration, isolation)


def interpret(report: dict[str, Any], limits: SandboxLimits, duration: float, isolation: dict) -> SandboxReport:
    message = report.get("message") or {}
    common = {"trace": message.get("trace", []), "output": report.get("output", ""), "duration": duration,
              "cpu_seconds": report.get("cpu_seconds", 0.0), "isolation": isolation}
    if message.get("ok"):
        return SandboxReport(ok=True, result=message.get("result"), **common)
    if message:
        return SandboxReport(ok=False, error=message.get("message", ""), error_type=message.get("error_type", ""),
                             limit=message.get("limit", ""), **common)
    signal_name = report.get("signal_name", "")
    if signal_name in {"SIGXCPU", "SIGKILL"} and report.get("cpu_seconds", 0) >= limits.cpu_seconds * 0.9:
        return SandboxReport(ok=False, limit="cpu", error_type="CPULimit",
                             error=f"CPU-time limit of {limits.cpu_seconds} s reached ({signal_name})", **common)
    if signal_name == "SIGXFSZ":
        return SandboxReport(ok=False, limit="file_size", error_type="FileSizeLimit", error="file size limit reached", **common)
    return SandboxReport(ok=False, error_type="Crashed", error=f"tool process ended without a result "
                         f"(exit {report.get('exit_code')}, {signal_name or 'no signal'})", **common)
