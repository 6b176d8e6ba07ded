"""Escape attempts against the sandbox: each is contained, and the report names the rule that held."""
from __future__ import annotations

import socket
import subprocess

from tools.sandbox import SandboxLimits, namespaces_available, run_code
from tools.sandbox.launcher import CLEAN_ENV

LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=4, memory_mb=256, file_mb=4, scratch_mb=16, processes=8)

# No skip: the product's guarantees rest on namespaces, so a machine without them fails here.
assert namespaces_available(), "the sandbox tests need root and util-linux `unshare` (see docs/tools.md)"


def sandboxed(code: str, arguments: dict | None = None, hosts: tuple = (), limits: SandboxLimits = LIMITS):
    return run_code(code, arguments or {}, hosts=hosts, limits=limits)


def sandbox_processes() -> list[str]:
    lines = subprocess.run(["ps", "-eo", "uid=,pid=,cmd="], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line for line in lines if int(line.split()[0]) >= LIMITS.uid_base]


def test_ordinary_code_runs_and_reports_its_isolation():
    report = sandboxed("import decimal\ndef run(arguments, http):\n    return {'sum': str(decimal.Decimal('0.1') * 3)}")
    assert report.ok and report.result == {"sum": "0.3"}
    assert report.isolation["mode"] == "namespaces" and report.isolation["user"] >= LIMITS.uid_base


def test_a_socket_to_an_undeclared_host_is_refused_by_the_guard_and_by_the_namespace(mini_scholar):
    # given a listening server on this machine that the tool did not declare
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    declared = (f"127.0.0.1:{mini_scholar.port}",)

    # when the tool connects through the socket module, through _socket (around the guard), or via http
    guarded = sandboxed(f"import socket\ndef run(a, http):\n    socket.create_connection(('127.0.0.1', {port}), 2)", hosts=declared)
    raw = sandboxed(f"import _socket\ndef run(a, http):\n    s = _socket.socket()\n    s.connect(('127.0.0.1', {port}))",
                    hosts=declared)
    helper = sandboxed(f"def run(a, http):\n    return http.get_json('http://127.0.0.1:{port}/')", hosts=declared)
    allowed = sandboxed(f"def run(a, http):\n    return http.get_json('{mini_scholar.base}/alpha/works')", hosts=declared)
    listener.close()

    # then every undeclared attempt fails with limit "network"; the declared host answers
    assert (guarded.limit, raw.limit, helper.limit) == ("network", "network", "network")
    assert "refused" in guarded.error and "unreachable" in raw.error and "not declared" in helper.error
    assert allowed.ok and len(allowed.result["results"]) == 2 and allowed.trace[0]["status"] == 200


def test_files_outside_the_scratch_dir_do_not_exist_for_the_tool():
    report = sandboxed("def run(a, http):\n    return open('/work/main/handywriterz/settings.py').read()")
    secrets = sandboxed("def run(a, http):\n    return open('/etc/shadow').read()")
    scratch = sandboxed("def run(a, http):\n    open('note.txt', 'w').write('ok')\n    return open('note.txt').read()")
    assert report.limit == "filesystem" and "outside the scratch directory" in report.error
    assert secrets.limit == "filesystem"
    assert scratch.ok and scratch.result == "ok"


def test_writing_10_gb_hits_the_file_size_limit():
    code = ("def run(a, http):\n    chunk = b'x' * (1 << 20)\n    with open('big', 'wb') as f:\n"
            "        for _ in range(10240):\n            f.write(chunk)")
    report = sandboxed(code)
    assert not report.ok and report.limit == "file_size"


def test_many_files_fill_only_the_small_scratch_tmpfs():
    code = ("def run(a, http):\n    chunk = b'x' * (1 << 20)\n    for n in range(100):\n"
            "        with open(f'f{n}', 'wb') as f:\n            for _ in range(3):\n                f.write(chunk)")
    report = sandboxed(code)
    assert not report.ok and report.limit == "scratch_space"


def test_a_fork_bomb_hits_the_process_limit_and_leaves_nothing_behind():
    report = sandboxed("import os\ndef run(a, http):\n    while True:\n        os.fork()")
    assert not report.ok and report.limit == "processes"
    assert sandbox_processes() == []


def test_allocating_20_gb_hits_the_memory_limit():
    report = sandboxed("def run(a, http):\n    return len(bytearray(20 * 2**30))")
    assert not report.ok and report.limit == "memory"


def test_an_endless_loop_hits_the_cpu_limit_and_a_sleep_hits_the_wall_clock():
    busy = sandboxed("def run(a, http):\n    while True:\n        pass")
    idle = sandboxed("import time\ndef run(a, http):\n    time.sleep(60)")
    assert busy.limit == "cpu" and "CPU-time limit" in busy.error
    assert idle.limit == "wall_clock" and idle.duration < LIMITS.wall_seconds + 3
    assert sandbox_processes() == []


def test_the_environment_holds_no_secrets(monkeypatch):
    # given secrets in the worker's environment
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/x")
    code = ("import os\ndef run(a, http):\n    found = dict(os.environ)\n"
            "    try:\n        found['proc'] = open('/proc/1/environ').read()\n    except OSError as e:\n"
            "        found['proc'] = type(e).__name__\n    return found")

    # when the tool reads its environment (and tries the supervisor's through /proc)
    report = sandboxed(code)

    # then it sees only the clean variables, and /proc is not there
    assert report.ok
    assert set(report.result) - {"proc"} == set(CLEAN_ENV)
    assert "s3cret" not in str(report.result) and "postgres" not in str(report.result)
    assert report.result["proc"] == "FileNotFoundError"
    assert report.isolation["environment"] == sorted(CLEAN_ENV)
