"""The sandbox's supervisor: run as `python -I -S supervisor.py` by tools.sandbox.launcher.

With namespaces (the launcher started it under `unshare --net --mount --pid --fork`, as root) it
is PID 1 of a fresh PID namespace, with a network namespace whose only interface (loopback) is
down. It builds a new root on a size-limited tmpfs (read-only binds of /usr, the Python stdlib
and the CA certificates; a writable /scratch; /net with the forwarders' Unix sockets), chroots
into it, and forks the tool process, which drops to an unprivileged uid, sets its resource
limits and runs the tool. When the supervisor exits, the kernel kills whatever the tool left
behind in the PID namespace.

Without namespaces (not root, or no `unshare`) it only applies the resource limits, a clean
environment and the socket guard, and says so in its report.

Protocol: one JSON request on stdin; one JSON report on stdout. Stdlib only.
"""
from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import resource
import signal
import ssl
import struct
import sys
import threading

PR_SET_NO_NEW_PRIVS = 38
MS_RDONLY, MS_BIND, MS_REMOUNT, MS_NOSUID, MS_NODEV = 1, 4096, 32, 2, 4


def load_runtime(path: str):
    spec = importlib.util.spec_from_file_location("hw_sandbox_runtime", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mount(source: str, target: str, fstype: str, flags: int, data: str = "") -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(source.encode(), target.encode(), fstype.encode(), flags, data.encode() or None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def bind_read_only(source: str, root: str) -> None:
    """Bind `source` at the same path inside `root`, read-only (a bind needs a remount for ro);
    device nodes (/dev/null, /dev/urandom) keep working, everything else is nodev."""
    if not os.path.exists(source):
        return
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, "", MS_BIND)
    device = 0 if source.startswith("/dev/") else MS_NODEV
    mount("", target, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | device)


def build_root(request: dict) -> str:
    """A new root on a tmpfs of `scratch_mb`; returns the path to chroot into."""
    root = request["root_dir"]
    mount("", "/", "", 1 << 14 | 1 << 18)  # MS_REC | MS_PRIVATE: nothing leaks back to the host
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={request['limits']['scratch_mb']}m,mode=755")
    for path in ["/usr", "/etc/ssl", "/dev/null", "/dev/urandom", *request["stdlib_paths"]]:
        bind_read_only(path, root)
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{root}/{name}")
    os.makedirs(f"{root}/net", exist_ok=True)
    if request["net_dir"]:
        mount(request["net_dir"], f"{root}/net", "", MS_BIND)
    os.makedirs(f"{root}/scratch", mode=0o700)
    os.makedirs(f"{root}/tmp", mode=0o1777)
    os.chmod(f"{root}/tmp", 0o1777)
    os.chown(f"{root}/scratch", request["uid"], request["uid"])
    return root


def set_limits(limits: dict, processes_base: int) -> None:
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = int(limits["file_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    processes = processes_base + int(limits["processes"])
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(limits["open_files"]), int(limits["open_files"])))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def user_process_count(uid: int) -> int:
    """Processes of `uid` now: RLIMIT_NPROC counts them all, so unprivileged mode adds to it."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                continue
    return count


def become_tool_process(request: dict, output_path: str) -> None:
    output = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    stdin = os.open("/dev/null", os.O_RDONLY)
    os.dup2(stdin, 0)
    base = 0
    if request["namespaced"]:
        uid = request["uid"]
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    else:
        base = user_process_count(os.getuid())
    ctypes.CDLL(None).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    set_limits(request["limits"], base)


def read_result(fd: int, box: dict) -> None:
    """Read one length-prefixed message from the tool process (children may keep the pipe open)."""
    def exactly(count: int) -> bytes:
        chunks, remaining = [], count
        while remaining:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    try:
        (length,) = struct.unpack(">Q", exactly(8))
        if length > box["max_bytes"]:
            box["message"] = {"ok": False, "limit": "result_size", "error_type": "ResultTooLarge",
                              "message": f"the tool announced a {length}-byte result", "trace": []}
            return
        box["message"] = json.loads(exactly(length))
    except (EOFError, ValueError, struct.error):
        pass


def tail(path: str, size: int = 2000) -> str:
    try:
        with open(path, "rb") as stream:
            stream.seek(max(0, os.path.getsize(path) - size))
            return stream.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def main() -> None:
    request = json.loads(sys.stdin.read())
    runtime = load_runtime(request["runtime_path"])
    context = ssl.create_default_context()  # reads the CA store before the root changes
    scratch = "/scratch"
    if request["namespaced"]:
        root = build_root(request)
        os.chroot(root)
        os.chdir(scratch)
        sockets = {key: f"/net/{name}" for key, name in request["sockets"].items()}
    else:
        scratch = request["scratch_dir"]
        os.chdir(scratch)
        sockets = {key: os.path.join(request["net_dir"], name) for key, name in request["sockets"].items()}
    output_path = os.path.join(scratch, ".tool-output")
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            become_tool_process(request, output_path)
            http = runtime.SandboxHttp(sockets, context, request.get("headers"))
            runtime.install_socket_guard(sorted(sockets))
        except BaseException as error:  # noqa: BLE001 - report a setup failure instead of hanging
            runtime.send(writer, {"ok": False, "limit": "", "error_type": "SandboxSetupError", "message": repr(error), "trace": []})
            os._exit(3)
        runtime.execute(request, writer, http, scratch)
    os.close(writer)
    box: dict = {"max_bytes": runtime.MAX_RESULT_BYTES + 4096}  # the root supervisor reads no more
    thread = threading.Thread(target=read_result, args=(reader, box), daemon=True)
    thread.start()
    _, status, usage = os.wait4(pid, 0)
    thread.join(1.0)
    report = {
        "message": box.get("message"),
        "exit_code": os.waitstatus_to_exitcode(status),
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
        "signal_name": signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else "",
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "max_rss_kb": usage.ru_maxrss,
        "output": tail(output_path),
    }
    sys.stdout.write(json.dumps(report, default=str))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
